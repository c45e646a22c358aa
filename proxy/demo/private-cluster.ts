// The demo target on a real PostgreSQL server: a private cluster in <state_dir>/demo-pg, made on the first
// start (cluster-init.ts) and reused afterwards. It has no TCP listener; its Unix socket sits in a 0700
// directory of the server's user, and the gateway logs in with a SCRAM password kept 0600 in the state
// directory. Every gateway session gets its own server session, as with any upstream.
//
// When the gateway runs as root the server runs as `postgres`: the state directory then becomes
// root:postgres 0710 (postgres may enter it, nobody else may), demo-pg/server/ belongs to postgres, and root
// reaches the socket because root passes any permission check. Other users reach nothing.
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { initializeCluster, GATEWAY_ROLE, resetServerDir } from './cluster-init.ts'
import { clusterLayout, type ClusterLayout, DEMO_PORT, socketPathFits } from './cluster-layout.ts'
import { DemoDatabaseError } from './errors.ts'
import type { PostgresBinaries } from './pg-binaries.ts'
import { type ServerControl, startServer, stopServer, stopServerNow } from './pg-ctl.ts'
import { acquireLock, runningPostmaster } from './process-lock.ts'
import { demoSeeded, seedDemoTables } from './seed.ts'
import { giveToServer, serverCanEnter, type ServerUser } from './server-user.ts'

export interface PrivateCluster {
  /** The socket directory (a libpq-style host) and port naming the socket file in it. */
  socketDir: string
  port: number
  user: string
  password: string
  /** demo-pg/ in the state directory. */
  dir: string
  /** What happened at start, for the log: made, reused, recovered from a crash. */
  events: string[]
  /** Creates database `name` owned by the gateway role and seeds it, unless it exists. */
  ensureDatabase(name: string): Promise<void>
  close(): Promise<void>
}

/** Makes the path down to demo-pg/ enterable by the server user; throws demo.unavailable when it is not. */
function openPathForServer(stateDir: string, layout: ClusterLayout, user: ServerUser): void {
  mkdirSync(layout.root, { recursive: true, mode: 0o700 })
  if (!user.switched) return
  for (const dir of [stateDir, layout.root]) {
    chownSync(dir, statSync(dir).uid, user.gid)
    chmodSync(dir, 0o710)
  }
  if (!serverCanEnter(user, layout.root)) {
    for (const dir of [stateDir, layout.root]) chmodSync(dir, 0o700)
    throw new DemoDatabaseError('demo.unavailable', `the ${user.name} OS user, which runs PostgreSQL when Warden runs as root, cannot enter ${layout.root} (a parent directory is not searchable by it); put state_dir somewhere it can reach, or run Warden as a non-root user`)
  }
}

/** The socket directory: demo-pg/server/socket, or a private temporary one when that path is too long for a socket. */
function makeSocketDir(layout: ClusterLayout, user: ServerUser): { dir: string; temporary: boolean } {
  const temporary = !socketPathFits(layout.socket)
  const dir = temporary ? mkdtempSync(join(tmpdir(), 'warden-demo-pg-')) : layout.socket
  mkdirSync(dir, { recursive: true, mode: 0o700 })
  chmodSync(dir, 0o700)
  giveToServer(user, dir)
  return { dir, temporary }
}

/** After a crash: stops a server its gateway left running, and clears lock files no live server holds. */
async function recoverFromCrash(ctl: ServerControl, layout: ClusterLayout, events: string[]): Promise<void> {
  if (!existsSync(join(layout.data, 'postmaster.pid'))) return
  const pid = runningPostmaster(layout.data)
  if (pid !== undefined) {
    await stopServer(ctl)
    events.push(`stopped the demo server (pid ${pid}) left running by a gateway that exited without stopping it`)
    return
  }
  // PostgreSQL itself ignores a lock file whose pid is dead, but not one whose pid was reused since.
  rmSync(join(layout.data, 'postmaster.pid'), { force: true })
  for (const f of [`.s.PGSQL.${DEMO_PORT}`, `.s.PGSQL.${DEMO_PORT}.lock`]) rmSync(join(layout.socket, f), { force: true })
  events.push('removed a stale postmaster.pid left by a server that did not shut down cleanly')
}

/** A cluster made by another major version cannot be started by these binaries: say so before pg_ctl does. */
function checkMajorVersion(layout: ClusterLayout, bins: PostgresBinaries): void {
  const file = join(layout.data, 'PG_VERSION')
  const made = existsSync(file) ? readFileSync(file, 'utf8').trim() : ''
  if (made && made !== String(bins.major)) {
    throw new DemoDatabaseError('demo.version', `the demo cluster in ${layout.root} was made by PostgreSQL ${made}, but the server binaries found (${bins.bin}) are PostgreSQL ${bins.version}; set PG_BIN to PostgreSQL ${made}'s bin directory, or delete ${layout.root} to make the demo database again (its changes are lost)`)
  }
}

function readPassword(layout: ClusterLayout): string {
  try {
    const password = readFileSync(layout.password, 'utf8').trim()
    if (password) return password
  } catch { /* reported below */ }
  throw new DemoDatabaseError('demo.password', `the demo database's password file ${layout.password} is missing or empty; delete ${layout.root} to make the demo database again (its changes are lost)`)
}

export async function startPrivateCluster(stateDir: string, bins: PostgresBinaries, user: ServerUser): Promise<PrivateCluster> {
  const layout = clusterLayout(stateDir)
  openPathForServer(stateDir, layout, user)
  const lock = acquireLock(layout.lock, layout.root)
  const ctl: ServerControl = { bins, user, data: layout.data, log: layout.log, cwd: layout.root }
  const events: string[] = []
  let socket: { dir: string; temporary: boolean } | undefined
  let started = false
  const onExit = () => stopServerNow(ctl)
  try {
    const initialized = existsSync(layout.initialized)
    if (initialized) {
      checkMajorVersion(layout, bins)
      await recoverFromCrash(ctl, layout, events)
    } else {
      if (existsSync(layout.server)) {
        if (runningPostmaster(layout.data) !== undefined) await stopServer(ctl)
        events.push('made the cluster again: its first start had not finished')
      }
      resetServerDir(layout, ctl)
    }
    socket = makeSocketDir(layout, user)
    if (initialized) {
      await startServer(ctl, socket.dir)
    } else {
      await initializeCluster(ctl, layout, socket.dir)
      events.push(`created a PostgreSQL ${bins.version} cluster in ${layout.data}`)
    }
    started = true
    process.once('exit', onExit)
    const password = readPassword(layout)
    const { dir: socketDir, temporary } = socket
    const connect = async (database: string) => {
      const client = new pg.Client({ host: socketDir, port: DEMO_PORT, user: GATEWAY_ROLE, password, database, application_name: 'warden-demo-setup' })
      client.on('error', () => undefined)
      await client.connect()
      return client
    }
    let closing: Promise<void> | undefined
    return {
      socketDir,
      port: DEMO_PORT,
      user: GATEWAY_ROLE,
      password,
      dir: layout.root,
      events,
      async ensureDatabase(name) {
        const admin = await connect('postgres')
        try {
          const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])
          if (!rowCount) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`)
        } finally {
          await admin.end()
        }
        const db = await connect(name)
        try {
          if (await demoSeeded(db)) return
          await db.query('BEGIN')
          await seedDemoTables(db)
          await db.query('COMMIT')
          events.push(`seeded users and orders in database ${name}`)
        } finally {
          await db.end()
        }
      },
      close: () => (closing ??= (async () => {
        process.off('exit', onExit)
        try {
          await stopServer(ctl)
        } finally {
          if (temporary) rmSync(socketDir, { recursive: true, force: true })
          lock.release()
        }
      })()),
    }
  } catch (err) {
    process.off('exit', onExit)
    if (started) await stopServer(ctl).catch(() => undefined)
    if (socket?.temporary) rmSync(socket.dir, { recursive: true, force: true })
    lock.release()
    throw err
  }
}

