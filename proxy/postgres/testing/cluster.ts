// A private PostgreSQL cluster for integration tests: initdb into a temp dir (as the `postgres` OS user when
// running as root, since initdb refuses root), a free port on 127.0.0.1, every statement logged to a file,
// SCRAM-SHA-256 for the `warden` role and md5 for `warden_md5`, TLS on, and seeded `users` / `orders` tables.
import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { appendFileSync, chmodSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import type { UpstreamTarget } from '../backend.ts'
import { SEED_SQL } from './seed.ts'
import { makeSelfSignedCert } from './tls.ts'

/** application_name of the tests' own superuser sessions, which do not go through the gateway. */
export const DIRECT_APP = 'test-direct'

export interface LoggedStatement {
  app: string
  pid: number
  /** "statement" for simple queries, "execute" for extended-protocol executions. */
  kind: 'statement' | 'execute'
  text: string
}

export interface TestCluster {
  host: string
  port: number
  socketDir: string
  database: string
  roles: { scram: { user: string; password: string }; md5: { user: string; password: string } }
  /** The server's certificate (self-signed, for localhost and 127.0.0.1): the CA a verify-full upstream trusts. */
  serverCert: string
  /** The gateway's upstream for the SCRAM role (or the md5 one), optionally over TLS. */
  upstream(opts?: { role?: 'scram' | 'md5'; ssl?: UpstreamTarget['ssl'] }): UpstreamTarget
  /** Runs SQL as the superuser over the Unix socket (not through the gateway). */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>
  /** Byte offset of the log's end, to look only at what is logged after it. */
  logOffset(): number
  log(since?: number): string
  /** log_statement lines (simple `statement:` and extended `execute …:`) logged after `since`. */
  statements(since?: number): LoggedStatement[]
  bin: string
  stop(): Promise<void>
}

const scriptsDir = fileURLToPath(new URL('../../../scripts/', import.meta.url))

function postgresBin(): string {
  const out = execFileSync(process.execPath, [join(scriptsDir, 'ensure-postgres.mjs')], { encoding: 'utf8' })
  return out.trim()
}

/** Ports freePort handed out already: the kernel may offer a just-released port again at once. */
const handedOut = new Set<number>()

/**
 * Where freePort looks: below the kernel's ephemeral range, so no outgoing connection of another test (whose
 * local port comes from that range) can take a port between freePort and the peer's bind. Undefined when the
 * range cannot be read or leaves no room (then the kernel picks, as bind(0) does).
 */
function portsBelowEphemeral(): { low: number; high: number } | undefined {
  try {
    const [ephemeralLow] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    const low = 10_000
    const high = ephemeralLow! - 1
    return Number.isInteger(high) && high - low >= 1_000 ? { low, high } : undefined
  } catch {
    return undefined
  }
}
const outsideEphemeral = portsBelowEphemeral()

/** Binds and releases `port` (0: any); resolves with the port bound, or undefined when it is in use. */
function tryPort(port: number): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err)))
    srv.listen(port, '127.0.0.1', () => {
      const bound = (srv.address() as net.AddressInfo).port
      srv.close(() => resolve(bound))
    })
  })
}

/** A port free on 127.0.0.1 now, never one this process was given before (two calls give two ports). */
export async function freePort(): Promise<number> {
  for (;;) {
    const pick = outsideEphemeral ? outsideEphemeral.low + Math.floor(Math.random() * (outsideEphemeral.high - outsideEphemeral.low + 1)) : 0
    const port = await tryPort(pick)
    if (port !== undefined && !handedOut.has(port)) {
      handedOut.add(port)
      return port
    }
  }
}

export const portTakenIn = (text: string): boolean => /address already in use/i.test(text)

/**
 * Runs `start` again, at most `tries` times in all, when it failed because another process bound the port
 * freePort gave it before the peer did: a port is only free until someone binds it, and the test runner runs
 * test files side by side, each binding ports of its own while a peer of this one is still starting.
 */
export async function retryWhenPortTaken<T>(start: () => Promise<T>, tries = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start()
    } catch (err) {
      if (attempt >= tries || !portTakenIn(err instanceof Error ? err.message : String(err))) throw err
    }
  }
}

function osUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
  return { uid, gid }
}

function run(bin: string, args: string[], owner: { uid: number; gid: number } | undefined): void {
  const r = spawnSync(bin, args, { encoding: 'utf8', ...(owner ?? {}) })
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`)
}

const LINE = /^\S+ \S+ \S+ \[(\d+)\] <(.*?)> ([A-Z]+):  (.*)$/

function parseStatements(text: string): LoggedStatement[] {
  const out: LoggedStatement[] = []
  let current: LoggedStatement | undefined
  for (const line of text.split('\n')) {
    const m = LINE.exec(line)
    if (!m) {
      // Continuation lines of a multi-line statement start with a tab.
      if (current && line.startsWith('\t')) current.text += '\n' + line.slice(1)
      continue
    }
    current = undefined
    const [, pid, app, level, body] = m
    if (level !== 'LOG') continue
    const s = /^statement: ([\s\S]*)$/.exec(body!)
    const e = /^execute [^:]*: ([\s\S]*)$/.exec(body!)
    if (s || e) {
      current = { app: app!, pid: Number(pid), kind: s ? 'statement' : 'execute', text: (s ?? e)![1]! }
      out.push(current)
    }
  }
  return out
}

export interface ClusterOptions {
  /** log_statement = 'all' (default), which the server-log checks need; benchmarks turn it off. */
  logStatements?: boolean
  /** max_connections (default 200); the benchmark's idle sessions need more. */
  maxConnections?: number
  /** Where each try's port comes from (default freePort); a test gives a taken one first. */
  port?: () => Promise<number>
}

export async function startCluster(opts: ClusterOptions = {}): Promise<TestCluster> {
  const bin = postgresBin()
  const owner = osUser()
  const root = mkdtempSync(join(tmpdir(), 'warden-pg-'))
  const dataDir = join(root, 'data')
  const logFile = join(root, 'postgres.log')
  const superPassword = randomBytes(12).toString('hex')
  const roles = {
    scram: { user: 'warden', password: `scram-${randomBytes(9).toString('hex')}` },
    md5: { user: 'warden_md5', password: `md5-${randomBytes(9).toString('hex')}` },
  }
  writeFileSync(join(root, 'pw'), superPassword)
  writeFileSync(logFile, '')
  if (owner) {
    for (const p of [root, join(root, 'pw'), logFile]) chownSync(p, owner.uid, owner.gid)
  }
  chmodSync(root, 0o700)
  run(join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--pwfile', join(root, 'pw'), '-E', 'UTF8', '--no-locale', '--auth-local=trust', '--auth-host=scram-sha-256'], owner)
  const cert = makeSelfSignedCert()
  writeFileSync(join(dataDir, 'server.crt'), cert.cert)
  writeFileSync(join(dataDir, 'server.key'), cert.key, { mode: 0o600 })
  if (owner) for (const f of ['server.crt', 'server.key']) chownSync(join(dataDir, f), owner.uid, owner.gid)
  appendFileSync(join(dataDir, 'postgresql.conf'), [
    `listen_addresses = '127.0.0.1'`,
    `unix_socket_directories = '${root}'`,
    `log_statement = '${opts.logStatements === false ? 'none' : 'all'}'`,
    `log_destination = 'stderr'`,
    `logging_collector = off`,
    `log_line_prefix = '%m [%p] <%a> '`,
    `ssl = on`,
    `fsync = off`,
    `synchronous_commit = off`,
    `full_page_writes = off`,
    `max_connections = ${opts.maxConnections ?? 200}`,
    '',
  ].join('\n'))
  writeFileSync(join(dataDir, 'pg_hba.conf'), [
    'local all all trust',
    `host all ${roles.md5.user} 127.0.0.1/32 md5`,
    'host all all 127.0.0.1/32 scram-sha-256',
    '',
  ].join('\n'))
  // The last `port` line of postgresql.conf counts: each try appends the port it was given.
  const port = await retryWhenPortTaken(async () => {
    const port = await (opts.port ?? freePort)()
    appendFileSync(join(dataDir, 'postgresql.conf'), `port = ${port}\n`)
    const since = readFileSync(logFile).length
    try {
      run(join(bin, 'pg_ctl'), ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start'], owner)
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${readFileSync(logFile).subarray(since).toString('utf8')}`, { cause: err })
    }
    return port
  })

  const connect = async (database: string) => {
    const c = new pg.Client({ host: root, port, user: 'postgres', database, application_name: DIRECT_APP })
    await c.connect()
    return c
  }
  const admin = await connect('postgres')
  try {
    await admin.query(`CREATE ROLE ${roles.scram.user} LOGIN PASSWORD '${roles.scram.password}'`)
    await admin.query(`SET password_encryption = 'md5'`)
    await admin.query(`CREATE ROLE ${roles.md5.user} LOGIN PASSWORD '${roles.md5.password}'`)
    await admin.query(`CREATE DATABASE app OWNER ${roles.scram.user}`)
  } finally {
    await admin.end()
  }
  const app = await connect('app')
  try {
    await app.query(`SET ROLE ${roles.scram.user}`)
    await app.query(SEED_SQL)
    await app.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${roles.md5.user}`)
  } finally {
    await app.end()
  }

  const cluster: TestCluster = {
    host: '127.0.0.1',
    port,
    socketDir: root,
    database: 'app',
    roles,
    bin,
    serverCert: cert.cert,
    upstream: ({ role = 'scram', ssl = 'disable' } = {}) => ({ host: '127.0.0.1', port, database: 'app', user: roles[role].user, password: roles[role].password, ssl }),
    async query(sql, params) {
      const c = await connect('app')
      try {
        return (await c.query(sql, params)).rows
      } finally {
        await c.end()
      }
    },
    logOffset: () => readFileSync(logFile).length,
    log: (since = 0) => readFileSync(logFile).subarray(since).toString('utf8'),
    statements: (since = 0) => parseStatements(readFileSync(logFile).subarray(since).toString('utf8')),
    async stop() {
      if (existsSync(join(dataDir, 'postmaster.pid'))) run(join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop'], owner)
      rmSync(root, { recursive: true, force: true })
    },
  }
  return cluster
}
