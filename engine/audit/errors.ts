// Coded errors of the audit layer. record() never throws; flush() and durable() report a destination or
// store that failed; opening a store or its key reports what to fix.
import { CodedError } from '../errors.ts'

export type AuditErrorCode =
  | 'audit.flush_failed'
  | 'audit.not_canonical'
  | 'audit.store_unavailable'
  | 'audit.store_open'
  | 'audit.migration'
  | 'audit.overloaded'
  | 'audit.closed'
  | 'audit.key'
  | 'audit.filter'
  | 'audit.no_trail'
  | 'audit.trail_cut'
  | 'audit.tampered'

export class AuditError extends CodedError<AuditErrorCode> {}
