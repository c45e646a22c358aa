// Runs the real pg_dump (the cluster's own binary) against the gateway (async: the gateway runs in this process).
import { spawn } from 'node:child_process'
import { join } from 'node:path'

export interface PgDumpRun {
  code: number | null
  stdout: string
  stderr: string
}

export interface PgDumpOptions {
  /** The PostgreSQL bin directory (TestCluster.bin). */
  bin: string
  port: number
  database: string
  token: string
  args?: string[]
}

export function runPgDump(o: PgDumpOptions): Promise<PgDumpRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(o.bin, 'pg_dump'), ['-h', '127.0.0.1', '-p', String(o.port), '-U', 'agent', '-d', o.database, ...(o.args ?? [])], {
      env: { ...process.env, PGPASSWORD: o.token, PGSSLMODE: 'disable', PGCONNECT_TIMEOUT: '10' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}
