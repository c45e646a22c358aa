// The connection pool of a store on a shared PostgreSQL (audit, approvals): bounded waits, and idle clients that
// lose their server do not crash the gateway.
import pg from 'pg'

export interface PostgresStoreOptions {
  /** A pg connection string or config (password from the environment, never from a file in the repo). */
  connection: string | pg.PoolConfig
  /** Pool size. */
  max?: number
}

/** host:port/database, or the URL with its password hidden: for messages. */
export function describeConnection(connection: PostgresStoreOptions['connection']): string {
  if (typeof connection === 'string') return connection.replace(/:\/\/([^:@/]+):[^@/]*@/, '://$1:***@')
  return `${connection.host ?? 'localhost'}:${connection.port ?? 5432}/${connection.database ?? ''}`
}

export const clientConfigOf = (connection: PostgresStoreOptions['connection']): pg.ClientConfig =>
  typeof connection === 'string' ? { connectionString: connection } : connection

export function openPool(opts: PostgresStoreOptions): pg.Pool {
  // Bounded waits: an unreachable server fails the query (and, failing closed, the statement) within seconds
  // instead of holding every statement behind a hung TCP connect.
  const pool = new pg.Pool({ connectionTimeoutMillis: 5_000, query_timeout: 15_000, ...clientConfigOf(opts.connection), max: opts.max ?? 4 })
  // An idle client that loses its server must not crash the gateway; the next query reports it.
  pool.on('error', () => undefined)
  return pool
}
