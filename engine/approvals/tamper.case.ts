// Attacks on a durable approval store by whoever can write its rows but does not hold the gateways' approvals key
// (a DBA of the shared PostgreSQL, a backup restored by hand, a leaked database password): grants edited, forged
// or revived by hand are not honoured by the gateway that loads them, after a restart or on a second gateway.
import { suite } from 'uvu'
import * as assert from 'uvu/assert'
import { agent, alice, approveDecision, carol, dave, held, holder, manualClock } from './fixtures.ts'
import { newCipher, rejectsWith, type StoreFactory } from './store.case.ts'
import type { ApprovalRequest, GrantRecord } from './types.ts'

export interface TamperHandle {
  /** Runs one SQL statement (no parameters) on the store's storage, as a hand edit would. */
  exec(sql: string): Promise<void>
  /** Every grant row's body, by id. */
  bodies(): Promise<Map<string, GrantRecord>>
  /** A request row's body as stored (its review text sealed). */
  requestBody(id: string): Promise<ApprovalRequest>
}

export type TamperFactory = (...args: Parameters<StoreFactory>) => Promise<Awaited<ReturnType<StoreFactory>> & TamperHandle>

async function waitFor(done: () => boolean, ms = 3000): Promise<void> {
  for (const end = Date.now() + ms; !done(); await new Promise((r) => setTimeout(r, 10))) if (Date.now() > end) throw new Error('timed out waiting')
}

const quote = (text: string) => `'${text.replaceAll("'", "''")}'`
const mallory = { ...agent, sub: 'mallory' }

const backToPending = (r: ApprovalRequest): ApprovalRequest => {
  const { decided_at: _at, decided_by: _by, ...rest } = r
  return { ...rest, status: 'pending' }
}

/** The UPDATE a careful hand edit makes: the body and the columns beside it agree. */
const rewrite = (g: GrantRecord) =>
  `UPDATE warden_approval_grants SET subject_sub = ${quote(g.subject.sub)}, target = ${quote(g.target)}, expires_at_ms = ${Math.floor(g.expires_at_ns / 1e6)}, revoked_at_ms = ${g.revoked_at ? Date.parse(g.revoked_at) : 'NULL'}, body = ${quote(JSON.stringify(g))} WHERE id = ${quote(g.id)}`

export function grantTamperCases(name: string, make: TamperFactory): void {
  const test = suite(`${name}: approval store rows edited by hand`)

  async function granted(scope: 'target' | 'statement' = 'target', ttl = 600) {
    const clock = manualClock()
    const handle = await make({ now: clock.now, cipher: newCipher() })
    const approved = await handle.store.approve((await handle.store.request(held({ decision: approveDecision(scope, ttl) }))).id, alice)
    const grant = (await handle.bodies()).get(approved.grant!.id)!
    return { handle, clock, grant }
  }

  test('a genuine grant is still honoured after a restart (the control)', async () => {
    const { handle, grant } = await granted()
    await handle.store.close()
    const after = await handle.another!()
    assert.equal(after.grantsFor(holder('new-session')).map((g) => g.id), [grant.id])
    await after.close()
  })

  test('a grant handed to another identity, widened in groups or target, or lengthened is not honoured', async () => {
    const edits: Array<[string, (g: GrantRecord) => GrantRecord, ReturnType<typeof holder>]> = [
      ['subject', (g) => ({ ...g, subject: { ...g.subject, sub: 'mallory' } }), holder('s', mallory)],
      ['target', (g) => ({ ...g, target: 'billing-db' }), holder('s', agent, 'billing-db')],
      ['approver groups', (g) => ({ ...g, approver_groups: ['dba', 'security', 'sre'], approvals: 3 }), holder('s')],
      ['expiry', (g) => ({ ...g, expires_at_ns: g.expires_at_ns + 365 * 86_400e9 }), holder('s')],
    ]
    for (const [what, edit, who] of edits) {
      const { handle, grant } = await granted()
      await handle.exec(rewrite(edit(grant)))
      await handle.store.close()
      const after = await handle.another!()
      assert.equal(after.grantsFor(who), [], `${what} edited: not honoured`)
      assert.equal(after.grantsFor(holder('s')), [], `${what} edited: the edited grant is honoured for no one`)
      await after.close()
    }
  })

  test('a grant revoked, then revived by clearing its revocation, stays ended', async () => {
    const { handle, grant } = await granted()
    await handle.store.revoke(grant.id, carol)
    const revoked = (await handle.bodies()).get(grant.id)!
    const { revoked_at: _at, revoked_by: _by, ...revived } = revoked
    await handle.exec(rewrite(revived as GrantRecord))
    await handle.store.close()
    const after = await handle.another!()
    assert.equal(after.grantsFor(holder('s')), [])
    await after.close()
  })

  test('a grant put back as it was before its revocation (its seal was genuine then) stays ended on a gateway that saw it revoked', async () => {
    const { handle, grant } = await granted()
    const second = await handle.another!()
    assert.equal(second.grantsFor(holder('s')).map((g) => g.id), [grant.id], 'the second gateway honours the grant before the revoke')
    await handle.store.revoke(grant.id, carol)
    await waitFor(() => second.grantsFor(holder('s')).length === 0)
    // The row as it was copied before the revoke; a PostgreSQL writer can also tell every gateway to read it again.
    await handle.exec(rewrite(grant))
    if (handle.store.kind === 'postgres') await handle.exec(`SELECT pg_notify('warden_approvals', ${quote(JSON.stringify({ from: 'mallory', requests: [], grants: [grant.id] }))})`)
    await new Promise((r) => setTimeout(r, 300))
    assert.equal(handle.store.grantsFor(holder('s')), [], 'the gateway that revoked it')
    assert.equal(second.grantsFor(holder('s')), [], 'a gateway that saw the revoke')
    await second.close()
    await handle.store.close()
  })

  test('a grant row inserted by hand (a copy of a genuine one for another statement) is not honoured', async () => {
    const { handle, grant } = await granted('statement')
    const forged: GrantRecord = { ...grant, id: 'grt_forged0001', digest: 'another-statement' }
    await handle.exec(`INSERT INTO warden_approval_grants (id, approval_id, subject_sub, target, expires_at_ms, revoked_at_ms, body) VALUES (${quote(forged.id)}, ${quote(forged.approval_id)}, ${quote(forged.subject.sub)}, ${quote(forged.target)}, ${Math.floor(forged.expires_at_ns / 1e6)}, NULL, ${quote(JSON.stringify(forged))})`)
    await handle.store.close()
    const after = await handle.another!()
    assert.equal(after.grantsFor(holder('s')).map((g) => [g.id, g.digest]), [[grant.id, grant.digest]])
    await after.close()
  })

  test('a pending request marked approved by hand, with a grant written beside it, releases nothing', async () => {
    const clock = manualClock()
    const handle = await make({ now: clock.now, cipher: newCipher() })
    const pending = await handle.store.request(held({ decision: approveDecision('target') }))
    const grant: GrantRecord = {
      id: 'grt_forged0002', scope: 'target', approved_by: 'alice', approver_groups: ['dba'], approvals: 1, expires_at_ns: (clock.now() + 600_000) * 1e6,
      approval_id: pending.id, subject: { issuer: agent.issuer, sub: agent.sub }, target: 'prod-db', session_id: 'sess-1', created_at: new Date(clock.now()).toISOString(),
    }
    await handle.exec(`INSERT INTO warden_approval_grants (id, approval_id, subject_sub, target, expires_at_ms, revoked_at_ms, body) VALUES (${quote(grant.id)}, ${quote(grant.approval_id)}, ${quote(grant.subject.sub)}, ${quote(grant.target)}, ${Math.floor(grant.expires_at_ns / 1e6)}, NULL, ${quote(JSON.stringify(grant))})`)
    await handle.exec(`UPDATE warden_approval_requests SET status = 'approved', ended_at_ms = ${clock.now()}, body = ${quote(JSON.stringify({ ...pending, status: 'approved', decided_at: new Date(clock.now()).toISOString(), decided_by: 'alice', grant }))} WHERE id = ${quote(pending.id)}`)
    await handle.store.close()
    const after = await handle.another!()
    assert.equal(after.grantsFor(holder('s')), [])
    await after.close()
  })

  test('a pending request edited by hand (requester, target, session, grant scope or lifetime, approvers) cannot be approved, and its review text is not shown', async () => {
    const edits: Array<[string, (r: ApprovalRequest) => ApprovalRequest]> = [
      ['requester', (r) => ({ ...r, requester: mallory })],
      ['target', (r) => ({ ...r, target: 'billing-db' })],
      ['session', (r) => ({ ...r, session_id: 'sess-of-mallory' })],
      ['scope', (r) => ({ ...r, approval: { ...r.approval, scope: 'target' } })],
      ['lifetime', (r) => ({ ...r, approval: { ...r.approval, ttl_seconds: 604_800 } })],
      ['approvers', (r) => ({ ...r, approval: { ...r.approval, approvers: ['dev'] } })],
      ['expiry', (r) => ({ ...r, expires_at: '2099-01-01T00:00:00.000Z' })],
    ]
    for (const [what, edit] of edits) {
      const handle = await make({ now: manualClock().now, cipher: newCipher() })
      const pending = await handle.store.request(held({ decision: approveDecision('statement', 600), reviewText: "UPDATE users SET plan = 'pro' WHERE id = 7" }))
      const stored = await handle.requestBody(pending.id)
      await handle.exec(`UPDATE warden_approval_requests SET body = ${quote(JSON.stringify(edit(stored)))} WHERE id = ${quote(pending.id)}`)
      await handle.store.close()
      const after = await handle.another!()
      assert.match((await after.get(pending.id))!.command.review_text, /^\[not readable: the review text was not sealed for this request/, what)
      await rejectsWith(after.approve(pending.id, alice), 'approval.altered')
      assert.equal([(await after.get(pending.id))!.status, (await after.grants({ all: true })).length], ['pending', 0], `${what}: no grant`)
      await after.close()
    }
  })

  test('a vote written into a request by hand does not count toward its quorum; a rejected or expired request set back to pending cannot be approved', async () => {
    const edits: Array<[string, (store: Awaited<ReturnType<TamperFactory>>['store'], id: string) => Promise<void>, (r: ApprovalRequest) => ApprovalRequest]> = [
      ['a vote added', async () => {}, (r) => ({ ...r, approvals: [{ sub: 'mallory', issuer: agent.issuer, groups: ['dba'], at: r.created_at }] })],
      ['rejected, set back to pending', async (store, id) => void await store.reject(id, carol), backToPending],
      ['expired, set back to pending', async (store, id) => void await store.wait(id, 1), backToPending],
    ]
    for (const [what, before, edit] of edits) {
      const handle = await make({ now: manualClock().now, cipher: newCipher() })
      const pending = await handle.store.request(held({ decision: approveDecision('statement', 600, { min_approvals: 2 }) }))
      await before(handle.store, pending.id)
      const stored = await handle.requestBody(pending.id)
      await handle.exec(`UPDATE warden_approval_requests SET status = 'pending', ended_at_ms = NULL, body = ${quote(JSON.stringify(edit(stored)))} WHERE id = ${quote(pending.id)}`)
      await handle.store.close()
      const after = await handle.another!()
      await rejectsWith(after.approve(pending.id, alice), 'approval.altered')
      await rejectsWith(after.approve(pending.id, dave), 'approval.altered')
      assert.equal((await after.grants({ all: true })).length, 0, `${what}: no grant`)
      await after.close()
    }
  })

  test('a pending request held by a gateway from before votes were sealed is refused with that reason', async () => {
    const handle = await make({ now: manualClock().now, cipher: newCipher() })
    const pending = await handle.store.request(held({ decision: approveDecision('statement', 600) }))
    const { state_seal: _seal, ...older } = await handle.requestBody(pending.id)
    await handle.exec(`UPDATE warden_approval_requests SET body = ${quote(JSON.stringify(older))} WHERE id = ${quote(pending.id)}`)
    const err = await handle.store.approve(pending.id, alice).then(() => undefined, (e: Error & { code?: string }) => e)
    assert.is(err?.code, 'approval.altered')
    assert.match(err!.message, 'held by an older gateway, which did not seal its approvals')
    await handle.store.close()
  })

  test('a decided request put back whole as it was while pending (its seal genuine then) cannot be approved on a gateway that saw the decision', async () => {
    const handle = await make({ now: manualClock().now, cipher: newCipher() })
    const pending = await handle.store.request(held({ decision: approveDecision('statement', 600) }))
    const asPending = await handle.requestBody(pending.id)
    await handle.store.reject(pending.id, carol)
    await handle.exec(`UPDATE warden_approval_requests SET status = 'pending', ended_at_ms = NULL, body = ${quote(JSON.stringify(asPending))} WHERE id = ${quote(pending.id)}`)
    await rejectsWith(handle.store.approve(pending.id, alice), 'approval.not_pending')
    assert.equal((await handle.store.grants({ all: true })).length, 0)
    await handle.store.close()
  })

  test('the same request untouched is approved after a restart (the control)', async () => {
    const handle = await make({ now: manualClock().now, cipher: newCipher() })
    const pending = await handle.store.request(held({ decision: approveDecision('statement', 600) }))
    await handle.store.close()
    const after = await handle.another!()
    assert.is((await after.approve(pending.id, alice)).status, 'approved')
    await after.close()
  })

  test.run()
}
