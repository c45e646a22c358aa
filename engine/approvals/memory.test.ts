import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { alice, held, manualClock } from './fixtures.ts'
import { createMemoryApprovalStore } from './memory.ts'
import { approvalStoreCases, rejectsWith } from './store.case.ts'

approvalStoreCases('memory', async (opts) => ({ store: createMemoryApprovalStore(opts) }))

const DAY = 24 * 60 * 60 * 1000

test('maxPending bounds held requests; deciding one frees a slot', async () => {
  const store = createMemoryApprovalStore({ now: manualClock().now, maxPending: 2 })
  const a = await store.request(held({ digest: 'a' }))
  await store.request(held({ digest: 'b' }))
  assert.is((await store.request(held({ digest: 'a' }))).id, a.id, 'a duplicate needs no slot')
  await rejectsWith(store.request(held({ digest: 'c' })), 'approval.capacity')
  await store.approve(a.id, alice)
  assert.is((await store.request(held({ digest: 'c' }))).status, 'pending')
})

test('unanswered requests expire after a day; decided ones are dropped a day after their decision', async () => {
  const clock = manualClock()
  const store = createMemoryApprovalStore({ now: clock.now })
  const stale = await store.request(held({ digest: 'a' }))
  const decided = await store.request(held({ digest: 'b' }))
  await store.reject(decided.id, alice)
  clock.advance(DAY + 1)
  assert.is((await store.get(stale.id))?.status, 'expired')
  await store.request(held({ digest: 'c' }))
  assert.is(await store.get(decided.id), undefined)
  clock.advance(DAY + 1)
  await store.request(held({ digest: 'd' }))
  assert.equal((await store.list()).map((r) => [r.command.digest, r.status]), [['c', 'expired'], ['d', 'pending']], 'a and b are gone; c expired a moment ago')
})

test('decided requests beyond the retention cap are dropped oldest first', async () => {
  const store = createMemoryApprovalStore({ now: manualClock().now, maxPending: 1 })
  const ids: string[] = []
  for (let i = 0; i < 12; i++) {
    const r = await store.request(held({ digest: `d${i}` }))
    await store.reject(r.id, alice)
    ids.push(r.id)
  }
  await store.request(held({ digest: 'last' }))
  const kept = (await store.list()).map((r) => r.id)
  assert.is(kept.length, 11)
  assert.not.ok(kept.includes(ids[0]!))
  assert.not.ok(kept.includes(ids[1]!))
})

test.run()
