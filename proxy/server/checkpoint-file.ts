// Exports each signed checkpoint as one JSON line appended (O_APPEND, fsynced) to a file the operator
// chooses: ideally one the gateway can append to but not rewrite (chattr +a, a log shipper's spool, a
// mount owned by another user). `warden audit verify --checkpoints FILE` reads it back. It is made at start,
// so a configured file that is missing was removed.
import { closeSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs'
import type { Checkpoint } from '../../engine/audit/chain/checkpoint.ts'
import type { CheckpointExporter } from '../../engine/audit/checkpointer.ts'
import { AuditError } from '../../engine/audit/errors.ts'

/**
 * The exporter for `path`, which is made (empty) now if it does not exist: `warden audit verify` treats a missing
 * configured file as removed, so it must exist from the gateway's first start, before any checkpoint.
 */
export function createCheckpointFileExporter(path: string, onError: (err: AuditError) => void = () => undefined): CheckpointExporter {
  try {
    closeSync(openSync(path, 'a', 0o640))
  } catch (err) {
    onError(new AuditError('audit.store_unavailable', `create the audit checkpoint file ${path}: ${(err as Error).message}; check audit.checkpoints.file`, { cause: err }))
  }
  return {
    export(c) {
      let fd: number | undefined
      try {
        // Opened per checkpoint (a few a minute at most): a rotated or replaced file is picked up.
        fd = openSync(path, 'a', 0o640)
        writeSync(fd, `${JSON.stringify(c)}\n`)
        fsyncSync(fd)
      } catch (err) {
        onError(new AuditError('audit.store_unavailable', `export audit checkpoint ${c.seq} to ${path}: ${(err as Error).message}; check audit.checkpoints.file`, { cause: err }))
      } finally {
        if (fd !== undefined) closeSync(fd)
      }
    },
    close: async () => {},
  }
}

const isCheckpoint = (v: unknown): v is Checkpoint => {
  const c = v as Record<string, unknown> | null
  return !!c && typeof c.seq === 'number' && typeof c.hash === 'string' && typeof c.time === 'string' && typeof c.key_id === 'string' && typeof c.signature === 'string'
}

/** Reads an exported checkpoint file; a line that is not a checkpoint is an error naming the line. */
export function readCheckpointFile(path: string): Checkpoint[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new AuditError('audit.key', `read checkpoint file ${path}: ${(err as Error).message}`, { cause: err })
  }
  const out: Checkpoint[] = []
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      value = undefined
    }
    if (!isCheckpoint(value)) throw new AuditError('audit.key', `${path}:${i + 1}: not a checkpoint ({seq, hash, time, key_id, signature})`)
    out.push(value)
  })
  return out
}
