// The embedded audit store: one SQLite file in the state directory (better-sqlite3 12.x; 13.x crashes on
// Node 20). WAL with synchronous=FULL: a batch whose append() resolved has been fsynced and survives kill -9
// or a power cut. BEGIN IMMEDIATE takes the write lock before the head is read, so two processes on one
// file still build one chain.
import type Database from 'better-sqlite3'
import { AuditError } from '../errors.ts'
import type { Checkpoint } from '../chain/checkpoint.ts'
import { EMPTY_HEAD, nextLink, type ChainHead, type ChainRecord } from '../chain/record.ts'
import type { StoredRecord } from '../chain/verify.ts'
import { migrateSqlite } from '../../store/migrate.ts'
import { openSqliteFile, stillAtPath } from '../../store/sqlite-file.ts'
import { SQLITE_MIGRATIONS } from './migrations.ts'
import type { IndexColumns } from '../chain/columns.ts'
import { type AuditStore, encodeRecord, type EncodedRecord, refuseCut, type SessionFilter, type SessionSummary } from './types.ts'

const newerSchema = (current: number, known: number) =>
  new AuditError('audit.migration', `the audit store is at schema version ${current}, newer than this Warden knows (${known}); upgrade Warden`)

export interface SqliteAuditStore extends AuditStore {
  /** append() of records already encoded (what the store thread is sent): their chain fields, in order. */
  appendEncoded(batch: readonly EncodedRecord[]): Array<Omit<ChainRecord, 'event'>>
}

export function openSqliteAuditStore(file: string): SqliteAuditStore {
  let db: Database.Database
  try {
    db = openSqliteFile(file)
    migrateSqlite(db, 'audit', SQLITE_MIGRATIONS, newerSchema)
  } catch (err) {
    if (err instanceof AuditError) throw err
    throw new AuditError('audit.store_open', `open audit store ${file}: ${(err as Error).message}; make the state directory writable, or set audit.sqlite.path or audit.store`, { cause: err })
  }

  const headStmt = db.prepare(`SELECT seq, hash FROM warden_audit_records ORDER BY seq DESC LIMIT 1`)
  const insert = db.prepare(`INSERT INTO warden_audit_records (seq, time, prev_hash, hash, event, session_id, type, sub, target, effect)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
  const hashAt = db.prepare(`SELECT hash FROM warden_audit_records WHERE seq = ?`).pluck()
  // The last record this store appended: it stays as written, whatever other writers add after it.
  let last: ChainHead | undefined
  const readHead = (): ChainHead => {
    const head = (headStmt.get() as ChainHead | undefined) ?? EMPTY_HEAD
    refuseCut(last, last && (hashAt.get(last.seq) as string | undefined), head, file)
    return head
  }
  const appendTx = db.transaction((batch: readonly EncodedRecord[]) => {
    let at = readHead()
    return batch.map((r) => {
      const link = nextLink(at, r.text, r.time)
      const c = r.columns
      insert.run(link.seq, link.time, link.prev_hash, link.hash, r.text, c.session_id, c.type, c.sub, c.target, c.effect)
      at = link
      return link
    })
  })
  const moved = stillAtPath(file)
  const appendEncoded = (batch: readonly EncodedRecord[]) => {
    if (!batch.length) return []
    let links
    try {
      links = appendTx.immediate(batch)
      // Once committed: a commit that failed leaves the head where it was.
      last = links.at(-1)
    } catch (err) {
      if (err instanceof AuditError) throw err
      throw new AuditError('audit.store_unavailable', `append to audit store ${file}: ${(err as Error).message}`, { cause: err })
    }
    // After the commit, one stat or two a batch: a batch committed to a file no longer at its path is not on the
    // trail anyone verifies, so it fails (and every retry with it) until the gateway is restarted on the trail.
    const why = moved()
    if (why) throw new AuditError('audit.store_unavailable', `append to audit store: ${why}, so what the gateway appends is on no trail anyone can read; restart the gateway (put the trail back first if it was moved by mistake)`)
    return links
  }
  const columns = `seq, time, prev_hash, hash, event`

  return {
    kind: 'sqlite',
    async append(batch) {
      return appendEncoded(batch.map(encodeRecord)).map((link, i) => ({ ...link, event: batch[i]!.event }))
    },
    appendEncoded,
    head: async () => readHead(),
    async addCheckpoint(c) {
      try {
        db.prepare(`INSERT INTO warden_audit_checkpoints (seq, hash, time, key_id, signature) VALUES (@seq, @hash, @time, @key_id, @signature)`).run(c)
      } catch (err) {
        throw new AuditError('audit.store_unavailable', `append checkpoint to audit store ${file}: ${(err as Error).message}`, { cause: err })
      }
    },
    checkpoints: async () => db.prepare(`SELECT seq, hash, time, key_id, signature FROM warden_audit_checkpoints ORDER BY id`).all() as Checkpoint[],
    async *records() {
      // Storage order: id, the rowid the record was inserted under. The event is read as its bytes, so bytes that
      // are not UTF-8 (which a text read would decode to U+FFFD, and hash alike) show; and with the search columns.
      const rows = db.prepare(`SELECT seq, time, prev_hash, hash, CAST(event AS BLOB) AS event, session_id, type, sub, target, effect
        FROM warden_audit_records ORDER BY id`).iterate() as IterableIterator<RawRow>
      for (const r of rows) yield storedRecord(r)
    },
    has: async (seq) => db.prepare(`SELECT 1 FROM warden_audit_records WHERE seq = ?`).get(seq) !== undefined,
    async sessions(filter: SessionFilter = {}, limit) {
      return db.prepare(`SELECT session_id, max(sub) AS identity, max(target) AS target, min(time) AS first_time, max(time) AS last_time,
          count(*) AS records, sum(type = 'statement') AS statements, sum(effect = 'deny') AS denied
        FROM warden_audit_records WHERE session_id IS NOT NULL GROUP BY session_id
        HAVING (@since IS NULL OR max(time) >= @since) AND (@identity IS NULL OR max(sub) = @identity) AND (@target IS NULL OR max(target) = @target)
        ORDER BY min(seq) DESC LIMIT @limit`).all({ since: filter.since ?? null, identity: filter.identity ?? null, target: filter.target ?? null, limit })
        .reverse().map((r) => dropNulls(r as Record<string, unknown>) as unknown as SessionSummary)
    },
    sessionRecords: async (id, limit) => db.prepare(`SELECT ${columns} FROM warden_audit_records WHERE session_id = ? ORDER BY seq LIMIT ?`).all(id, limit) as StoredRecord[],
    async close() {
      if (db.open) db.close()
    },
  }
}

type RawRow = Omit<StoredRecord, 'event' | 'columns' | 'unreadable'> & IndexColumns & { event: Uint8Array | null }

// fatal: bytes that are not UTF-8 are reported, not replaced; ignoreBOM: a leading BOM is kept, not dropped unseen.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function storedRecord(r: RawRow): StoredRecord {
  const { seq, time, prev_hash, hash, session_id, type, sub, target, effect } = r
  const out: StoredRecord = { seq, time, prev_hash, hash, event: '', columns: { session_id, type, sub, target, effect } }
  if (r.event === null) return { ...out, unreadable: 'has no event (NULL)' }
  try {
    out.event = utf8.decode(r.event)
  } catch {
    return { ...out, event: Buffer.from(r.event).toString('utf8'), unreadable: 'holds an event whose bytes are not UTF-8 text' }
  }
  return out
}

function dropNulls(row: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(row)) if (row[k] === null) delete row[k]
  return row
}
