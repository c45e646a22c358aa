// The approval store: statements held for a human reviewer, their outcome, and the grants approvals create.
import type { ApprovalObligation, Decision, Grant, Identity, InputDocument, Reason } from '../types.ts'

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired'

export interface ApprovalRequest {
  /** Short, unguessable, URL-safe: `apr_` + 10 base32 characters. */
  id: string
  status: ApprovalStatus
  created_at: string
  decided_at?: string
  /** `sub` of the reviewer who approved or rejected. */
  decided_by?: string
  note?: string
  requester: Identity
  session_id: string
  /** Target name. */
  target: string
  command: {
    protocol: string
    /** Redacted text (literals replaced), as the audit records it. */
    summary: string
    /**
     * What the reviewer approves: the statement as it will run, values included (the extended protocol's
     * parameters in place of `$1, $2 …`). Shown to reviewers and the requester only, never audited.
     */
    review_text: string
    digest: string
    fingerprint: string
  }
  reasons: Reason[]
  approval: ApprovalObligation
  /** The grant this approval created, once approved. */
  grant?: Grant
}

export interface ApprovalStore {
  /**
   * Opens a request for an `approve` decision; a pending request of the same session, digest and review text
   * is reused. `reviewText` defaults to the summary.
   */
  request(input: InputDocument, decision: Decision, summary: string, reviewText?: string): ApprovalRequest
  /** Resolves once the request is decided; after timeoutMs the request is marked expired and returned. */
  wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<ApprovalRequest>
  approve(id: string, approver: Identity, note?: string): ApprovalRequest
  reject(id: string, approver: Identity, note?: string): ApprovalRequest
  get(id: string): ApprovalRequest | undefined
  list(filter?: { status?: ApprovalStatus }): ApprovalRequest[]
  /** Unexpired grants created by approvals for that session. */
  grantsFor(sessionId: string, nowMs?: number): Grant[]
}
