import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMcpServerRequests } from './server-requests.ts'

test('a server request is answered once, by the caller it was forwarded to, in its session; 1 and "1" are two ids', () => {
  const open = createMcpServerRequests(3)
  const s1 = { server: 'docs', session: 's1' }
  assert.is(open.answer(s1, 1, 'alice'), false)
  open.forwarded(s1, 1, 'alice')
  assert.is(open.answer(s1, 1, 'bob'), false)
  assert.is(open.answer(s1, '1', 'alice'), false)
  assert.is(open.answer({ server: 'docs', session: 's2' }, 1, 'alice'), false)
  assert.is(open.answer({ server: 'docs', session: undefined }, 1, 'alice'), false)
  assert.ok(open.answer(s1, 1, 'alice'))
  assert.is(open.answer(s1, 1, 'alice'), false)
  open.forwarded(s1, 2, 'alice')
  for (const id of [3, 4, 5]) open.forwarded(s1, id, 'alice')
  assert.is(open.answer(s1, 2, 'alice'), false)
})

test('one caller\'s server requests cannot push out another\'s', () => {
  const requests = createMcpServerRequests(10, 2)
  const s1 = { server: 'docs', session: 's1' }
  const s2 = { server: 'docs', session: 's2' }
  requests.forwarded(s1, 1, 'victim')
  for (let id = 0; id < 50; id++) requests.forwarded(s2, id, 'attacker')
  assert.ok(requests.answer(s1, 1, 'victim'))
  assert.ok(requests.answer(s2, 49, 'attacker'))
  assert.is(requests.answer(s2, 0, 'attacker'), false)
})

test.run()
