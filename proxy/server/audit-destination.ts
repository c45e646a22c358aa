// Where audit lines go: `stdout`, or a JSON-lines file (created 0600 with its directory, appended to).
// The pino sink formats and redacts; this only owns the stream and closing it at shutdown.
import { mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { pino } from 'pino'
import { createPinoAuditSink, type PinoAuditSink } from '../../engine/audit/pino-sink.ts'
import { CodedError } from '../../engine/errors.ts'

export interface AuditOutput {
  sink: PinoAuditSink
  /** Flushes what was recorded and closes the file (stdout stays open). */
  close(): Promise<void>
}

export class AuditDestinationError extends CodedError<'audit.destination'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('audit.destination', message, options)
  }
}

function openAuditFile(path: string): number {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
    return openSync(path, 'a', 0o600)
  } catch (err) {
    throw new AuditDestinationError(`open audit log ${path}: ${(err as Error).message}; set audit.destination to a writable file or stdout`, { cause: err })
  }
}

export function openAuditOutput(destination: string): AuditOutput {
  const toStdout = destination === 'stdout'
  // The file is opened here, synchronously, so a bad path fails the start with a clear error rather than
  // surfacing later inside the stream.
  const stream = pino.destination({ dest: toStdout ? 1 : openAuditFile(destination), sync: false })
  const sink = createPinoAuditSink(stream)
  let closed: Promise<void> | undefined
  return {
    sink,
    close: () => (closed ??= (async () => {
      await sink.flush().catch(() => undefined)
      if (toStdout) return
      await new Promise<void>((resolve) => {
        stream.once('close', () => resolve())
        stream.end()
      })
    })()),
  }
}
