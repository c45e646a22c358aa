// The shared approval store on PostgreSQL, for several gateways: a decision made through one releases a
// statement held by another, and a grant made through one is honoured by all. A change of a request locks its
// row (SELECT … FOR UPDATE), so racing approvals count once; opening a request takes a transaction-scoped
// advisory lock, so one command is held once and the pending cap holds across gateways. Every change sends
// NOTIFY warden_approvals with the ids it touched, in its transaction; each store LISTENs on a connection of its
// own, and while that connection is down it polls instead, then reloads everything once it is back.
import pg from 'pg'
import { migratePostgres } from '../store/migrate.ts'
import { clientConfigOf, describeConnection, openPool, type PostgresStoreOptions } from '../store/postgres-pool.ts'
import type { ApprovalBackend, ChangedIds } from './backend.ts'
import { ApprovalError } from './errors.ts'
import { randomId } from './ids.ts'
import { POSTGRES_MIGRATIONS } from './migrations.ts'
import { grantRow, grantWhere, parseBody, requestRow } from './rows.ts'
import { type ApprovalStoreOptions, createApprovalStore } from './store.ts'
import type { ApprovalRequest, ApprovalStore, GrantRecord } from './types.ts'

/** pg_advisory_xact_lock key of opening a request: 'wardapro' read as int8 (PostgreSQL 15 has no hex literals). */
const OPEN_LOCK = '8602282538711413359'
export const CHANNEL = 'warden_approvals'

interface Refable {
  ref(): void
  unref(): void
}

export interface PostgresApprovalOptions extends PostgresStoreOptions {
  /** How often to poll while the LISTEN connection is down, and to retry it (ms). */
  pollMs?: number
  /** A full reload this often even while listening, in case a notification was lost (ms). */
  resyncMs?: number
}

const newerSchema = (current: number, known: number) =>
  new ApprovalError('approval.migration', `the approval store is at schema version ${current}, newer than this Warden knows (${known}); upgrade Warden`)


export async function openPostgresApprovalBackend(opts: PostgresApprovalOptions): Promise<ApprovalBackend> {
  const where = describeConnection(opts.connection)
  const pool = openPool(opts)
  try {
    await migratePostgres(pool, 'approvals', POSTGRES_MIGRATIONS, newerSchema)
  } catch (err) {
    await pool.end().catch(() => undefined)
    if (err instanceof ApprovalError) throw err
    throw new ApprovalError('approval.store_open', `open approval store on PostgreSQL ${where}: ${(err as Error).message}; check approvals.postgres (or audit.postgres) in the config`, { cause: err })
  }
  /** Marks this store's own notifications, which it does not need to act on. */
  const self = randomId('aps_')

  async function tx<T>(run: (client: pg.PoolClient, changed: { requests: string[]; grants: string[] }) => Promise<T>): Promise<T> {
    const client = await pool.connect()
    const changed = { requests: [] as string[], grants: [] as string[] }
    try {
      await client.query('BEGIN')
      const out = await run(client, changed)
      if (changed.requests.length || changed.grants.length) {
        await client.query(`SELECT pg_notify($1, $2)`, [CHANNEL, JSON.stringify({ from: self, ...changed })])
      }
      await client.query('COMMIT')
      return out
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined)
      throw err
    } finally {
      client.release()
    }
  }

  async function insertGrant(client: pg.PoolClient, g: GrantRecord): Promise<void> {
    const r = grantRow(g)
    await client.query(`INSERT INTO warden_approval_grants (id, approval_id, subject_sub, target, expires_at_ms, revoked_at_ms, body) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [r.id, r.approval_id, r.subject_sub, r.target, r.expires_at_ms, r.revoked_at_ms, r.body])
  }

  const stop = new AbortController()
  let listener: pg.Client | undefined
  let polling = false
  const timers = new Set<ReturnType<typeof setTimeout>>()
  const later = (ms: number, run: () => void) => {
    const t = setTimeout(() => { timers.delete(t); run() }, ms)
    t.unref()
    timers.add(t)
  }

  /** LISTENs; when the connection fails, polls every pollMs and tries again, then reloads once listening. */
  function listen(onChange: (ids: ChangedIds) => void): void {
    const pollMs = opts.pollMs ?? 1000
    const client = new pg.Client({ connectionTimeoutMillis: 5_000, ...clientConfigOf(opts.connection) })
    let lost = false
    const fallBack = () => {
      if (lost || stop.signal.aborted) return
      lost = true
      listener = undefined
      client.end().catch(() => undefined)
      // One poll loop however many reconnects fail; it ends once a connection listens again.
      if (!polling) {
        polling = true
        const poll = () => {
          if (stop.signal.aborted || listener) return void (polling = false)
          onChange(undefined)
          later(pollMs, poll)
        }
        poll()
      }
      later(pollMs, () => listen(onChange))
    }
    client.on('error', fallBack)
    client.on('end', fallBack)
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL || !n.payload) return
      try {
        const msg = JSON.parse(n.payload) as { from?: string; requests?: string[]; grants?: string[] }
        if (msg.from !== self) onChange({ requests: msg.requests ?? [], grants: msg.grants ?? [] })
      } catch {
        onChange(undefined)
      }
    })
    client.connect()
      .then(() => client.query(`LISTEN ${CHANNEL}`))
      .then(() => {
        if (stop.signal.aborted) return void client.end().catch(() => undefined)
        listener = client
        // Listening alone does not keep a process alive (a test that failed before close()); the gateway's
        // listeners do. @types/pg lacks Client.ref/unref.
        ;(client as unknown as Refable).unref()
        // Whatever changed while nobody listened.
        onChange(undefined)
      }, fallBack)
  }

  return {
    kind: 'postgres',
    open: (request, dedupe, maxPending, nowMs) => tx(async (client, changed) => {
      await client.query(`SELECT pg_advisory_xact_lock(${OPEN_LOCK})`)
      const same = await client.query<{ body: string }>(`SELECT body FROM warden_approval_requests WHERE status = 'pending' AND dedupe = $1 AND expires_at_ms > $2 LIMIT 1`, [dedupe, nowMs])
      if (same.rows[0]) return parseBody<ApprovalRequest>(same.rows[0])
      const { rows } = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM warden_approval_requests WHERE status = 'pending' AND expires_at_ms > $1`, [nowMs])
      const n = rows[0]!.n
      if (n >= maxPending) throw new ApprovalError('approval.capacity', `${n} approval requests are already pending; decide or let some expire before holding more`)
      const r = requestRow(request)
      await client.query(`INSERT INTO warden_approval_requests (id, status, dedupe, expires_at_ms, ended_at_ms, body) VALUES ($1, $2, $3, $4, $5, $6)`,
        [r.id, r.status, dedupe, r.expires_at_ms, r.ended_at_ms, r.body])
      changed.requests.push(r.id)
      return request
    }),
    update: (id, change) => tx(async (client, changed) => {
      const { rows } = await client.query<{ body: string }>(`SELECT body FROM warden_approval_requests WHERE id = $1 FOR UPDATE`, [id])
      if (!rows[0]) return undefined
      const next = change(parseBody<ApprovalRequest>(rows[0]))
      if (!next) return parseBody<ApprovalRequest>(rows[0])
      const r = requestRow(next.request)
      await client.query(`UPDATE warden_approval_requests SET status = $2, expires_at_ms = $3, ended_at_ms = $4, body = $5 WHERE id = $1`, [id, r.status, r.expires_at_ms, r.ended_at_ms, r.body])
      changed.requests.push(id)
      if (next.grant) {
        await insertGrant(client, next.grant)
        changed.grants.push(next.grant.id)
      }
      return next.request
    }),
    async get(id) {
      const { rows } = await pool.query<{ body: string }>(`SELECT body FROM warden_approval_requests WHERE id = $1`, [id])
      return rows[0] && parseBody<ApprovalRequest>(rows[0])
    },
    async list(status, limit) {
      const { rows } = await pool.query<{ body: string }>(
        `SELECT body FROM (SELECT seq, body FROM warden_approval_requests ${status ? 'WHERE status = $2' : ''} ORDER BY seq DESC LIMIT $1) r ORDER BY seq`,
        status ? [limit, status] : [limit])
      return rows.map((r) => parseBody<ApprovalRequest>(r))
    },
    async grant(id) {
      const { rows } = await pool.query<{ body: string }>(`SELECT body FROM warden_approval_grants WHERE id = $1`, [id])
      return rows[0] && parseBody<GrantRecord>(rows[0])
    },
    async grants(filter, nowMs) {
      const w = grantWhere(filter, nowMs, (n) => `$${n}`)
      const { rows } = await pool.query<{ body: string }>(`SELECT body FROM warden_approval_grants ${w.sql} ORDER BY seq`, w.values)
      return rows.map((r) => parseBody<GrantRecord>(r))
    },
    updateGrant: (id, change) => tx(async (client, changed) => {
      const { rows } = await client.query<{ body: string }>(`SELECT body FROM warden_approval_grants WHERE id = $1 FOR UPDATE`, [id])
      if (!rows[0]) return undefined
      const next = change(parseBody<GrantRecord>(rows[0]))
      const r = grantRow(next)
      await client.query(`UPDATE warden_approval_grants SET expires_at_ms = $2, revoked_at_ms = $3, body = $4 WHERE id = $1`, [id, r.expires_at_ms, r.revoked_at_ms, r.body])
      changed.grants.push(id)
      return next
    }),
    async prune(beforeMs) {
      await pool.query(`DELETE FROM warden_approval_requests WHERE coalesce(ended_at_ms, CASE WHEN status = 'pending' THEN expires_at_ms END) < $1`, [beforeMs])
      await pool.query(`DELETE FROM warden_approval_grants WHERE expires_at_ms < $1 OR revoked_at_ms < $1`, [beforeMs])
    },
    watch(onChange) {
      listen(onChange)
      const resync = () => {
        if (stop.signal.aborted) return
        if (listener) onChange(undefined)
        later(opts.resyncMs ?? 30_000, resync)
      }
      later(opts.resyncMs ?? 30_000, resync)
    },
    async close() {
      stop.abort()
      for (const t of timers) clearTimeout(t)
      timers.clear()
      const l = listener
      listener = undefined
      // Referenced again, or the process could exit before the goodbye is done.
      ;(l as unknown as Refable | undefined)?.ref()
      await l?.end().catch(() => undefined)
      await pool.end()
    },
  }
}

export async function openPostgresApprovalStore(opts: ApprovalStoreOptions & PostgresApprovalOptions): Promise<ApprovalStore> {
  return createApprovalStore(await openPostgresApprovalBackend(opts), opts)
}

