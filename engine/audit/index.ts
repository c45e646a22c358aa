// Recording what happened, with secrets removed first.
export { AuditError, type AuditErrorCode } from './errors.ts'
export { createMemoryAuditSink } from './memory-sink.ts'
export { createPinoAuditSink, type PinoAuditSink } from './pino-sink.ts'
export { REDACTED, redactEvent } from './redact.ts'
export { loadAuditRedaction, redactSql, type RedactSqlOptions, UNREDACTABLE_SQL } from './sql.ts'
export type { AuditEvent, AuditEventType, AuditSink } from './types.ts'
