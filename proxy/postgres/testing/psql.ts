// Runs the real psql against the gateway with a script on stdin (async: the gateway runs in this process).
import { spawn } from 'node:child_process'

export interface PsqlRun {
  code: number | null
  stdout: string
  stderr: string
}

export interface PsqlOptions {
  port: number
  database: string
  token: string
  script: string
  user?: string
  sslmode?: 'disable' | 'require' | 'prefer'
  /** Extra psql arguments, e.g. ['-A', '-t']. */
  args?: string[]
  env?: Record<string, string>
}

export function runPsql(o: PsqlOptions): Promise<PsqlRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('psql', ['-X', '-q', '-h', '127.0.0.1', '-p', String(o.port), '-U', o.user ?? 'agent', '-d', o.database, ...(o.args ?? [])], {
      env: { ...process.env, PGPASSWORD: o.token, PGSSLMODE: o.sslmode ?? 'disable', PGCONNECT_TIMEOUT: '10', ...o.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(o.script)
  })
}
