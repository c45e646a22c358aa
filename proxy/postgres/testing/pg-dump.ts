// Runs the real pg_dump (the cluster's own binary) against the gateway (async: the gateway runs in this process).
import { join } from 'node:path'
import { runClient, type PsqlRun } from './psql.ts'

export interface PgDumpOptions {
  /** The PostgreSQL bin directory (TestCluster.bin). */
  bin: string
  port: number
  database: string
  token: string
  args?: string[]
}

export function runPgDump(o: PgDumpOptions): Promise<PsqlRun> {
  const args = ['-h', '127.0.0.1', '-p', String(o.port), '-U', 'agent', '-d', o.database, ...(o.args ?? [])]
  return runClient(join(o.bin, 'pg_dump'), args, { PGPASSWORD: o.token, PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '10' })
}
