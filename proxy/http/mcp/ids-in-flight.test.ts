import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMcpIdsInFlight } from './ids-in-flight.ts'

test('an id is taken once per server and session until released; 1 and "1" are two ids; a release twice frees nothing more', () => {
  const ids = createMcpIdsInFlight(() => {})
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

test('past the bound an id is never forgotten while its session lives: the least recently used session is forgotten whole, and ended', () => {
  const forgotten: string[] = []
  const ids = createMcpIdsInFlight((server, session) => forgotten.push(`${server}/${session}`), 3)
  ids.take({ server: 'docs', session: 's1', id: 1 })
  ids.take({ server: 'docs', session: 's2', id: 1 })
  ids.take({ server: 'docs', session: 's2', id: 2 })
  ids.take({ server: 'docs', session: 's2', id: 3 })
  assert.equal(forgotten, ['docs/s1'])
  // s2 keeps every id it holds: none can be reused in flight.
  for (const id of [1, 2, 3]) assert.is(ids.take({ server: 'docs', session: 's2', id }), undefined)
})

test('a session past its own bound is ended, its ids kept taken until then', () => {
  const forgotten: string[] = []
  const ids = createMcpIdsInFlight((server, session) => forgotten.push(`${server}/${session}`), 100, 2)
  ids.take({ server: 'docs', session: 's1', id: 1 })
  ids.take({ server: 'docs', session: 's1', id: 2 })
  assert.is(ids.take({ server: 'docs', session: 's1', id: 3 }), undefined)
  assert.equal(forgotten, ['docs/s1'])
  assert.ok(ids.take({ server: 'docs', session: 's2', id: 1 }))
})

test('a release frees only its own take, not a later take of the same id', () => {
  const ids = createMcpIdsInFlight(() => {}, 1)
  const first = ids.take({ server: 'docs', session: 's1', id: 1 })!
  ids.take({ server: 'docs', session: 's2', id: 1 }) // s1 forgotten
  const second = ids.take({ server: 'docs', session: 's1', id: 1 })
  assert.ok(second)
  first()
  assert.is(ids.take({ server: 'docs', session: 's1', id: 1 }), undefined)
})

test.run()
