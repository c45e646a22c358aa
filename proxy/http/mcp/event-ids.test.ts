import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMcpEventIds } from './event-ids.ts'

test('an event id is the caller\'s it was first forwarded to, per server and session; unknown and forgotten ids are nobody\'s', () => {
  const ids = createMcpEventIds(3)
  const s1 = { server: 'docs', session: 's1' }
  assert.is(ids.owns(s1, 'e1', 'alice'), false)
  ids.forwarded(s1, 'e1', 'alice')
  ids.forwarded(s1, 'e1', 'bob')
  assert.ok(ids.owns(s1, 'e1', 'alice'))
  assert.is(ids.owns(s1, 'e1', 'bob'), false)
  assert.is(ids.owns({ server: 'other', session: 's1' }, 'e1', 'alice'), false)
  assert.is(ids.owns({ server: 'docs', session: 's2' }, 'e1', 'alice'), false)
  assert.is(ids.owns({ server: 'docs', session: undefined }, 'e1', 'alice'), false)
  // Another session numbering its events alike has its own.
  ids.forwarded({ server: 'docs', session: 's2' }, 'e1', 'bob')
  assert.ok(ids.owns({ server: 'docs', session: 's2' }, 'e1', 'bob'))
  ids.forwarded(s1, 'e2', 'alice')
  ids.forwarded(s1, 'e3', 'alice')
  assert.is(ids.owns(s1, 'e1', 'alice'), false)
})

test.run()
