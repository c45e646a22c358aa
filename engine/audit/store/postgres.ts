// The shared audit store on PostgreSQL, for several gateways writing one trail. Each append is one
// transaction that first takes a transaction-scoped advisory lock, then reads the head: appends from every
// gateway are serialized, so the chain stays one linear chain. Committed with the server's default
// synchronous_commit, so an append that resolved is durable on the server.
import pg from 'pg'
import { AuditError } from '../errors.ts'
import type { Checkpoint } from '../chain/checkpoint.ts'
import { EMPTY_HEAD, linkBatch, type ChainHead } from '../chain/record.ts'
import type { StoredRecord } from '../chain/verify.ts'
import { migratePostgres } from '../../store/migrate.ts'
import { describeConnection, openPool, type PostgresStoreOptions } from '../../store/postgres-pool.ts'
import { POSTGRES_MIGRATIONS } from './migrations.ts'
import { type AuditStore, indexColumns, refuseCut, type SessionFilter, type SessionSummary } from './types.ts'

/** pg_advisory_xact_lock key of appends: 'wardaudt' read as int8 (decimal: PostgreSQL 15 has no hex literals). */
const APPEND_LOCK = '8602282538711737460'
const PAGE = 1000

const toRecord = (r: { seq: string | number; time: string; prev_hash: string; hash: string; event: string }): StoredRecord =>
  ({ seq: Number(r.seq), time: r.time, prev_hash: r.prev_hash, hash: r.hash, event: r.event })

export async function openPostgresAuditStore(opts: PostgresStoreOptions): Promise<AuditStore> {
  const where = describeConnection(opts.connection)
  const pool = openPool(opts)
  try {
    // In a UTF8 database the server refuses bytes that are not UTF-8. Another encoding either fails appends of
    // characters it lacks, or (SQL_ASCII) stores any bytes, which every reader decodes alike, so a byte changed
    // to another that is not UTF-8 would hash alike and pass verify.
    const { rows } = await pool.query<{ encoding: string }>(`SELECT current_setting('server_encoding') AS encoding`)
    if (rows[0]?.encoding !== 'UTF8') {
      throw new AuditError('audit.store_open', `open audit store on PostgreSQL ${where}: the database's encoding is ${rows[0]?.encoding ?? 'unknown'}, and the audit trail needs UTF8 (CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0)`)
    }
    await migratePostgres(pool, 'audit', POSTGRES_MIGRATIONS, (current, known) =>
      new AuditError('audit.migration', `the audit store is at schema version ${current}, newer than this Warden knows (${known}); upgrade Warden`))
  } catch (err) {
    await pool.end().catch(() => undefined)
    if (err instanceof AuditError) throw err
    throw new AuditError('audit.store_open', `open audit store on PostgreSQL ${where}: ${(err as Error).message}; check audit.postgres in the config`, { cause: err })
  }
  const unavailable = (what: string, err: unknown) =>
    new AuditError('audit.store_unavailable', `${what} on PostgreSQL ${where}: ${(err as Error).message}`, { cause: err })
  // The last record this store appended: it stays as written, whatever other gateways add after it.
  let last: ChainHead | undefined
  const headOf = async (q: pg.Pool | pg.PoolClient): Promise<ChainHead> => {
    const { rows } = await q.query<{ seq: string; hash: string }>(`SELECT seq, hash FROM warden_audit_records ORDER BY seq DESC LIMIT 1`)
    const head = rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : EMPTY_HEAD
    // Read once: another append of this store may move `last` while the query below is on its way, and its hash
    // compared with the record asked for before was a cut that never happened (two appends at once: a false alarm).
    const mine = last
    if (mine) {
      const there = await q.query<{ hash: string }>(`SELECT hash FROM warden_audit_records WHERE seq = $1`, [mine.seq])
      refuseCut(mine, there.rows[0]?.hash, head, `PostgreSQL ${where}`)
    }
    return head
  }
  const columns = `seq, time, prev_hash, hash, event`

  return {
    kind: 'postgres',
    async append(batch) {
      if (!batch.length) return []
      let client: pg.PoolClient | undefined
      try {
        client = await pool.connect()
        // READ COMMITTED whatever the database's default: under REPEATABLE READ the snapshot is the lock statement's,
        // taken before it waited, and the head read after it misses the append that held the lock (a duplicate seq).
        await client.query('BEGIN ISOLATION LEVEL READ COMMITTED')
        await client.query(`SELECT pg_advisory_xact_lock(${APPEND_LOCK})`)
        const records = linkBatch(await headOf(client), batch)
        const values: unknown[] = []
        const tuples = records.map((r) => {
          const ix = indexColumns(r.event)
          const base = values.length
          values.push(r.seq, r.time, r.prev_hash, r.hash, r.eventText, ix.session_id, ix.type, ix.sub, ix.target, ix.effect)
          return `(${Array.from({ length: 10 }, (_, i) => `$${base + i + 1}`).join(', ')})`
        })
        await client.query(`INSERT INTO warden_audit_records (seq, time, prev_hash, hash, event, session_id, type, sub, target, effect) VALUES ${tuples.join(', ')}`, values)
        await client.query('COMMIT')
        last = records.at(-1)
        return records
      } catch (err) {
        await client?.query('ROLLBACK').catch(() => undefined)
        if (err instanceof AuditError) throw err
        throw unavailable('append to audit store', err)
      } finally {
        client?.release()
      }
    },
    async head() {
      try {
        return await headOf(pool)
      } catch (err) {
        if (err instanceof AuditError) throw err
        throw unavailable('read the audit head', err)
      }
    },
    async addCheckpoint(c) {
      try {
        await pool.query(`INSERT INTO warden_audit_checkpoints (seq, hash, time, key_id, signature) VALUES ($1, $2, $3, $4, $5)`, [c.seq, c.hash, c.time, c.key_id, c.signature])
      } catch (err) {
        throw unavailable('append checkpoint to audit store', err)
      }
    },
    async checkpoints() {
      const { rows } = await pool.query(`SELECT seq, hash, time, key_id, signature FROM warden_audit_checkpoints ORDER BY id`)
      return rows.map((r) => ({ ...r, seq: Number(r.seq) }) as Checkpoint)
    },
    async *records() {
      // Storage order (id), paged by keyset so a large trail is never held in memory. The id stays the bigint
      // text PostgreSQL gives: as a number, ids past 2^53 (or below -2^53) are rounded, and a page would start
      // past a record, or before the first one, without reading it (ordered by the column: the alias is text).
      // With the search columns, which verify checks.
      let after: string | undefined
      for (;;) {
        const { rows } = await pool.query(`SELECT id::text AS id, ${columns}, session_id, type, sub, target, effect
          FROM warden_audit_records ${after === undefined ? '' : 'WHERE id > $1::bigint'} ORDER BY warden_audit_records.id LIMIT ${PAGE}`, after === undefined ? [] : [after])
        for (const r of rows) yield { ...toRecord(r), columns: { session_id: r.session_id, type: r.type, sub: r.sub, target: r.target, effect: r.effect } }
        if (rows.length < PAGE) return
        after = rows.at(-1).id as string
      }
    },
    has: async (seq) => (await pool.query(`SELECT 1 FROM warden_audit_records WHERE seq = $1`, [seq])).rowCount! > 0,
    async sessions(filter: SessionFilter = {}, limit) {
      const { rows } = await pool.query(`SELECT session_id, max(sub) AS identity, max(target) AS target, min(time) AS first_time, max(time) AS last_time,
          count(*)::int AS records, count(*) FILTER (WHERE type = 'statement')::int AS statements, count(*) FILTER (WHERE effect = 'deny')::int AS denied
        FROM warden_audit_records WHERE session_id IS NOT NULL GROUP BY session_id
        HAVING ($1::text IS NULL OR max(time) >= $1) AND ($2::text IS NULL OR max(sub) = $2) AND ($3::text IS NULL OR max(target) = $3)
        ORDER BY min(seq) DESC LIMIT $4`, [filter.since ?? null, filter.identity ?? null, filter.target ?? null, limit])
      return rows.reverse().map((r) => {
        for (const k of Object.keys(r)) if (r[k] === null) delete r[k]
        return r as SessionSummary
      })
    },
    async sessionRecords(id, limit) {
      const { rows } = await pool.query(`SELECT ${columns} FROM warden_audit_records WHERE session_id = $1 ORDER BY seq LIMIT $2`, [id, limit])
      return rows.map(toRecord)
    },
    close: () => pool.end(),
  }
}
