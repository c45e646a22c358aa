// Coded errors of the audit layer. record() never throws; flush() reports a destination that failed.
import { CodedError } from '../errors.ts'

export type AuditErrorCode = 'audit.flush_failed'

export class AuditError extends CodedError<AuditErrorCode> {}
