// Coded errors of the approval store; the CLI and admin API map codes to exit codes and HTTP statuses.
import { CodedError } from '../errors.ts'

export type ApprovalErrorCode =
  | 'approval.not_found'
  | 'approval.not_pending'
  | 'approval.forbidden'
  | 'approval.self_approval'
  /** The reviewer already approved this request: one person counts once. */
  | 'approval.duplicate'
  /**
   * The request in the store is not as it was held (its requester, target, session, obligation … were edited, so
   * its review text no longer opens), or this gateway cannot open it: it cannot be approved, only denied.
   */
  | 'approval.altered'
  /** The decision is not an `approve` decision with a usable approval obligation. */
  | 'approval.invalid'
  /** Too many requests are pending; the statement is refused rather than held. */
  | 'approval.capacity'
  /** The waiter's abort signal fired (the client went away). */
  | 'approval.aborted'
  /** The store was closed (the gateway is stopping) while a statement waited; the request stays pending. */
  | 'approval.closed'
  /** The store could not be read or written (database down, disk full …). */
  | 'approval.store_unavailable'
  /** The store could not be opened, or its schema is newer than this Warden. */
  | 'approval.store_open'
  | 'approval.migration'
  /** The review-text key is missing or malformed. */
  | 'approval.key'
  | 'grant.not_found'
  /** The grant was already revoked. */
  | 'grant.revoked'
  | 'grant.forbidden'

export class ApprovalError extends CodedError<ApprovalErrorCode> {}
