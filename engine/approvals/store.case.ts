// The behaviour every ApprovalStore implementation shares; each implementation's test file runs it.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ApprovalError, type ApprovalErrorCode } from './errors.ts'
import { agent, alice, approveDecision, approverAgent, bob, heldInput, manualClock } from './fixtures.ts'
import type { ApprovalStore } from './types.ts'

export type StoreFactory = (opts: { now: () => number; maxPending?: number }) => ApprovalStore

const code = (expected: ApprovalErrorCode) => (err: unknown) => err instanceof ApprovalError && err.code === expected

export function approvalStoreCases(name: string, make: StoreFactory): void {
  const test = suite(`${name}: approval store`)

  test('request records who asked for what, pending, with an unguessable id', () => {
    const store = make(manualClock())
    const r = store.request(heldInput(), approveDecision(), 'DELETE FROM users WHERE id = $1')
    assert.match(r.id, /^apr_[a-z2-7]{10}$/)
    assert.is(r.status, 'pending')
    assert.is(r.created_at, '2025-01-01T12:00:00.000Z')
    assert.equal(r.requester, agent)
    assert.equal([r.session_id, r.target], ['sess-1', 'prod-db'])
    assert.equal(r.command, { protocol: 'postgres', summary: 'DELETE FROM users WHERE id = $1', review_text: 'DELETE FROM users WHERE id = $1', digest: 'd1', fingerprint: 'fp1' })
    assert.equal(r.reasons, approveDecision().reasons)
    assert.equal(r.approval, { approvers: ['dba', 'sre'], scope: 'statement', ttl_seconds: 600 })
    assert.equal(store.get(r.id), r)
    assert.is.not(store.request(heldInput({ digest: 'd2' }), approveDecision(), 's').id, r.id)
  })

  test('request dedupes a pending request of the same session and digest only', () => {
    const store = make(manualClock())
    const a = store.request(heldInput(), approveDecision(), 's')
    assert.is(store.request(heldInput(), approveDecision(), 's').id, a.id)
    assert.is.not(store.request(heldInput({ session: 'sess-2' }), approveDecision(), 's').id, a.id)
    assert.is.not(store.request(heldInput({ digest: 'd2' }), approveDecision(), 's').id, a.id)
    store.reject(a.id, alice)
    assert.is.not(store.request(heldInput(), approveDecision(), 's').id, a.id, 'a decided request is not reused')
  })

  test('request keeps the review text; the same statement with other values is another request', () => {
    const store = make(manualClock())
    const a = store.request(heldInput(), approveDecision(), 'DELETE FROM users WHERE id = $1', "DELETE FROM users WHERE id = '7'")
    assert.is(a.command.summary, 'DELETE FROM users WHERE id = $1')
    assert.is(a.command.review_text, "DELETE FROM users WHERE id = '7'")
    assert.is(store.request(heldInput(), approveDecision(), 'DELETE FROM users WHERE id = $1', "DELETE FROM users WHERE id = '7'").id, a.id)
    const b = store.request(heldInput(), approveDecision(), 'DELETE FROM users WHERE id = $1', "DELETE FROM users WHERE id = '8'")
    assert.is.not(b.id, a.id)
    assert.is(store.get(b.id)?.command.review_text, "DELETE FROM users WHERE id = '8'")
  })

  test('request refuses decisions that cannot be held', () => {
    const store = make(manualClock())
    const allow = { effect: 'allow' as const, reasons: [], obligations: { mask: [] } }
    assert.throws(() => store.request(heldInput(), allow, 's'), code('approval.invalid'))
    const noApproval = { ...approveDecision(), obligations: { mask: [] } }
    assert.throws(() => store.request(heldInput(), noApproval, 's'), code('approval.invalid'))
    const noGroups = approveDecision()
    noGroups.obligations.approval!.approvers = []
    assert.throws(() => store.request(heldInput(), noGroups, 's'), code('approval.invalid'))
    const badTtl = approveDecision('statement', 0)
    assert.throws(() => store.request(heldInput(), badTtl, 's'), code('approval.invalid'))
    const badScope = approveDecision()
    badScope.obligations.approval!.scope = 'forever' as never
    assert.throws(() => store.request(heldInput(), badScope, 's'), code('approval.invalid'))
    assert.equal(store.list(), [], 'nothing was stored')
  })

  test('approve by a human approver creates a statement grant with the ttl', async () => {
    const clock = manualClock()
    const store = make(clock)
    const r = store.request(heldInput(), approveDecision('statement', 600), 's')
    const waiting = store.wait(r.id, 60_000)
    const approved = store.approve(r.id, alice, 'ok for ticket 42')
    assert.is(approved.status, 'approved')
    assert.equal([approved.decided_by, approved.note, approved.decided_at], ['alice', 'ok for ticket 42', '2025-01-01T12:00:00.000Z'])
    assert.equal(await waiting, approved)
    const [grant] = store.grantsFor('sess-1')
    assert.ok(grant)
    assert.match(grant.id, /^grt_[a-z2-7]{10}$/)
    assert.equal({ ...grant, id: '' }, { id: '', scope: 'statement', digest: 'd1', approved_by: 'alice', expires_at_ns: (clock.now() + 600_000) * 1e6 })
    assert.equal(approved.grant, grant)
    assert.equal(store.grantsFor('sess-2'), [])
  })

  test('grant scope follows the obligation: fingerprint and session', () => {
    const store = make(manualClock())
    const fp = store.request(heldInput({ session: 's-fp' }), approveDecision('fingerprint'), 's')
    const se = store.request(heldInput({ session: 's-se' }), approveDecision('session'), 's')
    store.approve(fp.id, alice)
    store.approve(se.id, alice)
    const [fpGrant] = store.grantsFor('s-fp')
    const [seGrant] = store.grantsFor('s-se')
    assert.equal([fpGrant?.scope, fpGrant?.fingerprint, fpGrant?.digest], ['fingerprint', 'fp1', undefined])
    assert.equal([seGrant?.scope, seGrant?.fingerprint, seGrant?.digest], ['session', undefined, undefined])
  })

  test('grants expire after their ttl', () => {
    const clock = manualClock()
    const store = make(clock)
    store.approve(store.request(heldInput(), approveDecision('session', 60), 's').id, alice)
    assert.is(store.grantsFor('sess-1').length, 1)
    assert.is(store.grantsFor('sess-1', clock.now() + 59_999).length, 1)
    assert.is(store.grantsFor('sess-1', clock.now() + 60_000).length, 0)
    clock.advance(61_000)
    assert.equal(store.grantsFor('sess-1'), [])
  })

  test('reject settles waiters without a grant', async () => {
    const store = make(manualClock())
    const r = store.request(heldInput(), approveDecision(), 's')
    const waiting = store.wait(r.id, 60_000)
    const rejected = store.reject(r.id, alice, 'use a transaction')
    assert.equal([rejected.status, rejected.decided_by, rejected.note], ['rejected', 'alice', 'use a transaction'])
    assert.is((await waiting).status, 'rejected')
    assert.equal(store.grantsFor('sess-1'), [])
  })

  test('agents, non-approvers and the requester cannot approve', () => {
    const store = make(manualClock())
    const r = store.request(heldInput(), approveDecision(), 's')
    assert.throws(() => store.approve(r.id, approverAgent), code('approval.forbidden'))
    assert.throws(() => store.approve(r.id, bob), code('approval.forbidden'))
    assert.throws(() => store.reject(r.id, bob), code('approval.forbidden'))
    const selfHeld = store.request(heldInput({ requester: alice, digest: 'd9' }), approveDecision(), 's')
    assert.throws(() => store.approve(selfHeld.id, alice), code('approval.self_approval'))
    assert.throws(() => store.approve(selfHeld.id, { ...alice, groups: ['sre'] }), code('approval.self_approval'))
    assert.is(store.approve(selfHeld.id, { ...alice, issuer: 'https://other.example' }).status, 'approved', 'same sub, other issuer')
    assert.is(store.get(r.id)?.status, 'pending')
  })

  test('the requester may withdraw their own request', () => {
    const store = make(manualClock())
    const r = store.request(heldInput({ requester: bob }), approveDecision(), 's')
    assert.is(store.reject(r.id, bob, 'never mind').status, 'rejected')
  })

  test('unknown ids and decided requests', async () => {
    const store = make(manualClock())
    assert.throws(() => store.approve('apr_missing', alice), code('approval.not_found'))
    assert.throws(() => store.reject('apr_missing', alice), code('approval.not_found'))
    assert.is(store.get('apr_missing'), undefined)
    try {
      await store.wait('apr_missing', 10)
      assert.unreachable('wait should reject')
    } catch (err) {
      assert.ok(code('approval.not_found')(err))
    }
    const r = store.request(heldInput(), approveDecision(), 's')
    store.approve(r.id, alice)
    assert.throws(() => store.approve(r.id, alice), code('approval.not_pending'))
    assert.throws(() => store.reject(r.id, alice), code('approval.not_pending'))
    assert.is((await store.wait(r.id, 10)).status, 'approved', 'waiting on a decided request returns it at once')
  })

  test('concurrent waiters all receive the decision', async () => {
    const store = make(manualClock())
    const r = store.request(heldInput(), approveDecision(), 's')
    const waits = [store.wait(r.id, 60_000), store.wait(r.id, 60_000), store.wait(store.request(heldInput(), approveDecision(), 's').id, 60_000)]
    store.approve(r.id, alice)
    const results = await Promise.all(waits)
    assert.equal(results.map((x) => x.status), ['approved', 'approved', 'approved'])
  })

  test('timeout marks the request expired for every waiter', async () => {
    const store = make(manualClock())
    const r = store.request(heldInput(), approveDecision(), 's')
    const long = store.wait(r.id, 60_000)
    const short = await store.wait(r.id, 5)
    assert.is(short.status, 'expired')
    assert.is((await long).status, 'expired')
    assert.is(store.get(r.id)?.status, 'expired')
    assert.throws(() => store.approve(r.id, alice), code('approval.not_pending'))
    assert.equal(store.grantsFor('sess-1'), [])
  })

  test('abort rejects that waiter; the request expires once no waiter is left', async () => {
    const store = make(manualClock())
    const r = store.request(heldInput(), approveDecision(), 's')
    const first = new AbortController()
    const second = new AbortController()
    const a = store.wait(r.id, 60_000, first.signal)
    const b = store.wait(r.id, 60_000, second.signal)
    first.abort(new Error('client closed'))
    await a.then(() => assert.unreachable('aborted wait resolved'), (err: unknown) => assert.ok(code('approval.aborted')(err)))
    assert.is(store.get(r.id)?.status, 'pending', 'another waiter is still there')
    second.abort()
    await b.then(() => assert.unreachable('aborted wait resolved'), (err: unknown) => assert.ok(code('approval.aborted')(err)))
    assert.is(store.get(r.id)?.status, 'expired')
    const pre = new AbortController()
    pre.abort()
    const r2 = store.request(heldInput({ digest: 'd2' }), approveDecision(), 's')
    await store.wait(r2.id, 60_000, pre.signal).then(() => assert.unreachable('resolved'), (err: unknown) => assert.ok(code('approval.aborted')(err)))
  })

  test('list filters by status; results are copies', () => {
    const store = make(manualClock())
    const a = store.request(heldInput({ digest: 'a' }), approveDecision(), 's')
    const b = store.request(heldInput({ digest: 'b' }), approveDecision(), 's')
    store.reject(b.id, alice)
    assert.equal(store.list().map((r) => r.id), [a.id, b.id])
    assert.equal(store.list({ status: 'pending' }).map((r) => r.id), [a.id])
    assert.equal(store.list({ status: 'rejected' }).map((r) => r.id), [b.id])
    store.get(a.id)!.status = 'approved'
    store.list()[0]!.requester.groups.push('dba')
    assert.is(store.get(a.id)?.status, 'pending')
    assert.equal(store.get(a.id)?.requester.groups, ['agents'])
  })

  test.run()
}
