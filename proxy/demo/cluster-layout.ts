// Where the demo's private PostgreSQL cluster keeps its files, under <state_dir>/demo-pg:
//
//   demo-pg/              the gateway's (0700; root:postgres 0710 when the gateway is root, so the server can enter)
//     gateway.pid         the gateway running the cluster (process-lock.ts)
//     password            the gateway role's random password (0600, the gateway's user only)
//     initialized         written last by the first start; without it a half-made cluster is made again
//     server/             the server user's (0700)
//       data/             PGDATA
//       socket/           the Unix socket directory (0700): the only way in, no TCP listener
//       postgres.log      the server log
import { join, resolve } from 'node:path'

export const DEMO_PORT = 5432
/** sockaddr_un.sun_path holds 108 bytes with the terminating NUL; PostgreSQL refuses longer socket paths. */
export const MAX_SOCKET_PATH = 107

export interface ClusterLayout {
  root: string
  lock: string
  password: string
  initialized: string
  server: string
  data: string
  socket: string
  log: string
}

export function clusterLayout(stateDir: string): ClusterLayout {
  // Absolute: pg_ctl runs in another working directory, and a socket directory must be absolute.
  const root = join(resolve(stateDir), 'demo-pg')
  const server = join(root, 'server')
  return {
    root,
    lock: join(root, 'gateway.pid'),
    password: join(root, 'password'),
    initialized: join(root, 'initialized'),
    server,
    data: join(server, 'data'),
    socket: join(server, 'socket'),
    log: join(server, 'postgres.log'),
  }
}

/** Whether the socket file in dir fits in a Unix socket address. */
export function socketPathFits(dir: string): boolean {
  return Buffer.byteLength(`${dir}/.s.PGSQL.${DEMO_PORT}`) <= MAX_SOCKET_PATH
}
