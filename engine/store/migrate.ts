// Versioned schemas, per component ('audit', 'approvals') and dialect. A version is applied once, in order, and
// recorded in warden_schema_migrations; a database with a newer version than this Warden knows is refused.
import type Database from 'better-sqlite3'
import type pg from 'pg'
import { whileBusy } from './sqlite-file.ts'

export interface Migration {
  version: number
  description: string
  sql: string
}

/** Makes the error for a database at schema version `current`, newer than `known`. */
export type NewerSchema = (current: number, known: number) => Error

export function migrateSqlite(db: Database.Database, component: string, migrations: readonly Migration[], newer: NewerSchema): void {
  whileBusy(() => migrateSqliteOnce(db, component, migrations, newer))
}

function migrateSqliteOnce(db: Database.Database, component: string, migrations: readonly Migration[], newer: NewerSchema): void {
  db.exec(`CREATE TABLE IF NOT EXISTS warden_schema_migrations (component TEXT NOT NULL, version INTEGER NOT NULL, description TEXT NOT NULL, applied_at TEXT NOT NULL, PRIMARY KEY (component, version))`)
  const run = db.transaction(() => {
    const row = db.prepare(`SELECT max(version) AS v FROM warden_schema_migrations WHERE component = ?`).get(component) as { v: number | null }
    const current = row.v ?? 0
    const known = migrations.at(-1)!.version
    if (current > known) throw newer(current, known)
    for (const m of migrations.filter((m) => m.version > current)) {
      db.exec(m.sql)
      db.prepare(`INSERT INTO warden_schema_migrations VALUES (?, ?, ?, ?)`).run(component, m.version, m.description, new Date().toISOString())
    }
  })
  run.immediate()
}

/** pg_advisory_xact_lock key of migrations: 'wardmigr' read as int8 (decimal: PostgreSQL 15 has no hex literals). */
const MIGRATE_LOCK = '8602282538912278386'

export async function migratePostgres(pool: pg.Pool, component: string, migrations: readonly Migration[], newer: NewerSchema): Promise<void> {
  const client = await pool.connect()
  try {
    await client.query('BEGIN')
    await client.query(`SELECT pg_advisory_xact_lock(${MIGRATE_LOCK})`)
    await client.query(`CREATE TABLE IF NOT EXISTS warden_schema_migrations (component text NOT NULL, version int NOT NULL, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (component, version))`)
    const { rows } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM warden_schema_migrations WHERE component = $1`, [component])
    const current = rows[0]?.v ?? 0
    const known = migrations.at(-1)!.version
    if (current > known) throw newer(current, known)
    for (const m of migrations.filter((m) => m.version > current)) {
      await client.query(m.sql)
      await client.query(`INSERT INTO warden_schema_migrations (component, version, description) VALUES ($1, $2, $3)`, [component, m.version, m.description])
    }
    await client.query('COMMIT')
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw err
  } finally {
    client.release()
  }
}
