// The fallback demo target where no PostgreSQL server is installed: a PGlite (PostgreSQL compiled to WASM)
// database behind pglite-socket, seeded with sample customers and orders.
//
// pglite-socket (0.2.x) performs no authentication: every startup gets AuthenticationOk, whatever user or
// password was sent, and the session is always the superuser. So it listens on no TCP port at all, only on
// a Unix socket in a fresh private directory (mode 0700, under the OS temporary directory), which only the
// gateway's OS user (and root) can enter. What remains: any process of that same user can connect without
// a password — as it could read the gateway's state directory anyway.
//
// Its limits, which the start-up output repeats (PGLITE_LIMITS): PGlite is one single-threaded backend, so
// all gateway sessions share one server session. With `maxConnections` above 1 pglite-socket multiplexes
// connections over a query queue that keeps an open transaction on the connection that began it, so other
// connections wait for it; a SET or a client_encoding change made by one session is seen by all. Past the
// connection limit it writes "Too many connections" and closes, so the limit is set generously.
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DEMO_PORT } from './cluster-layout.ts'
import { DemoDatabaseError } from './errors.ts'
import { demoSeeded, seedDemoTables } from './seed.ts'

export interface EmbeddedPostgres {
  /** The private socket directory (a libpq-style host: a path); the socket file is .s.PGSQL.<port> in it. */
  host: string
  port: number
  database: string
  user: string
  close(): Promise<void>
}

export const PGLITE_LIMITS = 'one shared backend session: SET, open transactions and client_encoding are shared by every gateway session, and a transaction left open makes the others wait; single-threaded'

const MAX_CONNECTIONS = 64

/** Starts a seeded demo database; in memory unless dataDir is given (then seeded only on first use). */
export async function startEmbeddedPostgres(dataDir?: string): Promise<EmbeddedPostgres> {
  let db: PGlite
  try {
    db = await PGlite.create(dataDir)
  } catch (err) {
    throw new DemoDatabaseError('demo.start', `start the embedded demo database${dataDir ? ` in ${dataDir}` : ''}: ${(err as Error).message}`, { cause: err })
  }
  // mkdtemp makes the directory 0700; the socket inside is reachable only through it.
  const socketDir = mkdtempSync(join(tmpdir(), 'warden-pglite-'))
  try {
    await seedDemo(db)
    const server = new PGLiteSocketServer({ db, path: join(socketDir, `.s.PGSQL.${DEMO_PORT}`), maxConnections: MAX_CONNECTIONS })
    await server.start()
    let closed = false
    return {
      host: socketDir,
      port: DEMO_PORT,
      database: 'postgres',
      user: 'postgres',
      async close() {
        if (closed) return
        closed = true
        try {
          await server.stop()
          await db.close()
        } finally {
          rmSync(socketDir, { recursive: true, force: true })
        }
      },
    }
  } catch (err) {
    await db.close().catch(() => undefined)
    rmSync(socketDir, { recursive: true, force: true })
    throw new DemoDatabaseError('demo.start', `start the embedded demo database: ${(err as Error).message}`, { cause: err })
  }
}

/** Creates and fills users and orders unless a users table already exists. */
export async function seedDemo(db: PGlite): Promise<void> {
  if (await demoSeeded(db)) return
  await db.transaction((tx) => seedDemoTables(tx))
}
