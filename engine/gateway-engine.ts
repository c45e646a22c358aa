// Wires identity, normalizers, the decider, approvals and audit into the surface a protocol frontend uses.
import type { ApprovalStore } from './approvals/types.ts'
import type { AuditSink } from './audit/types.ts'
import { loadAuditRedaction } from './audit/index.ts'
import type { Config } from './config/types.ts'
import { type Decider, policyErrorDecision } from './decide/index.ts'
import { withDecisionCache } from './decide/decision-cache.ts'
import type { GatewayEngine, JudgeRequest, Judgement, SqlJudgeRequest } from './gateway.ts'
import type { IdentityVerifier } from './identity/index.ts'
import { buildInput, targetOf } from './input.ts'
import { InputCheck } from './input-check.ts'
import { loadSqlParsers, normalize, type RawRequest } from './normalize/index.ts'
import { SqlNormalizeCache } from './normalize/sql-cache.ts'
import type { InputDocument } from './types.ts'

export interface GatewayDeps {
  verifier: IdentityVerifier
  approvals: ApprovalStore
  audit: AuditSink
  decider: Decider
}

export async function createGatewayEngine(config: Config, deps: GatewayDeps): Promise<GatewayEngine> {
  await Promise.all([loadSqlParsers(), loadAuditRedaction()])
  const targets = new Map(config.targets.map((t) => [t.name, t]))
  // Work that is provably the same is done once: see the two modules for what makes it so.
  const normalizeCache = new SqlNormalizeCache()
  const decider = withDecisionCache(deps.decider)
  const inputCheck = new InputCheck()

  function decide(session: SqlJudgeRequest['session'], raw: RawRequest): Judgement {
    const target = targetOf(session.target)
    const grants = deps.approvals.grantsFor(session.id)
    const normalized = raw.kind === 'sql' ? normalizeCache.normalize(raw, target, (r) => normalize(r, target)) : normalize(raw, target)
    const input = buildInput({ identity: session.identity, session: { id: session.id, started_at: session.started_at, grants }, target, normalized })
    // The normalizer's output crosses into the policy: a malformed document is a bug, and a deny.
    const issues = inputCheck.issues(input, normalized)
    if (issues.length) {
      return { input, decision: policyErrorDecision(`input document invalid: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`) }
    }
    return { input, decision: decider.decide(input) }
  }

  function judge(request: JudgeRequest): Judgement {
    try {
      return request.kind === 'sql'
        ? decide(request.session, { kind: 'sql', text: request.text, prepared: request.prepared, catalog: request.catalog })
        : decide(request.session, { kind: 'http', request: request.request, mcp: request.mcp })
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      const raw = request.kind === 'sql' ? request.text : `${request.request.method} ${request.request.url}`
      const protocol = request.kind === 'sql' ? 'postgres' : request.session.target.kind
      const input = { command: { protocol, raw } } as unknown as InputDocument
      return { input, decision: policyErrorDecision(`judge ${request.kind === 'sql' ? 'statement' : 'request'}: ${reason}`) }
    }
  }

  return {
    authenticate: (token) => deps.verifier.verify(token),
    target: (name) => targets.get(name),
    judge,
    approvals: deps.approvals,
    audit: deps.audit,
  }
}
