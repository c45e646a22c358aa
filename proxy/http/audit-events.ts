// Audit records of the HTTP gateway, through the same sink as PostgreSQL. The URL is the normalized one
// (credential-like query values redacted); tokens and upstream credentials never appear.
import type { SessionState } from '../../engine/gateway.ts'
import type { Judgement } from '../../engine/gateway.ts'
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
  const { server, direction, kind, method, tool, tool_status, tool_changed, parse_error } = m
  return { server, direction, kind, method, tool, tool_status, tool_changed, parse_error }
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

export function requestEvent(session: SessionState | undefined, judgement: Judgement | undefined, f: RequestFacts) {
  const d = judgement?.decision
  return {
    type: 'request' as const,
    time: new Date().toISOString(),
    ...(session ? { session_id: session.id, identity: identityView(session.identity) } : {}),
    protocol: session?.target.kind ?? 'http',
    via: f.mode,
    target: f.target,
    client: f.client,
    method: f.method,
    ...commandView(judgement),
    decision: d?.effect,
    reasons: d?.reasons,
    decision_id: f.decisionId,
    ...(f.approvalId ? { approval_id: f.approvalId } : {}),
    status: f.status,
    ...(f.error ? { error: f.error } : {}),
    ...(f.passthrough ? { passthrough: true } : {}),
    bytes_in: f.bytesIn,
    bytes_out: f.bytesOut,
    masked: f.masked,
    duration_ms: Math.round(f.durationMs * 100) / 100,
    // The dry-run policy is judged here, once the enforced decision has been acted on: as the reply to a denied
    // or buffered request is handed back, or when a streamed body ends.
    ...(judgement?.dryRun ? { dry_run: judgement.dryRun() } : {}),
  }
}
