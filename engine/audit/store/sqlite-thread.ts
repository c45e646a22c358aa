// The embedded audit store on its own thread. better-sqlite3 is synchronous: on the socket thread every
// commit's fsync (2–5 ms on a virtual disk, measured) would stall every session. Here the thread writes and
// syncs while the gateway keeps relaying; the durable sink's group commit still makes one transaction of
// everything queued meanwhile. Same file, same guarantees as sqlite.ts (which the thread runs).
import type { Checkpoint } from '../chain/checkpoint.ts'
import type { ChainHead, ChainRecord } from '../chain/record.ts'
import type { StoredRecord } from '../chain/verify.ts'
import { AuditError } from '../errors.ts'
import { Thread, ThreadError } from '../../threads/thread.ts'
import { type AuditStore, encodeRecord, type PendingRecord, type SessionFilter, type SessionSummary } from './types.ts'

/** What the thread answers an append with: the chain fields (the events stay here, they are the caller's). */
export type AppendedLink = Pick<ChainRecord, 'seq' | 'time' | 'prev_hash' | 'hash'>

const PAGE = 1000

/** Errors from the thread keep their audit code; a dead thread is an unavailable store (fail closed). */
function auditError(err: unknown, what: string): AuditError {
  if (err instanceof AuditError) return err
  const code = err instanceof ThreadError ? err.code : undefined
  if (code === 'audit.store_open' || code === 'audit.migration' || code === 'audit.store_unavailable' || code === 'audit.trail_cut') {
    return new AuditError(code, (err as Error).message, { cause: err })
  }
  return new AuditError('audit.store_unavailable', `${what}: ${(err as Error).message}`, { cause: err })
}

export async function openSqliteAuditStoreThread(file: string): Promise<AuditStore> {
  const thread = new Thread({ module: new URL('./sqlite-thread-worker.ts', import.meta.url), data: { file }, name: 'audit store' })
  try {
    await thread.start()
  } catch (err) {
    throw auditError(err, `open audit store ${file}`)
  }
  const call = async <T>(op: string, ...args: unknown[]): Promise<T> => {
    try {
      return await thread.call<T>(op, args)
    } catch (err) {
      throw auditError(err, `${op} on audit store ${file}`)
    }
  }
  return {
    kind: 'sqlite',
    async append(batch: readonly PendingRecord[]): Promise<ChainRecord[]> {
      if (!batch.length) return []
      // Sent encoded: strings clone faster than event objects, and the canonical text is made once.
      const links = await call<AppendedLink[]>('append', batch.map(encodeRecord))
      return links.map((l, i) => ({ ...l, event: batch[i]!.event }))
    },
    head: () => call<ChainHead>('head'),
    addCheckpoint: (c: Checkpoint) => call<void>('addCheckpoint', c),
    checkpoints: () => call<Checkpoint[]>('checkpoints'),
    async *records(): AsyncIterable<StoredRecord> {
      const cursor = await call<number>('openRecords')
      for (;;) {
        const page = await call<StoredRecord[]>('nextRecords', cursor, PAGE)
        yield* page
        if (page.length < PAGE) return
      }
    },
    has: (seq: number) => call<boolean>('has', seq),
    sessions: (filter: SessionFilter | undefined, limit: number) => call<SessionSummary[]>('sessions', filter, limit),
    sessionRecords: (id: string, limit: number) => call<StoredRecord[]>('sessionRecords', id, limit),
    async close() {
      await call<void>('close').catch(() => undefined)
      await thread.close()
    },
  }
}
