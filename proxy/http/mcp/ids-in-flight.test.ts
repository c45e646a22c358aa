import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMcpIdsInFlight } from './ids-in-flight.ts'

test('an id is taken once per server and session until released; 1 and "1" are two ids; a release twice frees nothing more', () => {
  const ids = createMcpIdsInFlight()
  const release = ids.take({ server: 'docs', session: 's1', id: 1 })
  assert.ok(release)
  assert.is(ids.take({ server: 'docs', session: 's1', id: 1 }), undefined)
  assert.ok(ids.take({ server: 'docs', session: 's1', id: '1' }))
  assert.ok(ids.take({ server: 'docs', session: 's2', id: 1 }))
  assert.ok(ids.take({ server: 'other', session: 's1', id: 1 }))
  release!()
  const again = ids.take({ server: 'docs', session: 's1', id: 1 })
  assert.ok(again)
  release!()
  assert.is(ids.take({ server: 'docs', session: 's1', id: 1 }), undefined)
  again!()
  assert.ok(ids.take({ server: 'docs', session: 's1', id: 1 }))
})

test('past the bound the oldest id is forgotten', () => {
  const ids = createMcpIdsInFlight(2)
  for (const id of [1, 2, 3]) ids.take({ server: 'docs', session: 's1', id })
  assert.ok(ids.take({ server: 'docs', session: 's1', id: 1 }))
  assert.is(ids.take({ server: 'docs', session: 's1', id: 3 }), undefined)
})

test.run()
