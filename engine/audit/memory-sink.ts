// An in-memory sink for tests of other parts: events are redacted exactly as the pino sink redacts them.
import { extraPathsOf } from './pino-sink.ts'
import { redactEvent } from './redact.ts'
import type { AuditEvent, AuditSink } from './types.ts'

export function createMemoryAuditSink(): AuditSink & { events: AuditEvent[] } {
  const events: AuditEvent[] = []
  return {
    events,
    record(event) {
      try {
        events.push(redactEvent(event, extraPathsOf(event)))
      } catch {
        events.push({ type: event?.type ?? 'error', time: event?.time ?? new Date().toISOString(), redaction_failed: true })
      }
    },
    flush: async () => {},
  }
}
