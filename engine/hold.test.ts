import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMemoryApprovalStore } from './approvals/index.ts'
import { createMemoryAuditSink } from './audit/index.ts'
import type { GatewayEngine, JudgeRequest, Judgement, SessionState } from './gateway.ts'
import { judgeAndHold } from './hold.ts'
import type { Effect, Identity, InputDocument } from './types.ts'

const agent: Identity = { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' }
const dba: Identity = { sub: 'alice', issuer: 'warden-dev', groups: ['dba'], kind: 'human' }
const target = { name: 'prod-k8s', kind: 'kubernetes' as const, environment: 'production', labels: {} }
const session: SessionState = { id: 'ses_1', started_at: new Date().toISOString(), identity: agent, target }
const request: JudgeRequest = { kind: 'http', session, request: { method: 'DELETE', url: 'https://k8s/api/v1/namespaces/prod' } }

/** Answers from a script of effects, one per judgement; the real approval store. */
function fakeEngine(effects: Effect[]): GatewayEngine & { calls: number } {
  const approvals = createMemoryApprovalStore()
  const engine = {
    calls: 0,
    judge: (_request?: JudgeRequest): Judgement => {
      engine.calls++
      const effect = effects.shift() ?? 'deny'
      const input = {
        identity: agent,
        session: { id: session.id, started_at: session.started_at, grants: approvals.grantsFor({ session: session.id, identity: agent, target: target.name }) },
        target,
        command: { protocol: 'kubernetes', raw: 'DELETE /api/v1/namespaces/prod', digest: 'd'.repeat(64), fingerprint: 'f' },
        risk: { level: 'high', score: 80, reasons: [] },
      } as InputDocument
      const approval = effect === 'approve' ? { approval: { approvers: ['dba'], scope: 'statement' as const, ttl_seconds: 60 } } : {}
      return { input, decision: { effect, reasons: effect === 'allow' ? [] : [{ rule: 'k8s.delete', message: 'deletes a namespace' }], obligations: { mask: [], ...approval } } }
    },
    authenticate: async () => agent,
    target: () => target,
    approvals,
    audit: createMemoryAuditSink(),
  }
  return engine
}

test('allow and deny are answered without holding', async () => {
  let held = 0
  const opts = { holdMs: 1000, summary: 'DELETE ns', onHeld: () => void held++ }
  assert.is((await judgeAndHold(fakeEngine(['allow']), request, opts)).allow, true)
  const denied = await judgeAndHold(fakeEngine(['deny']), request, opts)
  assert.equal([denied.allow, !denied.allow && denied.why], [false, 'denied'])
  assert.is(held, 0)
})

test('approve: the client learns the id first, then the request is judged again with the grant and allowed', async () => {
  const engine = fakeEngine(['approve', 'allow'])
  let id = ''
  const pending = judgeAndHold(engine, request, { holdMs: 5000, summary: 'DELETE ns', onHeld: (r) => void (id = r.id) })
  await new Promise((r) => setTimeout(r, 10))
  assert.match(id, /^apr_/)
  await engine.approvals.approve(id, dba)
  const outcome = await pending
  assert.equal([outcome.allow, outcome.approvalId, engine.calls], [true, id, 2])
})

test('approved: the request is judged again as `again` gives it, when given', async () => {
  const engine = fakeEngine(['approve', 'allow'])
  const judged: JudgeRequest[] = []
  const judge = engine.judge
  engine.judge = (r: JudgeRequest) => (judged.push(r), judge(r))
  const changed: JudgeRequest = { ...request, request: { ...request.request, url: 'https://k8s/api/v1/namespaces/other' } } as JudgeRequest
  const outcome = await judgeAndHold(engine, request, { holdMs: 5000, summary: 's', again: async () => changed, onHeld: (r) => queueMicrotask(() => void engine.approvals.approve(r.id, dba)) })
  assert.is(outcome.allow, true)
  assert.equal(judged, [request, changed])
})

test('rejected, expired, cancelled and still-denied holds say why', async () => {
  const rejectEngine = fakeEngine(['approve'])
  const rejected = judgeAndHold(rejectEngine, request, { holdMs: 5000, summary: 's', onHeld: (r) => queueMicrotask(() => void rejectEngine.approvals.reject(r.id, dba)) })
  const expired = judgeAndHold(fakeEngine(['approve']), request, { holdMs: 20, summary: 's', onHeld: () => {} })
  const controller = new AbortController()
  const cancelled = judgeAndHold(fakeEngine(['approve']), request, { holdMs: 5000, summary: 's', signal: controller.signal, onHeld: () => queueMicrotask(() => controller.abort('cancel')) })
  const stillEngine = fakeEngine(['approve', 'deny'])
  const still = judgeAndHold(stillEngine, request, { holdMs: 5000, summary: 's', onHeld: (r) => queueMicrotask(() => void stillEngine.approvals.approve(r.id, dba)) })
  const whys = (await Promise.all([rejected, expired, cancelled, still])).map((o) => (o.allow ? 'allow' : o.why))
  assert.equal(whys, ['rejected', 'expired', 'cancel', 'still_denied'])
})

test('a store that cannot hold the request (full, or closing while waiting) ends the hold with why unavailable', async () => {
  const full = fakeEngine(['approve'])
  full.approvals = createMemoryApprovalStore({ maxPending: 0 })
  const refused = await judgeAndHold(full, request, { holdMs: 5000, summary: 's', onHeld: () => assert.unreachable('held') })
  assert.equal([refused.allow, !refused.allow && refused.why], [false, 'unavailable'])
  assert.match(!refused.allow && refused.why === 'unavailable' ? refused.message : '', 'approval requests are already pending')
  const closing = fakeEngine(['approve'])
  const outcome = await judgeAndHold(closing, request, { holdMs: 5000, summary: 's', onHeld: () => queueMicrotask(() => void closing.approvals.close()) })
  assert.ok(!outcome.allow && outcome.why === 'unavailable' && outcome.approvalId)
  assert.match(!outcome.allow && outcome.why === 'unavailable' ? outcome.message : '', /stays pending: once it is approved, run the statement again/)
})

test.run()
