// Audit records of the HTTP gateway, through the same sink as PostgreSQL. The URL is the normalized one
// (credential-like query values redacted); tokens and upstream credentials never appear.
import type { SessionState } from '../../engine/gateway.ts'
import type { Judgement } from '../../engine/gateway.ts'
import type { AuditEvent } from '../../engine/audit/types.ts'
import type { Identity, McpCommand } from '../../engine/types.ts'

export interface RequestFacts {
  mode: 'reverse' | 'forward'
  client?: string
  method: string
  /** Target name, or the host when no target matched. */
  target?: string
  decisionId?: string
  approvalId?: string
  status: number
  error?: string
  bytesIn: number
  bytesOut: number
  masked: number
  durationMs: number
  passthrough?: boolean
}

// What an MCP message asked, without its arguments (they may carry secrets the redactor cannot recognise).
function mcpView(m: McpCommand) {
  const { server, direction, kind, method, tool, tool_status, tool_changed, changed_definitions, parse_error } = m
  return { server, direction, kind, method, tool, tool_status, tool_changed, changed_definitions, parse_error }
}

// Who asked, as a request record names them: one frozen object per frozen identity (the engine freezes the
// identity it judges, and auth.ts keeps one per verified token), so the redactor reuses its redacted copy
// (engine/audit/shared-data.ts) instead of walking a new object and its groups for every request.
const identityViews = new WeakMap<Identity, Readonly<Pick<Identity, 'sub' | 'issuer' | 'kind' | 'groups'>>>()

function identityView(identity: Identity) {
  const { sub, issuer, kind, groups } = identity
  if (!Object.isFrozen(identity)) return { sub, issuer, kind, groups }
  let view = identityViews.get(identity)
  if (!view) identityViews.set(identity, (view = Object.freeze({ sub, issuer, kind, groups })))
  return view
}

function commandView(j: Judgement | undefined) {
  const c = j?.input.command as (Record<string, unknown> & { raw?: string; fingerprint?: string }) | undefined
  if (!c) return {}
  const { kubernetes, cloud, mcp } = c as { kubernetes?: unknown; cloud?: unknown; mcp?: McpCommand }
  return { url: c.raw, fingerprint: c.fingerprint, ...(kubernetes ? { kubernetes } : {}), ...(cloud ? { cloud } : {}), ...(mcp ? { mcp: mcpView(mcp) } : {}) }
}

/**
 * A judged request about to be forwarded: on a durable trail it is stored before any byte reaches the upstream.
 * Its outcome record (requestEvent) follows with the same decision_id.
 */
export function releaseEvent(session: SessionState, judgement: Judgement, f: Pick<RequestFacts, 'mode' | 'client' | 'method' | 'target' | 'decisionId' | 'approvalId'>) {
  return {
    type: 'release' as const,
    time: new Date().toISOString(),
    session_id: session.id,
    identity: { sub: session.identity.sub, issuer: session.identity.issuer, kind: session.identity.kind },
    protocol: session.target.kind,
    via: f.mode,
    target: f.target,
    client: f.client,
    method: f.method,
    ...commandView(judgement),
    decision: judgement.decision.effect,
    reasons: judgement.decision.reasons,
    decision_id: f.decisionId,
    ...(f.approvalId ? { approval_id: f.approvalId } : {}),
  }
}

/**
 * The outcome record of a request. Built key by key in the record's order rather than from spreads of optional
 * parts: one record per request, and each spread made an object and copied it.
 */
export function requestEvent(session: SessionState | undefined, judgement: Judgement | undefined, f: RequestFacts): AuditEvent {
  const d = judgement?.decision
  const e: AuditEvent = { type: 'request', time: new Date().toISOString() }
  if (session) {
    e.session_id = session.id
    e.identity = identityView(session.identity)
  }
  e.protocol = session?.target.kind ?? 'http'
  e.via = f.mode
  e.target = f.target
  e.client = f.client
  e.method = f.method
  const c = judgement?.input.command as (Record<string, unknown> & { raw?: string; fingerprint?: string; kubernetes?: unknown; cloud?: unknown; mcp?: McpCommand }) | undefined
  if (c) {
    e.url = c.raw
    e.fingerprint = c.fingerprint
    if (c.kubernetes) e.kubernetes = c.kubernetes
    if (c.cloud) e.cloud = c.cloud
    if (c.mcp) e.mcp = mcpView(c.mcp)
  }
  e.decision = d?.effect
  e.reasons = d?.reasons
  e.decision_id = f.decisionId
  if (f.approvalId) e.approval_id = f.approvalId
  e.status = f.status
  if (f.error) e.error = f.error
  if (f.passthrough) e.passthrough = true
  e.bytes_in = f.bytesIn
  e.bytes_out = f.bytesOut
  e.masked = f.masked
  e.duration_ms = Math.round(f.durationMs * 100) / 100
  // The dry-run policy is judged here, once the enforced decision has been acted on: as the reply to a denied
  // or buffered request is handed back, or when a streamed body ends.
  if (judgement?.dryRun) e.dry_run = judgement.dryRun()
  return e
}
