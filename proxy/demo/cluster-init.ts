// The first start of the demo's private cluster: initdb, a configuration with no TCP listener and SCRAM-only
// local authentication, then the gateway's login role. The bootstrap superuser gets a random password that is
// used once and then removed (PASSWORD NULL): after this, only the gateway's role can log in, and only through
// the private Unix socket.
import { randomBytes } from 'node:crypto'
import { appendFileSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import pg from 'pg'
import type { ClusterLayout } from './cluster-layout.ts'
import { DEMO_PORT } from './cluster-layout.ts'
import { RUNTIME_CONF, type ServerControl, startServer, stopServer } from './pg-ctl.ts'
import { giveToServer, runAsServer } from './server-user.ts'

/** The role the gateway logs in as: owns the demo databases and may create more; not a superuser. */
export const GATEWAY_ROLE = 'warden'

const SERVER_SETTINGS = [
  '',
  '# Warden demo cluster: reachable only through the Unix socket in a private (0700) directory.',
  "listen_addresses = ''",
  `port = ${DEMO_PORT}`,
  'unix_socket_permissions = 0700',
  "password_encryption = 'scram-sha-256'",
  'shared_buffers = 16MB',
  'max_connections = 100',
  `include_if_exists = '${RUNTIME_CONF}'`,
  '',
].join('\n')

// Local connections must present the role's password (SCRAM); there is no host line, so TCP is refused even if
// a listener were configured.
const HBA = '# Warden demo cluster: password (SCRAM) over the Unix socket only\nlocal all all scram-sha-256\n'

/** Empties <server>/ for a new cluster; a cluster whose first start did not finish is made again. */
export function resetServerDir(layout: ClusterLayout, ctl: ServerControl): void {
  rmSync(layout.server, { recursive: true, force: true })
  mkdirSync(layout.server, { mode: 0o700 })
  giveToServer(ctl.user, layout.server)
}

/** Runs initdb, starts the server on socketDir and creates the gateway role; the server is left running. */
export async function initializeCluster(ctl: ServerControl, layout: ClusterLayout, socketDir: string): Promise<void> {
  const superPassword = randomBytes(24).toString('base64url')
  const pwfile = join(layout.server, 'initdb.pw')
  writeFileSync(pwfile, `${superPassword}\n`, { mode: 0o600 })
  giveToServer(ctl.user, pwfile)
  try {
    await runAsServer(ctl.user, join(ctl.bins.bin, 'initdb'), [
      '-D', ctl.data, '-U', 'postgres', '--pwfile', pwfile, '-E', 'UTF8', '--no-locale',
      '--auth-local=scram-sha-256', '--auth-host=reject', '--no-instructions',
      // The demo cluster is made again when its first start does not finish, so initdb need not fsync.
      '--no-sync',
    ], { cwd: layout.server, code: 'demo.initdb', what: `create the demo PostgreSQL cluster in ${ctl.data}` })
  } finally {
    rmSync(pwfile, { force: true })
  }
  appendFileSync(join(ctl.data, 'postgresql.conf'), SERVER_SETTINGS)
  writeFileSync(join(ctl.data, 'pg_hba.conf'), HBA)

  await startServer(ctl, socketDir)
  try {
    const password = randomBytes(24).toString('base64url')
    // Written before the role exists, so a crash in between leaves no role without its password on disk.
    writeFileSync(`${layout.password}.tmp`, `${password}\n`, { mode: 0o600 })
    renameSync(`${layout.password}.tmp`, layout.password)
    const admin = new pg.Client({ host: socketDir, port: DEMO_PORT, user: 'postgres', password: superPassword, database: 'postgres', application_name: 'warden-demo-setup' })
    await admin.connect()
    try {
      // base64url has no quote characters, so the literal cannot be broken out of.
      await admin.query(`CREATE ROLE ${GATEWAY_ROLE} LOGIN CREATEDB PASSWORD '${password}'`)
      await admin.query('ALTER ROLE postgres PASSWORD NULL')
    } finally {
      await admin.end()
    }
  } catch (err) {
    await stopServer(ctl).catch(() => undefined)
    throw err
  }
  writeFileSync(layout.initialized, `PostgreSQL ${ctl.bins.version}, made ${new Date().toISOString()}\n`, { mode: 0o600 })
}
