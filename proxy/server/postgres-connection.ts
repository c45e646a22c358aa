// The pg connection of a store on a shared PostgreSQL (audit.postgres, approvals.postgres): the password comes
// from the environment variable the config names, never from the config itself.
import type pg from 'pg'
import type { StorePostgresConfig } from '../../engine/config/types.ts'
import { CodedError } from '../../engine/errors.ts'

export class StoreConnectionError extends CodedError<'store.password_env'> {}

export function postgresConnection(pg: StorePostgresConfig, env: Record<string, string | undefined>, field: string): pg.PoolConfig {
  const password = pg.password_env ? env[pg.password_env] : undefined
  if (pg.password_env && !password) {
    throw new StoreConnectionError('store.password_env', `${field}.password_env names ${pg.password_env}, which is ${password === undefined ? 'not set' : 'set but empty'}; export it before starting`)
  }
  return { host: pg.host, port: pg.port, database: pg.database, user: pg.user, password, ssl: pg.ssl || undefined }
}

export const describePostgres = (pg: StorePostgresConfig) => `postgres ${pg.host}:${pg.port}/${pg.database}`
