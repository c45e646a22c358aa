// The embedded approval store: one SQLite file in the state directory (better-sqlite3 12.x; 13.x crashes on
// Node 20), the default. WAL with synchronous=FULL: an approval that was answered survives kill -9. Every change
// runs in BEGIN IMMEDIATE, so concurrent changes of one request (from this process or another one on the same
// file) run one after the other. Changes other processes commit are noticed by polling PRAGMA data_version, which
// moves only when another connection commits.
import type Database from 'better-sqlite3'
import { migrateSqlite } from '../store/migrate.ts'
import { openSqliteFile } from '../store/sqlite-file.ts'
import type { ApprovalBackend, ChangedIds } from './backend.ts'
import { ApprovalError } from './errors.ts'
import { SQLITE_MIGRATIONS } from './migrations.ts'
import { grantRow, grantWhere, parseBody, requestRow } from './rows.ts'
import { type ApprovalStoreOptions, createApprovalStore } from './store.ts'
import type { ApprovalRequest, ApprovalStore, GrantRecord } from './types.ts'

export interface SqliteApprovalOptions {
  /** How often to look for changes by other processes (ms). */
  pollMs?: number
}

const newerSchema = (current: number, known: number) =>
  new ApprovalError('approval.migration', `the approval store is at schema version ${current}, newer than this Warden knows (${known}); upgrade Warden`)

export function openSqliteApprovalBackend(file: string, opts: SqliteApprovalOptions = {}): ApprovalBackend {
  let db: Database.Database
  try {
    db = openSqliteFile(file)
    migrateSqlite(db, 'approvals', SQLITE_MIGRATIONS, newerSchema)
  } catch (err) {
    if (err instanceof ApprovalError) throw err
    throw new ApprovalError('approval.store_open', `open approval store ${file}: ${(err as Error).message}; make the state directory writable, or set approvals.sqlite.path or approvals.store`, { cause: err })
  }

  const byId = db.prepare(`SELECT body FROM warden_approval_requests WHERE id = ?`)
  const setRequest = db.prepare(`UPDATE warden_approval_requests SET status = @status, expires_at_ms = @expires_at_ms, ended_at_ms = @ended_at_ms, body = @body WHERE id = @id`)
  const addGrant = db.prepare(`INSERT INTO warden_approval_grants (id, approval_id, subject_sub, target, expires_at_ms, revoked_at_ms, body)
    VALUES (@id, @approval_id, @subject_sub, @target, @expires_at_ms, @revoked_at_ms, @body)`)
  const grantById = db.prepare(`SELECT body FROM warden_approval_grants WHERE id = ?`)
  const readRequest = (id: string) => {
    const row = byId.get(id) as { body: string } | undefined
    return row && parseBody<ApprovalRequest>(row)
  }

  const openTx = db.transaction((request: ApprovalRequest, dedupe: string, maxPending: number, nowMs: number) => {
    const same = db.prepare(`SELECT body FROM warden_approval_requests WHERE status = 'pending' AND dedupe = ? AND expires_at_ms > ? LIMIT 1`).get(dedupe, nowMs) as { body: string } | undefined
    if (same) return parseBody<ApprovalRequest>(same)
    const { n } = db.prepare(`SELECT count(*) AS n FROM warden_approval_requests WHERE status = 'pending' AND expires_at_ms > ?`).get(nowMs) as { n: number }
    if (n >= maxPending) throw new ApprovalError('approval.capacity', `${n} approval requests are already pending; decide or let some expire before holding more`)
    db.prepare(`INSERT INTO warden_approval_requests (id, status, dedupe, expires_at_ms, ended_at_ms, body) VALUES (@id, @status, @dedupe, @expires_at_ms, @ended_at_ms, @body)`)
      .run({ ...requestRow(request), dedupe })
    return request
  })
  const updateTx = db.transaction((id: string, change: Parameters<ApprovalBackend['update']>[1]) => {
    const current = readRequest(id)
    if (!current) return undefined
    const next = change(current)
    if (!next) return current
    setRequest.run(requestRow(next.request))
    if (next.grant) addGrant.run(grantRow(next.grant))
    return next.request
  })
  const updateGrantTx = db.transaction((id: string, change: (g: GrantRecord) => GrantRecord) => {
    const row = grantById.get(id) as { body: string } | undefined
    if (!row) return undefined
    const next = change(parseBody<GrantRecord>(row))
    const r = grantRow(next)
    db.prepare(`UPDATE warden_approval_grants SET expires_at_ms = ?, revoked_at_ms = ?, body = ? WHERE id = ?`).run(r.expires_at_ms, r.revoked_at_ms, r.body, id)
    return next
  })

  let timer: ReturnType<typeof setInterval> | undefined
  return {
    kind: 'sqlite',
    open: async (request, dedupe, maxPending, nowMs) => openTx.immediate(request, dedupe, maxPending, nowMs),
    update: async (id, change) => updateTx.immediate(id, change),
    get: async (id) => readRequest(id),
    list: async (status, limit) =>
      (db.prepare(`SELECT body FROM (SELECT seq, body FROM warden_approval_requests ${status ? 'WHERE status = @status' : ''} ORDER BY seq DESC LIMIT @limit) ORDER BY seq`)
        .all({ limit, ...(status ? { status } : {}) }) as { body: string }[]).map((r) => parseBody<ApprovalRequest>(r)),
    grant: async (id) => {
      const row = grantById.get(id) as { body: string } | undefined
      return row && parseBody<GrantRecord>(row)
    },
    async grants(filter, nowMs) {
      const where = grantWhere(filter, nowMs, () => '?')
      return (db.prepare(`SELECT body FROM warden_approval_grants ${where.sql} ORDER BY seq`).all(...where.values) as { body: string }[]).map((r) => parseBody<GrantRecord>(r))
    },
    updateGrant: async (id, change) => updateGrantTx.immediate(id, change),
    async prune(beforeMs) {
      db.prepare(`DELETE FROM warden_approval_requests WHERE coalesce(ended_at_ms, CASE WHEN status = 'pending' THEN expires_at_ms END) < ?`).run(beforeMs)
      db.prepare(`DELETE FROM warden_approval_grants WHERE expires_at_ms < @before OR revoked_at_ms < @before`).run({ before: beforeMs })
    },
    watch(onChange: (ids: ChangedIds) => void) {
      let seen = db.pragma('data_version', { simple: true })
      timer = setInterval(() => {
        try {
          const version = db.pragma('data_version', { simple: true })
          if (version === seen) return
          seen = version
          onChange(undefined)
        } catch {
          // The next tick tries again.
        }
      }, opts.pollMs ?? 250)
      timer.unref()
    },
    async close() {
      clearInterval(timer)
      if (db.open) db.close()
    },
  }
}

export async function openSqliteApprovalStore(file: string, opts: ApprovalStoreOptions & SqliteApprovalOptions): Promise<ApprovalStore> {
  return createApprovalStore(openSqliteApprovalBackend(file, opts), opts)
}
