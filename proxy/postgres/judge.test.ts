import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMemoryApprovalStore } from '../../engine/approvals/index.ts'
import { createMemoryAuditSink } from '../../engine/audit/index.ts'
import type { GatewayEngine, Judgement, SessionState } from '../../engine/gateway.ts'
import type { Decision, Effect, Identity, InputDocument } from '../../engine/types.ts'
import type { ErrorFields } from './errors.ts'
import { grantDeadline, type HoldAbort, judgeSql, type JudgeContext } from './judge.ts'

const agent: Identity = { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' }
const dba: Identity = { sub: 'alice', issuer: 'warden-dev', groups: ['dba'], kind: 'human' }
const target = { name: 'prod-db', kind: 'postgres' as const, environment: 'production', labels: {} }
const session: SessionState = { id: 'ses_1', started_at: new Date().toISOString(), identity: agent, target }
const holder = { session: session.id, identity: agent, target: target.name }

function decision(effect: Effect): Decision {
  return {
    effect,
    reasons: effect === 'allow' ? [] : [{ rule: 'warden.rules.sql.write', message: `${effect} because it writes` }],
    obligations: { mask: [], ...(effect === 'approve' ? { approval: { approvers: ['dba'], scope: 'statement' as const, ttl_seconds: 60 } } : {}) },
  }
}

/** A fake engine answering from a script of effects, one per judgement; the real approval store. */
function fakeEngine(effects: Effect[], calls: string[] = []): GatewayEngine {
  const approvals = createMemoryApprovalStore()
  const engine: GatewayEngine = {
    judge: (request): Judgement => {
      if (request.kind !== 'sql') throw new Error('the fake engine judges SQL only')
      const { text } = request
      calls.push(text)
      const input = {
        identity: agent,
        session: { id: session.id, started_at: session.started_at, grants: approvals.grantsFor(holder) },
        target,
        command: { protocol: 'postgres', raw: text, digest: 'd'.repeat(64), fingerprint: 'f' },
        risk: { level: 'medium', score: 50, reasons: [] },
      } as InputDocument
      return { input, decision: decision(effects.shift() ?? 'deny') }
    },
    authenticate: async () => agent,
    target: () => target,
    approvals,
    audit: createMemoryAuditSink(),
  }
  return engine
}

function context(engine: GatewayEngine, opts: { holdMs?: number; abort?: HoldAbort } = {}) {
  const notices: ErrorFields[] = []
  const controller = new AbortController()
  const ctx: JudgeContext = {
    engine,
    session,
    prepared: new Map(),
    serverVersion: 15,
    holdMs: opts.holdMs ?? 10_000,
    approvalHint: (id) => `warden approvals approve ${id}`,
    notice: (n) => notices.push(n),
    startHold: () => {
      if (opts.abort) queueMicrotask(() => controller.abort(opts.abort))
      return controller.signal
    },
  }
  return { ctx, notices }
}

async function pendingId(engine: GatewayEngine): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const p = (await engine.approvals.list({ status: 'pending' }))[0]
    if (p) return p.id
    await new Promise((r) => setTimeout(r, 5))
  }
  throw new Error('no pending approval')
}

test('allow and deny come straight from the engine; a denial names reasons and rules', async () => {
  const engine = fakeEngine(['allow', 'deny'])
  const { ctx } = context(engine)
  assert.ok((await judgeSql('SELECT 1', ctx)).allow)
  const denied = await judgeSql('DELETE FROM t', ctx)
  assert.not.ok(denied.allow)
  if (denied.allow) return
  assert.is(denied.error.fields.code, '42501')
  assert.is(denied.error.message, 'warden: denied: deny because it writes')
  assert.match(denied.error.fields.hint ?? '', 'warden.rules.sql.write')
})

test('approve: notice first, then the re-judged statement is allowed once approved', async () => {
  const engine = fakeEngine(['approve', 'allow'])
  const { ctx, notices } = context(engine)
  const verdict = judgeSql('UPDATE t SET a = 1 WHERE id = 2', ctx)
  const id = await pendingId(engine)
  assert.match(notices[0]!.message, `warden: held for approval ${id}; approve with: warden approvals approve ${id}`)
  assert.match(notices[0]!.hint ?? '', 'dba')
  await engine.approvals.approve(id, dba)
  const v = await verdict
  assert.ok(v.allow)
  assert.is(v.approvalId, id)
})

test('approved but the engine still does not allow it: denied, saying so', async () => {
  const engine = fakeEngine(['approve', 'approve'])
  const { ctx } = context(engine)
  const verdict = judgeSql('UPDATE t SET a = 1 WHERE id = 2', ctx)
  await engine.approvals.approve(await pendingId(engine), dba)
  const v = await verdict
  assert.not.ok(v.allow)
  if (!v.allow) assert.match(v.error.message, 'was granted but the statement is still not allowed')
})

test('rejected and expired holds are 42501 errors naming the approval', async () => {
  const engine = fakeEngine(['approve'])
  const { ctx } = context(engine)
  const verdict = judgeSql('UPDATE t SET a = 1 WHERE id = 2', ctx)
  const id = await pendingId(engine)
  await engine.approvals.reject(id, dba, 'no')
  const v = await verdict
  if (v.allow) return assert.unreachable()
  assert.is(v.error.message, `warden: denied: approval ${id} was rejected by alice (no)`)

  const engine2 = fakeEngine(['approve'])
  const late = await judgeSql('UPDATE t SET a = 1 WHERE id = 3', context(engine2, { holdMs: 10 }).ctx)
  if (late.allow) return assert.unreachable()
  assert.match(late.error.message, /approval apr_\w+ expired/)
})

test('a cancel during the hold ends it with 57014', async () => {
  const engine = fakeEngine(['approve'])
  const v = await judgeSql('UPDATE t SET a = 1 WHERE id = 2', context(engine, { abort: 'cancel' }).ctx)
  if (v.allow) return assert.unreachable()
  assert.is(v.error.fields.code, '57014')
})

test('defer: an approve comes back unheld, as a refusal marked deferred; nothing is requested', async () => {
  const engine = fakeEngine(['approve', 'approve'])
  const { ctx, notices } = context(engine)
  const v = await judgeSql('UPDATE t SET a = $1 WHERE id = 2', ctx, { defer: true })
  if (v.allow) return assert.unreachable()
  assert.is(v.deferred, true)
  assert.is(v.error.fields.code, '42501')
  assert.equal([notices, await engine.approvals.list()], [[], []])
  // Options apply to one judgement only: the next one holds again.
  const held = judgeSql('UPDATE t SET a = $1 WHERE id = 2', ctx)
  await engine.approvals.reject(await pendingId(engine), dba)
  await held
})

test('reviewText: the reviewer sees the values, the request summary stays redacted', async () => {
  const engine = fakeEngine(['approve'])
  const { ctx } = context(engine)
  const held = judgeSql("UPDATE t SET a = $1 WHERE b = 'x'", ctx, { reviewText: "UPDATE t SET a = 'secret' WHERE b = 'x'" })
  const request = (await engine.approvals.get(await pendingId(engine)))!
  assert.is(request.command.review_text, "UPDATE t SET a = 'secret' WHERE b = 'x'")
  assert.not.match(request.command.summary, 'secret')
  await engine.approvals.reject(request.id, dba)
  await held
})

function allowedBy(grants: { id: string; expires_at_ns: number }[], cited: string[]): Judgement {
  const input = { session: { grants: grants.map((g) => ({ ...g, scope: 'statement', approved_by: 'alice' })) } } as unknown as InputDocument
  const reasons = cited.map((id) => ({ rule: 'warden.grant', message: `approved by alice (grant ${id}, scope statement)` }))
  return { input, decision: { effect: 'allow', reasons, obligations: { mask: [] } } }
}

test('grantDeadline: the earliest expiry among the grants an allow cites; none without grants', () => {
  const grants = [{ id: 'g1', expires_at_ns: 5e15 }, { id: 'g2', expires_at_ns: 3e15 }, { id: 'g3', expires_at_ns: 1e15 }]
  assert.is(grantDeadline(allowedBy(grants, ['g1', 'g2'])), 3e9)
  assert.is(grantDeadline(allowedBy(grants, [])), undefined)
  // Cited grants that cannot be found: every grant in force counts.
  assert.is(grantDeadline(allowedBy(grants, ['gone'])), 1e9)
  const j = allowedBy(grants, ['g1'])
  assert.is(grantDeadline({ ...j, decision: { ...j.decision, effect: 'approve' } }), undefined)
  // An allow citing a grant with no grants in force at all is due now.
  const before = Date.now()
  assert.ok(grantDeadline(allowedBy([], ['g1']))! >= before)
})

test.run()
