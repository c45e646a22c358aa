import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ApprovalError } from './errors.ts'
import { alice, approveDecision, heldInput, manualClock } from './fixtures.ts'
import { createMemoryApprovalStore } from './memory.ts'
import { approvalStoreCases } from './store.case.ts'

approvalStoreCases('memory', (opts) => createMemoryApprovalStore(opts))

const DAY = 24 * 60 * 60 * 1000

test('maxPending bounds held requests; deciding one frees a slot', () => {
  const store = createMemoryApprovalStore({ now: manualClock().now, maxPending: 2 })
  const a = store.request(heldInput({ digest: 'a' }), approveDecision(), 's')
  store.request(heldInput({ digest: 'b' }), approveDecision(), 's')
  assert.is(store.request(heldInput({ digest: 'a' }), approveDecision(), 's').id, a.id, 'a duplicate needs no slot')
  assert.throws(
    () => store.request(heldInput({ digest: 'c' }), approveDecision(), 's'),
    (err: unknown) => err instanceof ApprovalError && err.code === 'approval.capacity',
  )
  store.approve(a.id, alice)
  assert.is(store.request(heldInput({ digest: 'c' }), approveDecision(), 's').status, 'pending')
})

test('unanswered requests expire after a day; decided ones are dropped a day after their decision', () => {
  const clock = manualClock()
  const store = createMemoryApprovalStore({ now: clock.now })
  const stale = store.request(heldInput({ digest: 'a' }), approveDecision(), 's')
  const decided = store.request(heldInput({ digest: 'b' }), approveDecision(), 's')
  store.reject(decided.id, alice)
  clock.advance(DAY + 1)
  assert.is(store.get(stale.id)?.status, 'expired')
  assert.is(store.get(decided.id), undefined)
  clock.advance(DAY + 1)
  assert.equal(store.list(), [])
})

test('decided requests beyond the retention cap are dropped oldest first', () => {
  const store = createMemoryApprovalStore({ now: manualClock().now, maxPending: 1 })
  const ids: string[] = []
  for (let i = 0; i < 12; i++) {
    const r = store.request(heldInput({ digest: `d${i}` }), approveDecision(), 's')
    store.reject(r.id, alice)
    ids.push(r.id)
  }
  store.request(heldInput({ digest: 'last' }), approveDecision(), 's')
  const kept = store.list().map((r) => r.id)
  assert.is(kept.length, 11)
  assert.not.ok(kept.includes(ids[0]!))
  assert.not.ok(kept.includes(ids[1]!))
})

test.run()
