// What a store on durable, shared storage adds: requests and grants survive a restart, the review text is kept
// encrypted, and two stores on one storage (two gateways) see each other's decisions, grants and revocations.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { agent, alice, approveDecision, carol, dave, held, holder, manualClock } from './fixtures.ts'
import { code, newCipher, rejectsWith as rejectsCode, type StoreFactory } from './store.case.ts'
import type { ApprovalStore } from './types.ts'

async function eventually(check: () => boolean | Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms
  while (!(await check())) {
    if (Date.now() > until) assert.unreachable(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

export function sharedStoreCases(name: string, make: StoreFactory): void {
  const test = suite(`${name}: approval store on shared storage`)
  const pair = async (): Promise<[ApprovalStore, ApprovalStore, () => Promise<string>]> => {
    const handle = await make({ now: manualClock().now, cipher: newCipher() })
    return [handle.store, await handle.another!(), handle.raw!]
  }

  test('pending requests and grants survive a restart; the request can be approved after it', async () => {
    const handle = await make({ now: manualClock().now, cipher: newCipher() })
    const before = handle.store
    const granted = await before.approve((await before.request(held({ decision: approveDecision('fingerprint'), digest: 'd0' }))).id, alice)
    const pending = await before.request(held({ reviewText: "UPDATE users SET plan = 'x' WHERE id = 1" }))
    await before.close()
    const after = await handle.another!()
    assert.equal(after.grantsFor(holder('a-new-session')).map((g) => g.id), [granted.grant!.id], 'the live cache is loaded at open')
    const listed = await after.list({ status: 'pending' })
    assert.equal(listed.map((r) => [r.id, r.command.review_text]), [[pending.id, "UPDATE users SET plan = 'x' WHERE id = 1"]])
    const approved = await after.approve(pending.id, alice)
    assert.is(approved.status, 'approved')
    assert.is(after.grantsFor(holder('a-new-session')).length, 2)
    await after.close()
  })

  test('the review text is stored encrypted; a store with another key says which key it needs', async () => {
    const handle = await make({ now: manualClock().now, cipher: newCipher() })
    const r = await handle.store.request(held({ summary: 'UPDATE users SET plan = $1', reviewText: "UPDATE users SET plan = 'sekrit-value-42'" }))
    const raw = await handle.raw!()
    assert.match(raw, r.id)
    assert.not.match(raw, 'sekrit-value-42')
    assert.match(raw, 'UPDATE users SET plan = $1', 'the redacted summary is stored as it is')
    const stranger = await handle.another!(newCipher())
    assert.match((await stranger.get(r.id))!.command.review_text, /^\[not readable here: the review text was sealed with approvals key [0-9a-f]{16}, and this gateway has key [0-9a-f]{16}/)
    await stranger.close()
    await handle.store.close()
  })

  test('a decision made through one store releases a statement waiting on the other', async () => {
    const [a, b] = await pair()
    const r = await a.request(held())
    const waiting = a.wait(r.id, 30_000)
    await new Promise((resolve) => setTimeout(resolve, 20))
    const approved = await b.approve(r.id, alice)
    const seen = await waiting
    assert.equal([seen.status, seen.grant?.id], ['approved', approved.grant!.id])
    assert.equal(a.grantsFor(holder()).map((g) => g.id), [approved.grant!.id], 'the grant is in the waiting store before the waiter resumes')
    const r2 = await b.request(held({ digest: 'd2' }))
    const rejected = b.wait(r2.id, 30_000)
    await a.reject(r2.id, carol, 'no')
    assert.is((await rejected).status, 'rejected')
    await Promise.all([a.close(), b.close()])
  })

  test('a grant made through one store is honoured by the other; a revoke through one ends it in both', async () => {
    const [a, b] = await pair()
    const approved = await a.approve((await a.request(held({ decision: approveDecision('target') }))).id, alice)
    await eventually(() => b.grantsFor(holder('b-session')).length === 1, 'the other store sees the grant')
    await b.revoke(approved.grant!.id, carol)
    await eventually(() => a.grantsFor(holder()).length === 0, 'the first store drops the revoked grant')
    await Promise.all([a.close(), b.close()])
  })

  test('a grant made through one store covers, on the other, only its identity (same subject, same issuer) on its target', async () => {
    const [a, b] = await pair()
    for (const scope of ['target', 'statement', 'session'] as const) {
      await a.approve((await a.request(held({ decision: approveDecision(scope), digest: `d-${scope}` }))).id, alice)
    }
    await eventually(() => b.grantsFor(holder()).length === 3, 'the other store sees the grants')
    assert.equal(b.grantsFor(holder('sess-1', agent, 'billing-db')), [], 'another target')
    assert.equal(b.grantsFor(holder('sess-1', { ...agent, sub: 'other-bot' })), [], 'another subject')
    assert.equal(b.grantsFor(holder('sess-1', { ...agent, issuer: 'https://other-idp.example' })), [], 'the same subject from another issuer')
    assert.equal(b.grantsFor(holder('another-session')).map((g) => g.scope).sort(), ['statement', 'target'], 'a session grant stays in its session')
    await Promise.all([a.close(), b.close()])
  })

  test('racing approvals through two stores count once', async () => {
    const [a, b] = await pair()
    const one = await a.request(held())
    const results = await Promise.allSettled([a.approve(one.id, alice), b.approve(one.id, dave), a.approve(one.id, carol), b.approve(one.id, alice)])
    assert.is(results.filter((x) => x.status === 'fulfilled').length, 1)
    assert.ok(results.every((x) => x.status === 'fulfilled' || code('approval.not_pending')(x.reason)))
    const two = await a.request(held({ digest: 'd2', decision: approveDecision('statement', 60, { min_approvals: 2 }) }))
    await Promise.allSettled([a.approve(two.id, alice), b.approve(two.id, alice), a.approve(two.id, dave), b.approve(two.id, carol)])
    const final = await b.get(two.id)
    assert.equal([final?.status, final?.approvals.length], ['approved', 2])
    assert.is((await a.grants()).length, 2, 'one grant per request')
    await Promise.all([a.close(), b.close()])
  })

  test('deny racing approve through two stores: one outcome, told to every waiter, and a grant only when approved', async () => {
    const [a, b] = await pair()
    for (let i = 0; i < 6; i++) {
      const r = await a.request(held({ digest: `race-${i}`, decision: approveDecision('target') }))
      const waiting = b.wait(r.id, 60_000)
      const [approve, deny] = i % 2
        ? await Promise.allSettled([b.approve(r.id, alice), a.reject(r.id, carol)])
        : await Promise.allSettled([a.approve(r.id, alice), b.reject(r.id, carol)])
      assert.is([approve, deny].filter((x) => x.status === 'fulfilled').length, 1, 'exactly one decision is made')
      assert.ok([approve, deny].every((x) => x.status === 'fulfilled' || code('approval.not_pending')(x.reason)))
      const final = await a.get(r.id)
      assert.is((await waiting).status, final?.status)
      const granted = (await a.grants({ all: true })).filter((g) => g.approval_id === r.id)
      assert.is(granted.length, final?.status === 'approved' ? 1 : 0)
      if (final?.status === 'rejected') assert.is(final.grant, undefined)
    }
    await eventually(() => a.grantsFor(holder()).length === b.grantsFor(holder()).length, 'both stores agree on the grants in force')
    await Promise.all([a.close(), b.close()])
  })

  test('after a restart an old approve cannot be replayed, and a revoked grant stays ended', async () => {
    const handle = await make({ now: manualClock().now, cipher: newCipher() })
    const before = handle.store
    const first = await before.request(held({ decision: approveDecision('target') }))
    const approved = await before.approve(first.id, alice)
    await before.revoke(approved.grant!.id, carol)
    const denied = await before.request(held({ digest: 'd-denied' }))
    await before.reject(denied.id, carol)
    await before.close()
    const after = await handle.another!()
    assert.equal(after.grantsFor(holder()), [], 'the revoked grant is not loaded again')
    await rejectsCode(after.approve(first.id, dave), 'approval.not_pending')
    await rejectsCode(after.approve(denied.id, dave), 'approval.not_pending')
    assert.equal((await after.grants({ all: true })).map((g) => [g.id, g.revoked_by]), [[approved.grant!.id, 'carol']], 'no second grant')
    assert.equal(after.grantsFor(holder()), [])
    await after.close()
  })

  test('one command held on two stores at once is one request', async () => {
    const [a, b] = await pair()
    const [x, y] = await Promise.all([a.request(held()), b.request(held())])
    assert.is(x.id, y.id)
    assert.is((await a.list({ status: 'pending' })).length, 1)
    assert.equal(x.requester, agent)
    await Promise.all([a.close(), b.close()])
  })

  test.run()
}
