import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMcpEventIds } from './event-ids.ts'

const none: [] = []
const email = [{ detector: 'email' }]

test('an event id is the caller\'s it was first forwarded to, per server and session, with its answer\'s masks; unknown and forgotten ids are nobody\'s', () => {
  const ids = createMcpEventIds(3)
  const s1 = { server: 'docs', session: 's1' }
  assert.is(ids.resumable(s1, 'e1', 'alice'), undefined)
  ids.forwarded(s1, 'e1', 'alice', email)
  ids.forwarded(s1, 'e1', 'bob', none)
  assert.is(ids.resumable(s1, 'e1', 'alice'), email)
  assert.is(ids.resumable(s1, 'e1', 'bob'), undefined)
  assert.is(ids.resumable({ server: 'other', session: 's1' }, 'e1', 'alice'), undefined)
  assert.is(ids.resumable({ server: 'docs', session: 's2' }, 'e1', 'alice'), undefined)
  assert.is(ids.resumable({ server: 'docs', session: undefined }, 'e1', 'alice'), undefined)
  // Another session numbering its events alike has its own.
  ids.forwarded({ server: 'docs', session: 's2' }, 'e1', 'bob', none)
  assert.ok(ids.resumable({ server: 'docs', session: 's2' }, 'e1', 'bob'))
  ids.forwarded(s1, 'e2', 'alice', none)
  ids.forwarded(s1, 'e3', 'alice', none)
  assert.is(ids.resumable(s1, 'e1', 'alice'), undefined)
})

test.run()
