// Chooses and starts the backend of the embedded demo targets. WARDEN_DEMO_BACKEND picks it:
//   auto (default)  a private PostgreSQL cluster when server binaries are installed and usable, else PGlite;
//   postgres        the private cluster, or a start error saying why it cannot run;
//   pglite          PGlite, even where PostgreSQL is installed.
// Either way the demo database is reached only through a Unix socket in a private directory.
import { PGLITE_LIMITS, type EmbeddedPostgres, startEmbeddedPostgres } from './embedded.ts'
import { DemoDatabaseError } from './errors.ts'
import { findPostgresBinaries } from './pg-binaries.ts'
import { type PrivateCluster, startPrivateCluster } from './private-cluster.ts'
import { serverUser } from './server-user.ts'

export type DemoBackend = 'auto' | 'postgres' | 'pglite'

export interface DemoEndpoint {
  host: string
  port: number
  database: string
  user: string
  password?: string
  /** Where the target's data lives, for the start-up summary. */
  label: string
}

export interface DemoDatabases {
  backend: 'postgres' | 'pglite'
  /** One line for the start-up output: which backend runs, where, and its limits. */
  description: string
  /** What happened at start (cluster made, crash recovered), for the log. */
  notes: string[]
  /** Why PGlite runs although PostgreSQL was not ruled out by WARDEN_DEMO_BACKEND=pglite, for the summary. */
  warnings: string[]
  endpoint(target: string): DemoEndpoint
  close(): Promise<void>
}

export interface DemoOptions {
  stateDir: string
  /** WARDEN_DEMO_BACKEND and PG_BIN are read from here. */
  env: Record<string, string | undefined>
}

/** The backend asked for in WARDEN_DEMO_BACKEND; throws demo.backend on anything else. */
export function demoBackendSetting(env: Record<string, string | undefined>): DemoBackend {
  const value = (env.WARDEN_DEMO_BACKEND ?? 'auto').trim().toLowerCase() || 'auto'
  if (value === 'auto' || value === 'postgres' || value === 'pglite') return value
  throw new DemoDatabaseError('demo.backend', `WARDEN_DEMO_BACKEND is "${env.WARDEN_DEMO_BACKEND}"; set it to auto, postgres or pglite, or unset it`)
}

export async function startDemoDatabases(targets: readonly string[], opts: DemoOptions): Promise<DemoDatabases> {
  const setting = demoBackendSetting(opts.env)
  if (setting === 'pglite') return startPglite(targets, [])
  const bins = findPostgresBinaries(opts.env)
  if (!bins) {
    const where = opts.env.PG_BIN ? `in PG_BIN=${opts.env.PG_BIN}` : 'under /usr/lib/postgresql/*/bin or on PATH'
    const missing = `no PostgreSQL server binaries (initdb, pg_ctl, postgres) found ${where}; install PostgreSQL (Debian: apt-get install postgresql) or set PG_BIN to the directory holding them`
    if (setting === 'postgres') throw new DemoDatabaseError('demo.no_postgres', `WARDEN_DEMO_BACKEND=postgres, but ${missing}`)
    return startPglite(targets, [`${missing}; using PGlite instead`])
  }
  let cluster: PrivateCluster
  try {
    cluster = await startPrivateCluster(opts.stateDir, bins, serverUser())
  } catch (err) {
    const code = (err as DemoDatabaseError).code
    if (setting === 'auto' && (code === 'demo.unavailable' || code === 'demo.os_user')) {
      return startPglite(targets, [`the private PostgreSQL cluster cannot run here: ${(err as Error).message}; using PGlite instead`])
    }
    throw err
  }
  try {
    for (const name of targets) await cluster.ensureDatabase(name)
  } catch (err) {
    await cluster.close().catch(() => undefined)
    throw new DemoDatabaseError('demo.seed', `prepare the demo databases in ${cluster.dir}: ${(err as Error).message}`, { cause: err })
  }
  const label = `PostgreSQL ${bins.version} private cluster at ${cluster.dir}`
  return {
    backend: 'postgres',
    description: `${label} (Unix socket only, in a 0700 directory; SCRAM password; one server session per gateway session)`,
    notes: cluster.events,
    warnings: [],
    endpoint: (target) => ({ host: cluster.socketDir, port: cluster.port, database: target, user: cluster.user, password: cluster.password, label }),
    close: () => cluster.close(),
  }
}

async function startPglite(targets: readonly string[], warnings: string[]): Promise<DemoDatabases> {
  const started = new Map<string, EmbeddedPostgres>()
  const closeAll = async () => {
    for (const db of started.values()) await db.close().catch(() => undefined)
  }
  try {
    for (const name of targets) started.set(name, await startEmbeddedPostgres())
  } catch (err) {
    await closeAll()
    throw err
  }
  return {
    backend: 'pglite',
    description: `PGlite, in memory, on a private Unix socket — limits: ${PGLITE_LIMITS}`,
    notes: [],
    warnings,
    endpoint(target) {
      const db = started.get(target)
      if (!db) throw new DemoDatabaseError('demo.unknown', `no embedded demo database was started for target ${target}`)
      return { host: db.host, port: db.port, database: db.database, user: db.user, label: 'PGlite' }
    },
    close: closeAll,
  }
}
