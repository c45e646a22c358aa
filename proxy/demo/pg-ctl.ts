// Starting and stopping the demo cluster's server with pg_ctl, as the server user. The socket directory is
// written to warden-runtime.conf (included by postgresql.conf) before each start, because it can change
// between starts (a temporary directory when the state directory's path is too long for a socket address).
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { PostgresBinaries } from './pg-binaries.ts'
import { giveToServer, runAsServer, type ServerUser } from './server-user.ts'

export interface ServerControl {
  bins: PostgresBinaries
  user: ServerUser
  data: string
  log: string
  /** Working directory for pg_ctl: one the server user can enter. */
  cwd: string
}

export const RUNTIME_CONF = 'warden-runtime.conf'

/** A single-quoted postgresql.conf string. */
export function confString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`
}

function logTail(path: string): string {
  if (!existsSync(path)) return ''
  const lines = readFileSync(path, 'utf8').trimEnd().split('\n')
  return lines.slice(-8).join('\n')
}

export async function startServer(ctl: ServerControl, socketDir: string): Promise<void> {
  const runtime = join(ctl.data, RUNTIME_CONF)
  writeFileSync(runtime, `# written by Warden at each start\nunix_socket_directories = ${confString(socketDir)}\n`, { mode: 0o600 })
  giveToServer(ctl.user, runtime)
  try {
    await runAsServer(ctl.user, join(ctl.bins.bin, 'pg_ctl'), ['start', '-D', ctl.data, '-l', ctl.log, '-w', '-t', '60', '-s'], { cwd: ctl.cwd, code: 'demo.start', what: 'start the demo PostgreSQL server' })
  } catch (err) {
    const tail = logTail(ctl.log)
    if (tail) (err as Error).message += `\nlast lines of ${ctl.log}:\n${tail}`
    throw err
  }
}

/** Fast shutdown: open sessions are ended and their transactions rolled back, then the server exits. */
export async function stopServer(ctl: ServerControl): Promise<void> {
  await runAsServer(ctl.user, join(ctl.bins.bin, 'pg_ctl'), ['stop', '-D', ctl.data, '-m', 'fast', '-w', '-t', '60', '-s'], { cwd: ctl.cwd, code: 'demo.stop', what: 'stop the demo PostgreSQL server' })
}

/**
 * Immediate shutdown from a process 'exit' handler, where nothing asynchronous runs: a gateway that dies of an
 * uncaught error still takes its demo server down (the next start recovers the data like after a crash).
 */
export function stopServerNow(ctl: ServerControl): void {
  spawnSync(join(ctl.bins.bin, 'pg_ctl'), ['stop', '-D', ctl.data, '-m', 'immediate', '-w', '-t', '20', '-s'], {
    cwd: ctl.cwd,
    stdio: 'ignore',
    timeout: 30_000,
    ...(ctl.user.switched ? { uid: ctl.user.uid, gid: ctl.user.gid } : {}),
  })
}
