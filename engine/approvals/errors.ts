// Coded errors of the approval store; the CLI and admin API map codes to exit codes and HTTP statuses.
import { CodedError } from '../errors.ts'

export type ApprovalErrorCode =
  | 'approval.not_found'
  | 'approval.not_pending'
  | 'approval.forbidden'
  | 'approval.self_approval'
  /** The decision is not an `approve` decision with a usable approval obligation. */
  | 'approval.invalid'
  /** Too many requests are pending; the statement is refused rather than held. */
  | 'approval.capacity'
  /** The waiter's abort signal fired (the client went away). */
  | 'approval.aborted'

export class ApprovalError extends CodedError<ApprovalErrorCode> {}
