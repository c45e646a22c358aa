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
  const args = ['-X', '-q', '-h', '127.0.0.1', '-p', String(o.port), '-U', o.user ?? 'agent', '-d', o.database, ...(o.args ?? [])]
  return runClient('psql', args, { PGPASSWORD: o.token, PGSSLMODE: o.sslmode ?? 'disable', PGCONNECT_TIMEOUT: '10', ...o.env }, o.script)
}

/** Runs a PostgreSQL client program with `env` over this process's, `stdin` written to it, and collects its output. */
export function runClient(command: string, args: string[], env: Record<string, string>, stdin?: string): Promise<PsqlRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    if (stdin !== undefined) child.stdin!.end(stdin)
  })
}
