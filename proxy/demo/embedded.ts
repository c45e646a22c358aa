// The embedded demo target: a PGlite (PostgreSQL compiled to WASM) database behind pglite-socket on
// 127.0.0.1, seeded with sample customers and orders, so `npm start` works without a real server.
//
// What pglite-socket does, as of 0.2.x: it performs no authentication (every startup gets
// AuthenticationOk, whatever user or database was asked for; the session is always postgres/postgres) and
// answers SSLRequest with 'N'. PGlite itself runs one query at a time; with `maxConnections` above 1 the
// socket server multiplexes connections over a query queue that keeps an open transaction on the
// connection that began it. Past the limit it writes "Too many connections" and closes, so the limit is
// set generously for the gateway's upstream connections.
import { PGlite } from '@electric-sql/pglite'
import { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { DEMO_SCHEMA_SQL, DEMO_USERS, demoOrders } from './seed.ts'
import { CodedError } from '../../engine/errors.ts'

export interface EmbeddedPostgres {
  host: string
  port: number
  database: string
  user: string
  close(): Promise<void>
}

export class EmbeddedPostgresError extends CodedError<string> {}

const MAX_CONNECTIONS = 64

/** Starts a seeded demo database; in memory unless dataDir is given (then seeded only on first use). */
export async function startEmbeddedPostgres(dataDir?: string): Promise<EmbeddedPostgres> {
  let db: PGlite
  try {
    db = await PGlite.create(dataDir)
  } catch (err) {
    throw new EmbeddedPostgresError('demo.start', `start the embedded demo database${dataDir ? ` in ${dataDir}` : ''}: ${(err as Error).message}`, { cause: err })
  }
  try {
    await seedDemo(db)
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: MAX_CONNECTIONS })
    await server.start()
    const port = Number(server.getServerConn().split(':').pop())
    let closed = false
    return {
      host: '127.0.0.1',
      port,
      database: 'postgres',
      user: 'postgres',
      async close() {
        if (closed) return
        closed = true
        await server.stop()
        await db.close()
      },
    }
  } catch (err) {
    await db.close().catch(() => undefined)
    throw new EmbeddedPostgresError('demo.start', `start the embedded demo database: ${(err as Error).message}`, { cause: err })
  }
}

/** Creates and fills users and orders unless a users table already exists. */
export async function seedDemo(db: PGlite): Promise<void> {
  const existing = await db.query<{ present: boolean }>(`SELECT to_regclass('public.users') IS NOT NULL AS present`)
  if (existing.rows[0]?.present) return
  await db.transaction(async (tx) => {
    await tx.exec(DEMO_SCHEMA_SQL)
    for (const u of DEMO_USERS) {
      await tx.query('INSERT INTO users (name, email, phone, card_number, plan) VALUES ($1, $2, $3, $4, $5)', [u.name, u.email, u.phone, u.card_number, u.plan])
    }
    for (const o of demoOrders(DEMO_USERS.length)) {
      await tx.query('INSERT INTO orders (user_id, amount_cents, status, created_at) VALUES ($1, $2, $3, $4)', [o.user_id, o.amount_cents, o.status, o.created_at])
    }
  })
}
