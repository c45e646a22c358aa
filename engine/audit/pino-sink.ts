// The JSON-lines audit sink: every event is redacted (redactEvent, then a second layer that censors known
// secret paths, as pino's `redact` option would) and written as one line. record() never throws; a line
// the destination refuses is counted in `dropped`.
import { type DestinationStream, pino } from 'pino'
import { AuditError } from './errors.ts'
import { REDACTED, redactEvent } from './redact.ts'
import type { AuditEvent, AuditSink } from './types.ts'

export interface PinoAuditSink extends AuditSink {
  /** Events that could not be written. */
  readonly dropped: number
  /** Writes an event that is already redacted (the durable sink's copy), without redacting it again. */
  recordRedacted(event: Record<string, unknown>): void
}

const SECRET_PATHS = ['password', 'token', 'secret', 'authorization', 'cookie', 'api_key', 'headers.authorization', 'headers.cookie']
  .map((p) => p.split('.'))

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

function censorPath(obj: Record<string, unknown>, parts: string[]): void {
  let at: Record<string, unknown> = obj
  for (let i = 0; i < parts.length - 1; i++) {
    const next = at[parts[i]!]
    if (!isObject(next)) return
    at = next
  }
  const last = parts[parts.length - 1]!
  if (Object.hasOwn(at, last)) at[last] = REDACTED
}

/**
 * The second layer: the secret paths at the top and one level down (`password`, `*.password`,
 * `headers.authorization`, `*.headers.authorization` …) are censored in place, exactly where pino's
 * `redact: { paths, censor }` would censor them. Pino's own implementation cost ~20 µs an event (it walks
 * every path through a generic matcher); this costs well under one.
 */
export function censorSecretPaths(event: Record<string, unknown>): void {
  for (const parts of SECRET_PATHS) censorPath(event, parts)
  for (const key in event) {
    const value = event[key]
    if (isObject(value)) for (const parts of SECRET_PATHS) censorPath(value, parts)
  }
}

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
    },
    destination as DestinationStream,
  )
  let dropped = 0

  function write(event: AuditEvent, extra?: string[]): void {
    try {
      // redactEvent returns a fresh copy, so the second layer may censor it in place.
      const redacted = redactEvent(event, extra)
      censorSecretPaths(redacted)
      logger.audit(redacted)
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
    recordRedacted(event) {
      try {
        logger.audit(event)
      } catch {
        dropped++
      }
    },
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
