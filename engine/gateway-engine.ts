// Wires identity, normalizers, the decider, approvals and audit into the surface a protocol frontend uses.
import type { ApprovalStore } from './approvals/types.ts'
import type { AuditSink } from './audit/types.ts'
import { loadAuditRedaction } from './audit/index.ts'
import type { Config, TargetConfig } from './config/types.ts'
import { type Decider, policyErrorDecision } from './decide/index.ts'
import { inputJson, withDecisionCache } from './decide/decision-cache.ts'
import type { DecidePool } from './decide/pool.ts'
import { deferDryRun, type DryRunPolicy } from './diff/dry-run.ts'
import type { GatewayEngine, JudgeRequest, Judgement, SessionState } from './gateway.ts'
import type { IdentityVerifier } from './identity/index.ts'
import { buildInput, targetOf } from './input.ts'
import { InputCheck } from './input-check.ts'
import { refusedDecision } from './refusal.ts'
import type { BoundValues } from './approvals/review-text.ts'
import { deepFreeze } from './deep-freeze.ts'
import { loadSqlParsers, normalize, type Normalized, type RawRequest } from './normalize/index.ts'
import { boundSqlDigest } from './normalize/sql-template.ts'
import { boundCarriesMaskOutput } from './normalize/mask-output.ts'
import { HttpNormalizeCache } from './normalize/http-cache.ts'
import { SqlNormalizeCache } from './normalize/sql-cache.ts'
import { olderServerRefusal } from './normalize/sql/syntax-since.ts'
import type { Decision, Grant, InputDocument, SqlStatement, Target } from './types.ts'

export interface GatewayDeps {
  verifier: IdentityVerifier
  approvals: ApprovalStore
  audit: AuditSink
  decider: Decider
  /** policy.dry_run: judged beside the enforced policy, recorded, never applied. */
  dryRun?: DryRunPolicy
  /** Threads that evaluate the policy for prefetch(); without it prefetch does nothing. */
  pool?: DecidePool
}

// The parts of an input document that stay the same for a session are made once and frozen, so their schema
// check (input-check.ts) and JSON text (decision-cache.ts) are computed once too. A session's identity is fixed
// when it authenticates (frozen here, at its first judgement), and targets are not changed while the gateway runs.
const targetParts = new WeakMap<TargetConfig, Target>()
const grantFreeSessions = new WeakMap<SessionState, InputDocument['session']>()
const NO_GRANTS: Grant[] = Object.freeze([]) as unknown as Grant[]

function targetPart(config: TargetConfig): Target {
  let target = targetParts.get(config)
  if (!target) targetParts.set(config, (target = deepFreeze(targetOf(config))))
  return target
}

/** The session part of the input: one frozen object while the session holds no grant in force. */
function sessionPart(session: SessionState, grants: Grant[]): InputDocument['session'] {
  if (grants.length) return { id: session.id, started_at: session.started_at, grants }
  const kept = grantFreeSessions.get(session)
  if (kept && kept.id === session.id && kept.started_at === session.started_at) return kept
  const part = Object.freeze({ id: session.id, started_at: session.started_at, grants: NO_GRANTS })
  grantFreeSessions.set(session, part)
  return part
}

export async function createGatewayEngine(config: Config, deps: GatewayDeps): Promise<GatewayEngine> {
  await Promise.all([loadSqlParsers(), loadAuditRedaction()])
  const targets = new Map(config.targets.map((t) => [t.name, t]))
  // Work that is provably the same is done once: see the three cache modules for what makes it so.
  const normalizeCache = new SqlNormalizeCache()
  const httpNormalizeCache = new HttpNormalizeCache()
  const decider = withDecisionCache(deps.decider)
  const inputCheck = new InputCheck()

  // The dry-run policy sees exactly what the enforced one saw: the same input document, or the same refusal
  // of a document the engine would not hand to a policy.
  function judgement(input: InputDocument, decision: Decision, dryRun?: (d: Decider) => Decision): Judgement {
    const revision = deps.decider.revision
    if (!deps.dryRun) return { input, decision, revision }
    return { input, decision, revision, dryRun: deferDryRun(decision, deps.dryRun, dryRun ?? (() => decision)) }
  }

  /** A statement judged with its bound values: its digest covers them (a new document, checked in full). */
  function withBound(normalized: Normalized, raw: { text: string; bound?: BoundValues }): Normalized {
    if (!raw.bound?.params.length) return normalized
    const command = { ...normalized.command, digest: boundSqlDigest(raw.text, raw.bound) }
    // A value bound to a write is written as a literal would be: mask output marks the statements that write, and
    // reads that call functions (as literals do: builder.ts).
    if (command.sql && boundCarriesMaskOutput(raw.bound.params)) {
      const marks = (s: SqlStatement) => !s.read_only || s.functions.length > 0
      const statements = command.sql.statements.map((s) => (marks(s) ? { ...s, carries_mask_output: true as const } : s))
      command.sql = { ...command.sql, statements }
    }
    return deepFreeze({ ...normalized, command })
  }

  function assemble(session: SessionState, raw: RawRequest) {
    const target = targetPart(session.target)
    const grants = deps.approvals.grantsFor({ session: session.id, identity: session.identity, target: session.target.name })
    const normalized = raw.kind === 'sql' ? withBound(normalizeCache.normalize(raw, target, (r) => normalize(r, target)), raw)
      : raw.mcp ? normalize(raw, target) : httpNormalizeCache.normalize(raw.request, target, () => normalize(raw, target))
    const input = buildInput({ identity: deepFreeze(session.identity), session: sessionPart(session, grants), target, normalized })
    // The normalizer's output crosses into the policy: a malformed document is a bug, and a deny.
    const refusal = normalized.refusal ?? (raw.kind === 'sql' ? olderServerRefusal(normalized.newer, raw.serverVersion) : undefined)
    return { input, issues: inputCheck.issues(input, normalized, normalizeCache.basisOf(normalized)), refusal }
  }

  const rawOf = (request: JudgeRequest): RawRequest => request.kind === 'sql'
    ? { kind: 'sql', text: request.text, prepared: request.prepared, catalog: request.catalog, bound: request.bound, serverVersion: request.serverVersion }
    : { kind: 'http', request: request.request, mcp: request.mcp }

  function decide(session: SessionState, raw: RawRequest): Judgement {
    const { input, issues, refusal } = assemble(session, raw)
    if (issues.length) {
      return judgement(input, policyErrorDecision(`input document invalid: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`))
    }
    if (refusal !== undefined) return judgement(input, refusedDecision(refusal))
    return judgement(input, decider.decide(input), (d) => d.decide(input))
  }

  function judge(request: JudgeRequest): Judgement {
    try {
      return decide(request.session, rawOf(request))
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err)
      const raw = request.kind === 'sql' ? request.text : `${request.request.method} ${request.request.url}`
      const protocol = request.kind === 'sql' ? 'postgres' : request.session.target.kind
      const input = { command: { protocol, raw } } as unknown as InputDocument
      return judgement(input, policyErrorDecision(`judge ${request.kind === 'sql' ? 'statement' : 'request'}: ${reason}`))
    }
  }

  /** The decision judge(request) would evaluate, evaluated on a decide thread and kept in the decision cache. */
  function prefetch(request: JudgeRequest): Promise<void> | undefined {
    const pool = deps.pool
    if (!pool) return undefined
    try {
      const { input, issues, refusal } = assemble(request.session, rawOf(request))
      if (issues.length || refusal !== undefined) return undefined
      const json = inputJson(input)
      if (decider.holds(json)) return undefined
      const policy = deps.decider.policy
      return pool.decide(deps.decider, json).then((decision) => {
        if (decision && policy) decider.remember(json, decision, policy)
      })
    } catch {
      // judge() reports whatever went wrong here.
      return undefined
    }
  }

  return {
    authenticate: (token) => deps.verifier.verify(token),
    target: (name) => targets.get(name),
    judge,
    prefetch,
    approvals: deps.approvals,
    audit: deps.audit,
  }
}
