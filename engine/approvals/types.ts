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
    /** Redacted text, safe to show a reviewer. */
    summary: string
    digest: string
    fingerprint: string
  }
  reasons: Reason[]
  approval: ApprovalObligation
  /** The grant this approval created, once approved. */
  grant?: Grant
}

export interface ApprovalStore {
  /** Opens a request for an `approve` decision; a pending request of the same session and digest is reused. */
  request(input: InputDocument, decision: Decision, summary: string): ApprovalRequest
  /** Resolves once the request is decided; after timeoutMs the request is marked expired and returned. */
  wait(id: string, timeoutMs: number, signal?: AbortSignal): Promise<ApprovalRequest>
  approve(id: string, approver: Identity, note?: string): ApprovalRequest
  reject(id: string, approver: Identity, note?: string): ApprovalRequest
  get(id: string): ApprovalRequest | undefined
  list(filter?: { status?: ApprovalStatus }): ApprovalRequest[]
  /** Unexpired grants created by approvals for that session. */
  grantsFor(sessionId: string, nowMs?: number): Grant[]
}
