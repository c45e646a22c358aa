// Exports each signed checkpoint as one JSON line appended (O_APPEND, fsynced) to a file the operator
// chooses: ideally one the gateway can append to but not rewrite (chattr +a, a log shipper's spool, a
// mount owned by another user). `warden audit verify --checkpoints FILE` reads it back. It is made at start,
// so a configured file that is missing was removed. A crash (or a power cut) while a line is written can leave it
// torn; the next checkpoint then starts a line of its own, and the reader names the torn line and reads on.
import { closeSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, writeSync } from 'node:fs'
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
        fd = openSync(path, 'a+', 0o640)
        writeSync(fd, `${endsTorn(fd) ? '\n' : ''}${JSON.stringify(c)}\n`)
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

/** Whether the file ends inside a line (a write cut short): the next line must not be glued onto it. */
function endsTorn(fd: number): boolean {
  const { size } = fstatSync(fd)
  if (size === 0) return false
  const last = Buffer.alloc(1)
  readSync(fd, last, 0, 1, size - 1)
  return last[0] !== 0x0a
}

const isCheckpoint = (v: unknown): v is Checkpoint => {
  const c = v as Record<string, unknown> | null
  return !!c && typeof c.seq === 'number' && typeof c.hash === 'string' && typeof c.time === 'string' && typeof c.key_id === 'string' && typeof c.signature === 'string'
}

export interface CheckpointFile {
  checkpoints: Checkpoint[]
  /**
   * Line numbers of torn lines: text that is not JSON at all, as a write cut short by a crash leaves it (part of a
   * line, or zero bytes where a power cut lost its data). Skipped: such a line vouches for nothing, and the store
   * keeps its own copy of every checkpoint. Whoever can write the file could as well have deleted the line.
   */
  torn: number[]
}

/**
 * Reads an exported checkpoint file. A torn line is skipped and named in `torn`; a line that is JSON but not a
 * checkpoint is an error naming the line (it was written by something else than the gateway), unless
 * `skipForeign`: the gateway's start still weighs every checkpoint around such a line.
 */
export function readCheckpointFile(path: string, opts: { skipForeign?: boolean } = {}): CheckpointFile {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (err) {
    throw new AuditError('audit.key', `read checkpoint file ${path}: ${(err as Error).message}`, { cause: err })
  }
  const out: CheckpointFile = { checkpoints: [], torn: [] }
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      out.torn.push(i + 1)
      return
    }
    if (!isCheckpoint(value) && opts.skipForeign) return
    if (!isCheckpoint(value)) throw new AuditError('audit.key', `${path}:${i + 1}: not a checkpoint ({seq, hash, time, key_id, signature})`)
    out.checkpoints.push(value)
  })
  return out
}
