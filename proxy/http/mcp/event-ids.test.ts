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

test('a caller past its own bound forgets its own oldest ids, never another caller\'s', () => {
  const ids = createMcpEventIds(10, 2)
  const s1 = { server: 'docs', session: 's1' }
  const s2 = { server: 'docs', session: 's2' }
  ids.forwarded(s1, 'v1', 'victim', email)
  for (let i = 0; i < 50; i++) ids.forwarded(s2, `a${i}`, 'attacker', none)
  assert.is(ids.resumable(s1, 'v1', 'victim'), email)
  assert.is(ids.resumable(s2, 'a0', 'attacker'), undefined)
  assert.ok(ids.resumable(s2, 'a49', 'attacker'))
  assert.ok(ids.resumable(s2, 'a48', 'attacker'))
})

test('past the bound in all, the least recently used id goes, whoever holds it; a resumption makes an id recent', () => {
  const ids = createMcpEventIds(2, 2)
  const s = { server: 'docs', session: 's' }
  ids.forwarded(s, 'e1', 'alice', none)
  ids.forwarded(s, 'e2', 'bob', none)
  assert.ok(ids.resumable(s, 'e1', 'alice'))
  ids.forwarded(s, 'e3', 'carol', none)
  assert.ok(ids.resumable(s, 'e1', 'alice'))
  assert.is(ids.resumable(s, 'e2', 'bob'), undefined)
})

test.run()
