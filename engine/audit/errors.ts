// Coded errors of the audit layer. record() never throws; flush() reports a destination that failed.

export type AuditErrorCode = 'audit.flush_failed'

export class AuditError extends Error {
  readonly code: AuditErrorCode

  constructor(code: AuditErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'AuditError'
    this.code = code
  }
}
