// The behaviour every ApprovalStore implementation shares; each implementation's test file runs it.
import { randomBytes } from 'node:crypto'
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { ApprovalError, type ApprovalErrorCode } from './errors.ts'
import { agent, alice, approveDecision, approverAgent, bob, carol, dave, held, heldInput, holder, manualClock } from './fixtures.ts'
import { createReviewCipher, type ReviewCipher } from './review-cipher.ts'
import type { ApprovalStore } from './types.ts'

export interface StoreHandle {
  store: ApprovalStore
  /**
   * Another store on the same storage, with the same clock and key: the gateway after a restart, or a second
   * gateway. Absent for storage that lives in one store (memory).
   */
  another?(cipher?: ReviewCipher): Promise<ApprovalStore>
  /** Everything the storage holds, as text (to show the review text is not in it). */
  raw?(): Promise<string>
}

export type StoreFactory = (opts: { now: () => number; maxPending?: number; cipher: ReviewCipher }) => Promise<StoreHandle>

export const code = (expected: ApprovalErrorCode) => (err: unknown) => err instanceof ApprovalError && err.code === expected

export async function rejectsWith(p: Promise<unknown>, expected: ApprovalErrorCode): Promise<void> {
  try {
    await p
  } catch (err) {
    assert.ok(code(expected)(err), `expected ${expected}, got ${(err as Error & { code?: string }).code}: ${(err as Error).message}`)
    return
  }
  assert.unreachable(`expected ${expected}, but it resolved`)
}

export const newCipher = () => createReviewCipher(randomBytes(32))

export function approvalStoreCases(name: string, make: StoreFactory): void {
  const test = suite(`${name}: approval store`)
  const opened: ApprovalStore[] = []
  const open = async (clock = manualClock(), maxPending?: number) => {
    const { store } = await make({ now: clock.now, maxPending, cipher: newCipher() })
    opened.push(store)
    return store
  }
  test.after.each(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()))
  })

  test('request records who asked for what, how to decide it, and until when; the id is unguessable', async () => {
    const store = await open()
    const decision = approveDecision('statement', 600, { min_approvals: 2, all_groups: true })
    const r = await store.request({ ...held({ decision, summary: 'DELETE FROM users WHERE id = $1' }), revision: 'rev-7' })
    assert.match(r.id, /^apr_[a-z2-7]{10}$/)
    assert.is(r.status, 'pending')
    assert.equal([r.created_at, r.expires_at], ['2025-01-01T12:00:00.000Z', '2025-01-02T12:00:00.000Z'])
    assert.equal(r.requester, agent)
    assert.equal([r.session_id, r.target, r.revision], ['sess-1', 'prod-db', 'rev-7'])
    assert.equal(r.risk, heldInput().risk)
    assert.match(r.command.input_digest, /^[0-9a-f]{64}$/)
    assert.equal({ ...r.command, input_digest: '' }, { protocol: 'postgres', summary: 'DELETE FROM users WHERE id = $1', review_text: 'DELETE FROM users WHERE id = $1', digest: 'd1', fingerprint: 'fp1', input_digest: '' })
    assert.equal(r.reasons, approveDecision().reasons)
    assert.equal(r.approval, { approvers: ['dba', 'sre'], scope: 'statement', ttl_seconds: 600, min_approvals: 2, all_groups: true })
    assert.equal(r.approvals, [])
    assert.equal(await store.get(r.id), r)
    const other = await store.request(held({ digest: 'd2' }))
    assert.is.not(other.id, r.id)
    assert.is.not(other.command.input_digest, r.command.input_digest, 'the digest covers the exact command judged')
  })

  test('one requester holds at most 20 requests pending; a retry of one of them, and another requester, still pass', async () => {
    const store = await open()
    const first = await store.request(held({ digest: 'flood-0' }))
    for (let i = 1; i < 20; i++) await store.request(held({ digest: `flood-${i}` }))
    await rejectsWith(store.request(held({ digest: 'flood-20' })), 'approval.capacity')
    assert.is((await store.request(held({ digest: 'flood-0' }))).id, first.id, 'a retry needs no new slot')
    assert.is((await store.request(held({ digest: 'flood-20', requester: bob }))).status, 'pending')
    await store.reject(first.id, alice)
    assert.is((await store.request(held({ digest: 'flood-20' }))).status, 'pending', 'a decided one frees a slot')
  })

  test('request dedupes a pending request of the same session, command and review text only', async () => {
    const store = await open()
    const a = await store.request(held())
    assert.is((await store.request(held())).id, a.id)
    assert.is.not((await store.request(held({ session: 'sess-2' }))).id, a.id)
    assert.is.not((await store.request(held({ digest: 'd2' }))).id, a.id)
    await store.reject(a.id, alice)
    assert.is.not((await store.request(held())).id, a.id, 'a decided request is not reused')
  })

  test('request keeps the review text; the same statement with other values is another request', async () => {
    const store = await open()
    const seven = held({ summary: 'DELETE FROM users WHERE id = $1', reviewText: "DELETE FROM users WHERE id = '7'" })
    const a = await store.request(seven)
    assert.equal([a.command.summary, a.command.review_text], ['DELETE FROM users WHERE id = $1', "DELETE FROM users WHERE id = '7'"])
    assert.is((await store.request(seven)).id, a.id)
    const b = await store.request({ ...seven, reviewText: "DELETE FROM users WHERE id = '8'" })
    assert.is.not(b.id, a.id)
    assert.is((await store.get(b.id))?.command.review_text, "DELETE FROM users WHERE id = '8'")
  })

  test('request refuses decisions that cannot be held', async () => {
    const store = await open()
    const bad = [
      { effect: 'allow' as const, reasons: [], obligations: { mask: [] } },
      { ...approveDecision(), obligations: { mask: [] } },
      approveDecision('statement', 0),
      approveDecision('forever' as never),
      approveDecision('statement', 60, { min_approvals: 0 }),
      approveDecision('statement', 60, { min_approvals: 1.5 }),
    ]
    const noGroups = approveDecision()
    noGroups.obligations.approval!.approvers = []
    for (const decision of [...bad, noGroups]) await rejectsWith(store.request(held({ decision })), 'approval.invalid')
    assert.equal(await store.list(), [], 'nothing was stored')
  })

  test('approve by a human approver creates a grant with the ttl, for the requester on the target', async () => {
    const clock = manualClock()
    const store = await open(clock)
    const r = await store.request(held({ decision: approveDecision('statement', 600) }))
    const waiting = store.wait(r.id, 60_000)
    const approved = await store.approve(r.id, alice, 'ok for ticket 42')
    assert.is(approved.status, 'approved')
    assert.equal([approved.decided_by, approved.note, approved.decided_at], ['alice', 'ok for ticket 42', '2025-01-01T12:00:00.000Z'])
    assert.equal(approved.approvals, [{ sub: 'alice', issuer: 'https://idp.example', email: 'alice@example.com', groups: ['dba'], at: '2025-01-01T12:00:00.000Z', note: 'ok for ticket 42' }])
    assert.equal(await waiting, approved)
    const [grant] = store.grantsFor(holder())
    assert.ok(grant)
    assert.match(grant.id, /^grt_[a-z2-7]{10}$/)
    assert.equal({ ...grant, id: '' }, { id: '', scope: 'statement', digest: 'd1', approved_by: 'alice', approver_groups: ['dba'], approvals: 1, expires_at_ns: (clock.now() + 600_000) * 1e6 })
    assert.equal(approved.grant, {
      ...grant, approval_id: r.id, subject: { issuer: agent.issuer, sub: agent.sub }, target: 'prod-db', session_id: 'sess-1', created_at: '2025-01-01T12:00:00.000Z', seal: approved.grant!.seal,
    })
    assert.match(approved.grant!.seal!, /^[0-9a-f]{64}$/, 'sealed under the approvals key')
    assert.equal(await store.grants(), [approved.grant])
  })

  test('statement, fingerprint and target grants follow the identity on the target across sessions; session grants stay in theirs, for their requester on their target', async () => {
    const store = await open()
    for (const [scope, digest] of [['statement', 'd1'], ['fingerprint', 'd2'], ['target', 'd3'], ['session', 'd4']] as const) {
      await store.approve((await store.request(held({ decision: approveDecision(scope), digest }))).id, alice)
    }
    const scopes = (h: ReturnType<typeof holder>) => store.grantsFor(h).map((g) => g.scope).sort()
    assert.equal(scopes(holder()), ['fingerprint', 'session', 'statement', 'target'])
    assert.equal(scopes(holder('sess-after-reconnect')), ['fingerprint', 'statement', 'target'])
    // A session id is only as secret as whatever derives it (an HTTP session is a hash of the token and target):
    // a session grant belongs to its requester on its target too, so the same id presented by anyone else, or on
    // another target, gets nothing.
    assert.equal(scopes(holder('sess-1', { ...agent, sub: 'other-bot' })), [], 'another identity presenting the session id')
    assert.equal(scopes(holder('sess-1', { ...agent, issuer: 'https://other.example' })), [], 'the same sub from another issuer')
    assert.equal(scopes(holder('sess-1', agent, 'staging-db')), [], 'the session id on another target')
    assert.equal(scopes(holder('sess-9', agent, 'staging-db')), [], 'not on another target')
    assert.equal(scopes(holder('sess-9', { ...agent, issuer: 'https://other.example' })), [], 'same sub from another issuer is someone else')
    const [fp] = store.grantsFor(holder('x')).filter((g) => g.scope === 'fingerprint')
    assert.equal([fp?.fingerprint, fp?.digest], ['fp1', undefined])
  })

  test('grants end exactly at their expiry', async () => {
    const clock = manualClock()
    const store = await open(clock)
    await store.approve((await store.request(held({ decision: approveDecision('session', 60) }))).id, alice)
    assert.is(store.grantsFor(holder()).length, 1)
    assert.is(store.grantsFor(holder(), clock.now() + 59_999).length, 1)
    assert.is(store.grantsFor(holder(), clock.now() + 60_000).length, 0)
    clock.advance(60_000)
    assert.equal(store.grantsFor(holder()), [])
    assert.equal(await store.grants(), [], 'a grant past its expiry is not listed as in force')
    assert.is((await store.grants({ all: true })).length, 1)
  })

  test('reject settles waiters without a grant', async () => {
    const store = await open()
    const r = await store.request(held())
    const waiting = store.wait(r.id, 60_000)
    const rejected = await store.reject(r.id, alice, 'use a transaction')
    assert.equal([rejected.status, rejected.decided_by, rejected.note], ['rejected', 'alice', 'use a transaction'])
    assert.is((await waiting).status, 'rejected')
    assert.equal(store.grantsFor(holder()), [])
  })

  test('agents, non-approvers and the requester cannot approve', async () => {
    const store = await open()
    const r = await store.request(held())
    await rejectsWith(store.approve(r.id, approverAgent), 'approval.forbidden')
    await rejectsWith(store.approve(r.id, bob), 'approval.forbidden')
    await rejectsWith(store.reject(r.id, bob), 'approval.forbidden')
    const selfHeld = await store.request(held({ requester: alice, digest: 'd9' }))
    await rejectsWith(store.approve(selfHeld.id, alice), 'approval.self_approval')
    await rejectsWith(store.approve(selfHeld.id, { ...alice, groups: ['sre'] }), 'approval.self_approval')
    assert.is((await store.get(r.id))?.status, 'pending')
    assert.equal((await store.get(r.id))?.approvals, [], 'refused attempts count for nothing')
  })

  test('the requester cannot approve under another issuer, another case or spacing of their sub, or their email', async () => {
    const store = await open()
    const selfHeld = await store.request(held({ requester: alice }))
    for (const who of [
      { ...alice, issuer: 'https://other.example' },
      { ...alice, sub: 'Alice' },
      { ...alice, sub: ' alice\t', issuer: 'https://other.example' },
      { ...alice, sub: '\uff41lice' }, // fullwidth a: the same name once compatibility forms are folded
      { ...dave, issuer: 'https://other.example', email: 'ALICE@example.com' },
    ]) {
      await rejectsWith(store.approve(selfHeld.id, who), 'approval.self_approval')
    }
    assert.equal((await store.get(selfHeld.id))?.approvals, [])
    // Withdrawing takes the exact principal: the same sub under another issuer is somebody else, and no approver.
    await rejectsWith(store.reject(selfHeld.id, { ...alice, issuer: 'https://other.example', groups: [] }), 'approval.forbidden')
    assert.is((await store.approve(selfHeld.id, dave)).status, 'approved')
  })

  test('one person under two issuers, another case of their sub, or the same email counts once toward a quorum', async () => {
    const store = await open()
    const r = await store.request(held({ decision: approveDecision('statement', 60, { min_approvals: 2 }) }))
    assert.is((await store.approve(r.id, alice)).status, 'pending')
    for (const twin of [
      { ...alice, issuer: 'https://other.example' },
      { ...alice, sub: 'ALICE ' },
      { ...dave, sub: 'alice.smith', issuer: 'https://other.example', email: 'Alice@Example.com' },
    ]) {
      await rejectsWith(store.approve(r.id, twin), 'approval.duplicate')
    }
    const after = await store.get(r.id)
    assert.equal([after?.status, after?.approvals.length], ['pending', 1])
    assert.equal(store.grantsFor(holder()), [])
    assert.is((await store.approve(r.id, dave)).status, 'approved', 'a second person completes it')
  })

  test('the requester may withdraw their own request', async () => {
    const store = await open()
    const r = await store.request(held({ requester: bob }))
    assert.is((await store.reject(r.id, bob, 'never mind')).status, 'rejected')
  })

  test('"N of": min_approvals distinct people; one person counts once', async () => {
    const store = await open()
    const r = await store.request(held({ decision: approveDecision('statement', 60, { min_approvals: 2 }) }))
    const waiting = store.wait(r.id, 60_000)
    const first = await store.approve(r.id, alice)
    assert.equal([first.status, first.approvals.map((v) => v.sub), first.grant], ['pending', ['alice'], undefined])
    assert.equal(store.grantsFor(holder()), [])
    await rejectsWith(store.approve(r.id, { ...alice, groups: ['sre'] }), 'approval.duplicate')
    const second = await store.approve(r.id, dave)
    assert.equal([second.status, second.decided_by, second.approvals.map((v) => v.sub)], ['approved', 'dave', ['alice', 'dave']])
    assert.is((await waiting).status, 'approved')
    assert.is(store.grantsFor(holder())[0]?.approved_by, 'alice, dave')
    assert.equal([store.grantsFor(holder())[0]?.approvals, store.grantsFor(holder())[0]?.approver_groups], [2, ['dba']], 'the policy sees how many people, from which groups')
  })

  test('"all of these groups": an approver from every group', async () => {
    const store = await open()
    const r = await store.request(held({ decision: approveDecision('statement', 60, { all_groups: true }) }))
    assert.is((await store.approve(r.id, alice)).status, 'pending')
    assert.is((await store.approve(r.id, dave)).status, 'pending', 'a second dba does not stand in for sre')
    const done = await store.approve(r.id, carol)
    assert.equal([done.status, done.approvals.map((v) => v.groups[0])], ['approved', ['dba', 'dba', 'sre']])
    assert.equal([done.grant?.approver_groups, done.grant?.approvals], [['dba', 'sre'], 3])
    const both = await store.request(held({ decision: approveDecision('statement', 60, { all_groups: true }), digest: 'd2' }))
    assert.is((await store.approve(both.id, { ...carol, sub: 'erin', groups: ['dba', 'sre'] })).status, 'approved', 'one person in both groups represents both')
  })

  test('"one of each of these sets": a dba does not stand in for the security a second rule asked for', async () => {
    const sets = { approvers: ['dba', 'security', 'sre'], approver_sets: [['dba', 'sre'], ['security']] }
    const store = await open()
    const r = await store.request(held({ decision: approveDecision('statement', 60, sets) }))
    assert.equal(r.approval.approver_sets, [['dba', 'sre'], ['security']])
    assert.is((await store.approve(r.id, alice)).status, 'pending')
    const still = await store.approve(r.id, carol)
    assert.is(still.status, 'pending', 'sre meets the set dba already met, not security')
    assert.equal(store.grantsFor(holder()), [])
    const done = await store.approve(r.id, { ...bob, sub: 'sam', groups: ['security'] })
    assert.equal([done.status, done.grant?.approver_groups], ['approved', ['dba', 'security', 'sre']])
    const one = await store.request(held({ decision: approveDecision('statement', 60, sets), digest: 'd2' }))
    assert.is((await store.approve(one.id, { ...carol, sub: 'erin', groups: ['sre', 'security'] })).status, 'approved', 'one person in a group of each set meets both')
    await rejectsWith(store.request(held({ decision: approveDecision('statement', 60, { approvers: ['dba'], approver_sets: [['security']] }), digest: 'd3' })), 'approval.invalid')
  })

  test('each rule\'s own count: two from security and two from dba are not met by one of each', async () => {
    const counts = { approvers: ['dba', 'security'], min_approvals: 2, all_groups: true, quorums: [{ groups: ['dba'], min_approvals: 2 }, { groups: ['security'], min_approvals: 2 }] }
    const store = await open()
    const r = await store.request(held({ decision: approveDecision('statement', 60, counts) }))
    const sam = { ...bob, sub: 'sam', groups: ['security'] }
    await store.approve(r.id, sam)
    assert.is((await store.approve(r.id, alice)).status, 'pending', 'two people, one of each group')
    try {
      await store.approve(r.id, sam)
      assert.unreachable('a second vote from sam')
    } catch (err) {
      assert.match((err as Error).message, 'it still needs 1 more from dba and 1 more from security')
    }
    await store.approve(r.id, { ...bob, sub: 'sue', groups: ['security'] })
    const done = await store.approve(r.id, dave)
    assert.equal([done.status, done.grant?.group_approvals], ['approved', [{ groups: ['dba'], approvals: 2 }, { groups: ['security'], approvals: 2 }]])
    const wide = { approvers: ['dba'], quorums: [{ groups: ['security'], min_approvals: 2 }] }
    await rejectsWith(store.request(held({ decision: approveDecision('statement', 60, wide), digest: 'd2' })), 'approval.invalid')
    await rejectsWith(store.request(held({ decision: approveDecision('statement', 60, { quorums: [{ groups: ['dba'], min_approvals: 21 }] }), digest: 'd3' })), 'approval.invalid')
  })

  test('racing approvals count once: one grant, every other attempt refused', async () => {
    const store = await open()
    const same = await store.request(held())
    const attempts = await Promise.allSettled(Array.from({ length: 8 }, () => store.approve(same.id, alice)))
    assert.is(attempts.filter((a) => a.status === 'fulfilled').length, 1)
    assert.ok(attempts.every((a) => a.status === 'fulfilled' || code('approval.not_pending')(a.reason)))
    const two = await store.request(held({ digest: 'd2', decision: approveDecision('statement', 60, { min_approvals: 2 }) }))
    const raced = await Promise.allSettled([alice, dave, carol, alice, dave].map((who) => store.approve(two.id, who)))
    const final = await store.get(two.id)
    assert.is(final?.status, 'approved')
    assert.is(final?.approvals.length, 2, 'exactly the two approvals that completed it')
    assert.is(new Set(final?.approvals.map((v) => v.sub)).size, 2)
    assert.is(raced.filter((a) => a.status === 'fulfilled' && a.value.status === 'approved').length, 1)
    assert.is((await store.grants()).length, 2, 'one grant per request')
  })

  test('unknown ids and decided requests', async () => {
    const store = await open()
    await rejectsWith(store.approve('apr_missing', alice), 'approval.not_found')
    await rejectsWith(store.reject('apr_missing', alice), 'approval.not_found')
    assert.is(await store.get('apr_missing'), undefined)
    await rejectsWith(store.wait('apr_missing', 10), 'approval.not_found')
    const r = await store.request(held())
    await store.approve(r.id, alice)
    await rejectsWith(store.approve(r.id, alice), 'approval.not_pending')
    await rejectsWith(store.reject(r.id, alice), 'approval.not_pending')
    assert.is((await store.wait(r.id, 10)).status, 'approved', 'waiting on a decided request returns it at once')
  })

  test('a request nobody decided by its expiry is expired and can no longer be approved', async () => {
    const clock = manualClock()
    const store = await open(clock)
    const r = await store.request(held())
    clock.advance(24 * 60 * 60 * 1000)
    assert.is((await store.get(r.id))?.status, 'expired')
    assert.equal((await store.list({ status: 'pending' })).map((x) => x.id), [])
    await rejectsWith(store.approve(r.id, alice), 'approval.not_pending')
    assert.is.not((await store.request(held())).id, r.id, 'the same command is a new request')
  })

  test('concurrent waiters all receive the decision', async () => {
    const store = await open()
    const r = await store.request(held())
    const waits = [store.wait(r.id, 60_000), store.wait(r.id, 60_000), store.wait((await store.request(held())).id, 60_000)]
    await store.approve(r.id, alice)
    assert.equal((await Promise.all(waits)).map((x) => x.status), ['approved', 'approved', 'approved'])
  })

  test('timeout marks the request expired for every waiter', async () => {
    const store = await open()
    const r = await store.request(held())
    const long = store.wait(r.id, 60_000)
    assert.is((await store.wait(r.id, 5)).status, 'expired')
    assert.is((await long).status, 'expired')
    assert.is((await store.get(r.id))?.status, 'expired')
    await rejectsWith(store.approve(r.id, alice), 'approval.not_pending')
    assert.equal(store.grantsFor(holder()), [])
  })

  test('abort rejects that waiter; the request expires once no waiter is left', async () => {
    const store = await open()
    const r = await store.request(held())
    const [first, second] = [new AbortController(), new AbortController()]
    const a = store.wait(r.id, 60_000, first.signal)
    const b = store.wait(r.id, 60_000, second.signal)
    await new Promise((resolve) => setTimeout(resolve, 20))
    first.abort(new Error('client closed'))
    await rejectsWith(a, 'approval.aborted')
    assert.is((await store.get(r.id))?.status, 'pending', 'another waiter is still there')
    second.abort()
    await rejectsWith(b, 'approval.aborted')
    assert.is((await store.get(r.id))?.status, 'expired')
    const pre = new AbortController()
    pre.abort()
    await rejectsWith(store.wait((await store.request(held({ digest: 'd2' }))).id, 60_000, pre.signal), 'approval.aborted')
  })

  test('close ends every wait with approval.closed and leaves the request pending', async () => {
    const handle = await make({ now: manualClock().now, cipher: newCipher() })
    const r = await handle.store.request(held())
    const waiting = handle.store.wait(r.id, 60_000, new AbortController().signal)
    const ended = waiting.then(() => undefined, (err: unknown) => err)
    await new Promise((resolve) => setTimeout(resolve, 20))
    assert.is(await handle.store.close(), 1, 'it says how many waits it ended')
    assert.ok(code('approval.closed')(await ended))
    assert.is(await handle.store.close(), 0, 'closing twice is harmless')
    const after = await handle.another?.()
    if (after) {
      assert.is((await after.get(r.id))?.status, 'pending')
      await after.close()
    }
  })

  test('revoke ends a grant at once; it stays listed as revoked', async () => {
    const store = await open()
    const approved = await store.approve((await store.request(held({ decision: approveDecision('target') }))).id, alice)
    const id = approved.grant!.id
    const revoked = await store.revoke(id, carol, 'incident over')
    assert.equal([revoked.revoked_by, revoked.revoke_note, typeof revoked.revoked_at], ['carol', 'incident over', 'string'])
    assert.equal(store.grantsFor(holder()), [])
    assert.equal(await store.grants(), [])
    assert.equal((await store.grants({ all: true })).map((g) => [g.id, g.revoked_by]), [[id, 'carol']])
    await rejectsWith(store.revoke(id, carol), 'grant.revoked')
    await rejectsWith(store.revoke('grt_missing', carol), 'grant.not_found')
  })

  test('list filters by status; results are copies', async () => {
    const store = await open()
    const a = await store.request(held({ digest: 'a' }))
    const b = await store.request(held({ digest: 'b' }))
    await store.reject(b.id, alice)
    assert.equal((await store.list()).map((r) => r.id), [a.id, b.id])
    assert.equal((await store.list({ status: 'pending' })).map((r) => r.id), [a.id])
    assert.equal((await store.list({ status: 'rejected' })).map((r) => r.id), [b.id])
    ;(await store.get(a.id))!.status = 'approved'
    ;(await store.list())[0]!.requester.groups.push('dba')
    assert.is((await store.get(a.id))?.status, 'pending')
    assert.equal((await store.get(a.id))?.requester.groups, ['agents'])
  })

  test.run()
}
