// The surface a protocol frontend uses: authenticate, judge, hold for approval, record. A frontend never
// decides anything itself; it asks the gateway engine and enforces the answer.
import type { BoundValues } from './approvals/review-text.ts'
import type { ApprovalStore } from './approvals/types.ts'
import type { AuditSink } from './audit/types.ts'
import type { TargetConfig } from './config/types.ts'
import type { DryRunRecord } from './diff/dry-run.ts'
import type { McpJudgeContext, RawHttpRequest } from './normalize/index.ts'
import type { SchemaCatalog } from './normalize/sql/index.ts'
import type { Decision, Identity, InputDocument } from './types.ts'

export interface SessionState {
  id: string
  started_at: string
  identity: Identity
  target: TargetConfig
}

export interface SqlJudgeRequest {
  session: SessionState
  text: string
  /** SQL-level and protocol-level prepared statements of this session, name → text, to resolve EXECUTE. */
  prepared?: ReadonlyMap<string, string>
  /** The target's catalog as the gateway caches it: resolves stars, views and attribute-notation calls. */
  catalog?: SchemaCatalog
  /** Values bound to the text's `$n` parameters (a Bind): part of the command's digest, so a statement grant covers them only. */
  bound?: BoundValues
  /** The server's PostgreSQL major version (0: not reported): newer syntax is refused. Undefined: not known (eval). */
  serverVersion?: number
}

/** An HTTP request (Kubernetes, cloud, plain HTTP or MCP) addressed to an HTTP-kind target. */
export interface HttpJudgeRequest {
  session: SessionState
  request: RawHttpRequest
  /** MCP targets only: who sent the message and the fingerprint registry's view of its tools
   * (proxy/http/mcp builds it). Without it: a client message, every tool `unseen`. */
  mcp?: McpJudgeContext
}

/** What a frontend asks the engine to judge, whatever the protocol. */
export type JudgeRequest = ({ kind: 'sql' } & SqlJudgeRequest) | ({ kind: 'http' } & HttpJudgeRequest)

export interface Judgement {
  input: InputDocument
  decision: Decision
  /** With a dry-run policy configured: its decision on the same input, judged on the first call (call it when
   * writing the audit event, after the enforced decision is acted on), never applied, never throws. */
  dryRun?: () => DryRunRecord
  /** Revision of the policy bundle that decided (recorded with an approval request). */
  revision?: string
}

export interface GatewayEngine {
  /** Verifies an OIDC token; throws IdentityError (code + message saying why) on any failure. */
  authenticate(token: string): Promise<Identity>
  /** The configured target a client asked for, by name (PostgreSQL: the database name). */
  target(name: string): TargetConfig | undefined
  /** Normalizes and decides one request of any protocol; never throws: any failure is a deny decision. */
  judge(request: JudgeRequest): Judgement
  /**
   * Optional, never throws: evaluates off the socket thread the decision judge(request) will need, so that
   * judge() finds it ready. Undefined when there is nothing to wait for. judge() stays the only judgement.
   */
  prefetch?(request: JudgeRequest): Promise<void> | undefined
  approvals: ApprovalStore
  audit: AuditSink
}
