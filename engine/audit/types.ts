// What the audit log records and the one interface every sink implements (pino lines today; a
// tamper-evident store can plug in behind the same interface).

export type AuditEventType = 'connection' | 'disconnect' | 'auth_failure' | 'release' | 'statement' | 'request' | 'approval' | 'admin' | 'mcp' | 'error'

export interface AuditEvent {
  type: AuditEventType
  /** ISO 8601 time the event happened. */
  time: string
  session_id?: string
  [k: string]: unknown
}

export interface AuditSink {
  /** Redacts and records one event. Never throws: an event that cannot be written is counted as dropped. */
  record(event: AuditEvent): void
  /** Resolves once everything recorded so far has reached the destination. */
  flush(): Promise<void>
  /**
   * Resolves once every event recorded before the call is committed to the tamper-evident store, and rejects
   * (code `audit.store_unavailable` / `audit.overloaded`) when it cannot be: a frontend awaits this before
   * releasing a statement's result, and refuses the statement when it rejects (fail closed). Absent on sinks
   * with nothing to wait for (pino lines, memory).
   */
  durable?(): Promise<void>
}
