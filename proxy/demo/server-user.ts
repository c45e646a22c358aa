// The OS user the demo's PostgreSQL server runs as. initdb and postgres refuse to run as root, so a gateway
// running as root runs them as the `postgres` OS user (which the Debian packages create); otherwise the
// server runs as the gateway's own user. Commands run asynchronously so a slow initdb does not stall the
// gateway's event loop.
import { execFile, execFileSync, spawnSync } from 'node:child_process'
import { chownSync } from 'node:fs'
import { userInfo } from 'node:os'
import { DemoDatabaseError } from './errors.ts'

export interface ServerUser {
  name: string
  uid: number
  gid: number
  /** True when the gateway is root and the server runs as another user (root can still reach its files). */
  switched: boolean
}

/** The server's OS user; throws demo.os_user when running as root and no `postgres` user exists. */
export function serverUser(): ServerUser {
  const uid = process.getuid?.() ?? -1
  if (uid !== 0) return { name: userInfo().username, uid, gid: process.getgid?.() ?? -1, switched: false }
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim())
    return { name: 'postgres', uid: id('-u'), gid: id('-g'), switched: true }
  } catch (err) {
    throw new DemoDatabaseError('demo.os_user', 'PostgreSQL refuses to run as root and there is no `postgres` OS user to run it as; create one (useradd --system postgres), run Warden as a non-root user, or set WARDEN_DEMO_BACKEND=pglite', { cause: err })
  }
}

/** Hands a path the gateway created to the server user (a no-op unless running as root). */
export function giveToServer(user: ServerUser, path: string): void {
  if (user.switched) chownSync(path, user.uid, user.gid)
}

/** Whether the server user can enter dir (every parent searchable); always true without a user switch. */
export function serverCanEnter(user: ServerUser, dir: string): boolean {
  if (!user.switched) return true
  const r = spawnSync('/bin/sh', ['-c', 'cd -- "$1"', 'sh', dir], { uid: user.uid, gid: user.gid, stdio: 'ignore', timeout: 10_000 })
  return r.status === 0
}

/** PostgreSQL reads PG* variables (PGDATA, PGPORT …); the demo passes everything explicitly instead. */
function serverEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PG')) env[k] = v
  env.LC_ALL = 'C'
  return env
}

/** Runs a server binary as the server user; rejects with the command's own output when it fails. */
export function runAsServer(user: ServerUser, file: string, args: string[], opts: { cwd: string; timeoutMs?: number; code: string; what: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, {
      cwd: opts.cwd,
      env: serverEnv(),
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 120_000,
      ...(user.switched ? { uid: user.uid, gid: user.gid } : {}),
    }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout)
      const output = `${stderr}${stdout}`.trim().split('\n').slice(-6).join('\n')
      reject(new DemoDatabaseError(opts.code, `${opts.what}: ${file} ${args[0] ?? ''} failed${output ? `:\n${output}` : ` (${err.message})`}`, { cause: err }))
    })
  })
}
