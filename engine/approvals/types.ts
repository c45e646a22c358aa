// The approval store: statements held for a human reviewer, their outcome, and the grants approvals create.
import type { ApprovalObligation, Grant, Identity, InputDocument, Decision, Reason, Risk } from '../types.ts'

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired'

/** One reviewer's approval of a request that needs several ("N of", "all of these groups"). */
export interface ApprovalVote {
  sub: string
  issuer: string
  /** The reviewer's email, when the token carried one: the same person under another issuer counts once. */
  email?: string
  /** The reviewer's groups that are among the request's approver groups. */
  groups: string[]
  at: string
  note?: string
}

export interface ApprovalRequest {
  /** Short, unguessable, URL-safe: `apr_` + 10 base32 characters. */
  id: string
  status: ApprovalStatus
  created_at: string
  /** A request nobody decided by then is expired; it can no longer be approved. */
  expires_at: string
  decided_at?: string
  /** `sub` of the reviewer who settled it (the last approver, or the one who rejected). */
  decided_by?: string
  note?: string
  requester: Identity
  session_id: string
  /** Target name. */
  target: string
  /** Revision of the policy bundle that asked for the approval. */
  revision?: string
  risk?: Risk
  command: {
    protocol: string
    /** Redacted text (literals replaced), as the audit records it. */
    summary: string
    /**
     * What the reviewer approves: the statement as it will run, values included (the extended protocol's
     * parameters in place of `$1, $2 …`). Stored encrypted; shown to reviewers and the requester only, never
     * audited.
     */
    review_text: string
    /** sha256 of the raw command: the key of a `statement` grant. */
    digest: string
    fingerprint: string
    /** sha256 of the RFC 8785 canonical input document without its session: exactly what was judged. */
    input_digest: string
  }
  reasons: Reason[]
  /** Who must approve: groups, how many people, whether every group must be represented; scope and TTL of the grant. */
  approval: ApprovalObligation
  /** Approvals given so far; the request is approved once they satisfy `approval`. */
  approvals: ApprovalVote[]
  /** The grant this approval created, once approved. */
  grant?: GrantRecord
  /**
   * HMAC under the approvals key of what a decision changes (status, votes, the grant's id), written by the
   * gateway with each change: votes written in by hand, or a decided request set back to pending, do not verify,
   * and the request can then only be denied.
   */
  state_seal?: string
}

/** A grant as the store keeps it: the policy-visible Grant plus whom it belongs to and its lifecycle. */
export interface GrantRecord extends Grant {
  approval_id: string
  /** The requester the grant belongs to (statement, fingerprint and target scopes). */
  subject: { issuer: string; sub: string }
  target: string
  /** The session it was approved in (the only one a `session` grant covers). */
  session_id: string
  created_at: string
  revoked_at?: string
  revoked_by?: string
  revoke_note?: string
  /**
   * HMAC of every other field under the approvals key (grants.ts sealGrant). A grant whose seal does not verify
   * (edited, forged or revived in the store by hand) is never in force.
   */
  seal?: string
}

/** Whose grants a judgement sees: the session's own, and those of its identity on its target. */
export interface GrantHolder {
  session: string
  identity: Pick<Identity, 'issuer' | 'sub'>
  target: string
}

export interface NewApprovalRequest {
  input: InputDocument
  decision: Decision
  /** Redacted text of the command, safe for the audit trail and the approvals list. */
  summary: string
  /** What the reviewer sees (values included); the summary when absent. */
  reviewText?: string
  /** The policy bundle revision that judged it. */
  revision?: string
}

export interface GrantFilter {
  /** Also revoked and expired grants (default: only those in force). */
  all?: boolean
  target?: string
  sub?: string
}

export interface ApprovalStore {
  readonly kind: 'memory' | 'sqlite' | 'postgres'
  /**
   * Opens a request for an `approve` decision; a pending request of the same session, command and review text
   * is reused.
   */
  request(req: NewApprovalRequest): Promise<ApprovalRequest>
  /**
   * Resolves once the request is decided, by this store or another sharing its storage; after timeoutMs the
   * request is marked expired and returned. Rejects with approval.aborted when the signal fires (the request
   * then expires once no waiter is left) and with approval.closed when the store closes (it stays pending).
   */
  wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<ApprovalRequest>
  /** Records one reviewer's approval; the request is approved, and its grant created, once enough have approved. */
  approve(id: string, approver: Identity, note?: string): Promise<ApprovalRequest>
  reject(id: string, approver: Identity, note?: string): Promise<ApprovalRequest>
  get(id: string): Promise<ApprovalRequest | undefined>
  list(filter?: { status?: ApprovalStatus }): Promise<ApprovalRequest[]>
  grants(filter?: GrantFilter): Promise<GrantRecord[]>
  revoke(grantId: string, by: Identity, note?: string): Promise<GrantRecord>
  /**
   * The grants in force for a judgement, synchronously, from the live cache the store keeps (fed by its own
   * writes and by changes other gateways make to a shared store). A grant ends exactly at its expiry.
   */
  grantsFor(holder: GrantHolder, nowMs?: number): Grant[]
  /**
   * Stops watching for changes and settles every waiter with approval.closed; pending requests stay pending.
   * Resolves with the number of waits it ended.
   */
  close(): Promise<number>
}
