// The JSON-lines audit sink: every event is redacted (redactEvent, then pino's own redaction of known
// secret paths as a second layer) and written as one line. record() never throws; a line the
// destination refuses is counted in `dropped`.
import { type DestinationStream, pino } from 'pino'
import { AuditError } from './errors.ts'
import { REDACTED, redactEvent } from './redact.ts'
import type { AuditEvent, AuditSink } from './types.ts'

export interface PinoAuditSink extends AuditSink {
  /** Events that could not be written. */
  readonly dropped: number
}

const SECRET_PATHS = ['password', 'token', 'secret', 'authorization', 'cookie', 'api_key', 'headers.authorization', 'headers.cookie']
const PINO_REDACT_PATHS = [...SECRET_PATHS, ...SECRET_PATHS.map((p) => `*.${p}`)]

export function createPinoAuditSink(destination: { write(line: string): void } | DestinationStream): PinoAuditSink {
  const logger = pino<'audit'>(
    {
      base: null,
      timestamp: false, // events carry their own `time`
      customLevels: { audit: 35 },
      useOnlyCustomLevels: true,
      level: 'audit',
      // Returning {} here makes pino 10 write `{,` (invalid JSON), so the level stays as a label.
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: PINO_REDACT_PATHS, censor: REDACTED },
    },
    destination as DestinationStream,
  )
  let dropped = 0

  function write(event: AuditEvent, extra?: string[]): void {
    try {
      logger.audit(redactEvent(event, extra))
    } catch {
      try {
        // Redaction or serialisation failed: keep the fact that something happened, not its content.
        logger.audit({ type: event?.type ?? 'error', time: event?.time ?? new Date().toISOString(), session_id: event?.session_id, redaction_failed: true })
      } catch {
        dropped++
      }
    }
  }

  return {
    record: (event) => write(event, extraPathsOf(event)),
    flush: () =>
      new Promise<void>((resolve, reject) => {
        try {
          logger.flush((err) => (err ? reject(new AuditError('audit.flush_failed', `flush audit log: ${err.message}`, { cause: err })) : resolve()))
        } catch (err) {
          reject(new AuditError('audit.flush_failed', `flush audit log: ${err instanceof Error ? err.message : String(err)}`, { cause: err }))
        }
      }),
    get dropped() {
      return dropped
    },
  }
}

/** The decision's audit obligation (`decision.obligations.audit.redact`), when the event carries one. */
export function extraPathsOf(event: AuditEvent): string[] | undefined {
  const decision = event?.decision as { obligations?: { audit?: { redact?: unknown } } } | undefined
  const paths = decision?.obligations?.audit?.redact
  return Array.isArray(paths) ? paths.filter((p): p is string => typeof p === 'string') : undefined
}
