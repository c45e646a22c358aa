// What a storage backend of the approval store provides: requests (their review text sealed) and grants, an
// atomic read-change-write of one request, and a signal when another process may have changed something.
// The rules (who may approve, quorum, expiry, grants) live once, in store.ts, above every backend.
import type { ApprovalRequest, ApprovalStatus, GrantFilter, GrantRecord } from './types.ts'

/** What a change of one request writes: the request, and the grant it created, in one transaction. */
export interface RequestChange {
  request: ApprovalRequest
  grant?: GrantRecord
}

/** Ids another process changed, or undefined when unknown (after a gap in notifications): reload all. */
export type ChangedIds = { requests: string[]; grants: string[] } | undefined

export interface ApprovalBackend {
  readonly kind: 'memory' | 'sqlite' | 'postgres'
  /**
   * Stores `request` unless a pending, unexpired request with the same dedupe key exists (returned instead).
   * Refuses (approval.capacity) when `maxPending` unexpired requests are already pending.
   */
  open(request: ApprovalRequest, dedupe: string, maxPending: number, nowMs: number): Promise<ApprovalRequest>
  /**
   * Reads one request, lets `change` decide, and writes what it returns, atomically: concurrent changes of one
   * request (in this process or another) run one after the other. `change` returns undefined to write nothing
   * and may throw to abort. Resolves the request as stored afterwards; undefined when there is no such request.
   */
  update(id: string, change: (current: ApprovalRequest) => RequestChange | undefined): Promise<ApprovalRequest | undefined>
  get(id: string): Promise<ApprovalRequest | undefined>
  /** Oldest first; at most `limit`, the most recent ones. */
  list(status: ApprovalStatus | undefined, limit: number): Promise<ApprovalRequest[]>
  grant(id: string): Promise<GrantRecord | undefined>
  grants(filter: GrantFilter, nowMs: number): Promise<GrantRecord[]>
  /** Like update, for one grant. */
  updateGrant(id: string, change: (current: GrantRecord) => GrantRecord): Promise<GrantRecord | undefined>
  /** Drops requests decided (or expired) before `beforeMs`, and grants that ended before it. */
  prune(beforeMs: number): Promise<void>
  /** Calls `onChange` whenever another process may have changed requests or grants. */
  watch(onChange: (ids: ChangedIds) => void): void
  close(): Promise<void>
}
