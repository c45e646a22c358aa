// Benchmark: pgbench select-only (-S) at 1 and 8 clients against the same private PostgreSQL 15 cluster,
// directly, through pgbouncer, and through Warden (real engine, default policy with its masks, an agent token,
// the default audit trail: SQLite, waited on before each statement, plus the JSON-lines copy), in one run. Each route is run with the simple query protocol (the headline) and with `-M prepared`
// (extended protocol, one Parse per connection, then Bind/Execute/Sync per transaction). Prints TPS and average
// latency per mode, the ratios Warden/direct and Warden/pgbouncer, the gateway's RSS with 200 idle sessions,
// and the load average (other processes on the machine skew every figure: compare ratios of one run).
// `--audit sqlite,jsonl` runs one Warden per audit setup, to show what the durable wait costs: `sqlite` is the
// default trail in the state directory (fsync per commit, on the store's own thread), `sqlite-inline` the
// same store committing on the socket thread, `sqlite-tmpfs` on /dev/shm (no disk flush), `jsonl` the
// JSON-lines file alone (no durable wait).
// The default policy allows pgbench's `SELECT abalance FROM pgbench_accounts WHERE aid = …` for agents with
// its mask obligations, so every row goes through the masker (column rules + content detectors).
// Usage: npm run bench:postgres [-- --seconds 10] [--modes simple,prepared,extended] [--routes direct,pgbouncer,warden]
//        [--clients 1,8] [--audit sqlite,sqlite-inline,sqlite-tmpfs,jsonl] [--idle-sessions 200]
// Profile the gateway side: node --cpu-prof --import tsx scripts/bench/postgres.ts --routes warden
import { execFileSync, spawn } from 'node:child_process'
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import net from 'node:net'
import { availableParallelism, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import pino from 'pino'
import { loadPolicy, packageRoot } from '../../cli/policy.ts'
import { createMemoryApprovalStore } from '../../engine/approvals/index.ts'
import { defaultConfig } from '../../engine/config/defaults.ts'
import { DecidePool } from '../../engine/decide/pool.ts'
import { createGatewayEngine } from '../../engine/gateway-engine.ts'
import { createVerifier, generateDevKey, signDevToken } from '../../engine/identity/index.ts'
import { startPostgresListener } from '../../proxy/postgres/listener.ts'
import { openAuditTrail } from '../../proxy/server/audit-trail.ts'
import { startMemoryTrim } from '../../proxy/server/memory-trim.ts'
import { freePort, startCluster } from '../../proxy/postgres/testing/cluster.ts'
import { testTarget } from '../../proxy/postgres/testing/engine.ts'

/** `extended` (Parse of the same text every transaction) is available on request; it shows the judgement cache. */
const MODES = ['simple', 'prepared', 'extended'] as const
const DEFAULT_MODES = ['simple', 'prepared']
const ROUTES = ['direct', 'pgbouncer', 'warden'] as const
const AUDITS = ['sqlite', 'sqlite-inline', 'sqlite-tmpfs', 'jsonl'] as const
type Mode = (typeof MODES)[number]
type RouteName = (typeof ROUTES)[number]
type AuditSetup = (typeof AUDITS)[number]

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    modes: { type: 'string', default: DEFAULT_MODES.join(',') },
    routes: { type: 'string', default: ROUTES.join(',') },
    clients: { type: 'string', default: '1,8' },
    audit: { type: 'string', default: 'sqlite' },
    'decide-threads': { type: 'string', default: '0' },
    'idle-sessions': { type: 'string', default: '200' },
  },
})
const seconds = Number(values.seconds)
if (!Number.isInteger(seconds) || seconds < 1) throw new Error(`--seconds must be a positive integer, got ${values.seconds}`)

function listOption<T extends string>(name: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(',').map((v) => v.trim()).filter(Boolean)
  const bad = items.filter((v) => !allowed.includes(v as T))
  if (bad.length || !items.length) throw new Error(`--${name} takes a comma-separated list of ${allowed.join(', ')}; got ${value}`)
  return items as T[]
}
const modes = listOption('modes', values.modes, MODES)
const routeNames = listOption('routes', values.routes, ROUTES)
const audits = listOption('audit', values.audit, AUDITS)
const decideThreads = values['decide-threads'].split(',').map(Number)
if (decideThreads.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`--decide-threads takes a comma-separated list of thread counts, got ${values['decide-threads']}`)
/** One Warden per audit setup and decide-thread count; the first is called plain `warden`. */
const variants = audits.flatMap((audit) => decideThreads.map((threads) => ({ audit, threads })))
const variantName = (v: { audit: AuditSetup; threads: number }, i: number) => i === 0 ? 'warden' : `warden/${v.audit}${v.threads ? `+${v.threads}t` : ''}`
const CLIENTS = values.clients.split(',').map(Number)
if (CLIENTS.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`--clients takes a comma-separated list of positive integers, got ${values.clients}`)
const idleSessions = Number(values['idle-sessions'])
if (!Number.isInteger(idleSessions) || idleSessions < 0) throw new Error(`--idle-sessions must be a non-negative integer, got ${values['idle-sessions']}`)

interface Result {
  /** `warden` alone for the first audit setup, `warden/<audit>` for the others. */
  route: string
  mode: Mode
  clients: number
  tps: number
  latencyMs: number
  /** CPU time of this process (where Warden runs) per transaction, for Warden routes: robust to other load. */
  cpuUs?: number
}


/** Runs a command without blocking the event loop (Warden runs in this process). */
function run(cmd: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d))
    child.stderr.on('data', (d: Buffer) => (out += d))
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}:\n${out}`))))
  })
}

/** The pgbouncer database alias with session pooling, used for `-M prepared`. */
const PGBOUNCER_SESSION_DB = 'app_session'

interface Route {
  route: string
  port: number
  user: string
  password: string
  /** Passwords the idle sessions take in turn (Warden: several agents' tokens; one caller may hold 32 sessions). */
  idlePasswords?: string[]
}

async function pgbench(bin: string, r: Route, mode: Mode, clients: number): Promise<Result> {
  const database = r.route === 'pgbouncer' && mode === 'prepared' ? PGBOUNCER_SESSION_DB : 'app'
  const out = await run(join(bin, 'pgbench'), [
    '-n', '-S', '-M', mode, '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds),
    '-h', '127.0.0.1', '-p', String(r.port), '-U', r.user, database,
  ], { PGPASSWORD: r.password, PGSSLMODE: 'disable' })
  const tps = /tps = ([\d.]+)/.exec(out)
  const latency = /latency average = ([\d.]+) ms/.exec(out)
  if (!tps || !latency) throw new Error(`cannot read pgbench output for ${r.route}:\n${out}`)
  return { route: r.route, mode, clients, tps: Number(tps[1]), latencyMs: Number(latency[1]) }
}

async function startPgbouncer(pgPort: number, user: string, password: string): Promise<{ port: number; stop(): void }> {
  execFileSync(process.execPath, [join(packageRoot, 'scripts', 'ensure-postgres.mjs'), '--pgbouncer'], { stdio: ['ignore', 'ignore', 'inherit'] })
  const dir = mkdtempSync(join(tmpdir(), 'warden-pgbouncer-'))
  const port = await freePort()
  writeFileSync(join(dir, 'userlist.txt'), `"${user}" "${password}"\n`)
  writeFileSync(join(dir, 'pgbouncer.ini'), [
    '[databases]',
    `app = host=127.0.0.1 port=${pgPort} dbname=app`,
    // Protocol-level prepared statements need session pooling (transaction pooling carries them only from 1.21).
    `${PGBOUNCER_SESSION_DB} = host=127.0.0.1 port=${pgPort} dbname=app pool_mode=session`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = scram-sha-256',
    `auth_file = ${join(dir, 'userlist.txt')}`,
    'pool_mode = transaction',
    'default_pool_size = 10',
    'max_client_conn = 100',
    `logfile = ${join(dir, 'pgbouncer.log')}`,
    '',
  ].join('\n'))
  // pgbouncer refuses to run as root: run it as the postgres OS user then.
  let owner: { uid: number; gid: number } | undefined
  if (process.getuid?.() === 0) {
    owner = { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) }
    for (const f of ['', 'userlist.txt', 'pgbouncer.ini']) chownSync(join(dir, f), owner.uid, owner.gid)
  }
  const child = spawn('pgbouncer', [join(dir, 'pgbouncer.ini')], { stdio: 'ignore', ...(owner ?? {}) })
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => {
        s.destroy()
        resolve(true)
      })
      s.on('error', () => resolve(false))
    })
    if (up) break
    await new Promise((r) => setTimeout(r, 50))
  }
  return {
    port,
    stop() {
      child.kill('SIGTERM')
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** The audit trail of one setup: the gateway's own (proxy/server/audit-trail.ts), as `npm start` opens it. */
async function openTrail(setup: AuditSetup, stateDir: string) {
  const config = defaultConfig()
  config.state_dir = setup === 'sqlite-tmpfs' ? mkdtempSync(join('/dev/shm', 'warden-bench-')) : stateDir
  config.audit.destination = join(stateDir, `audit-${setup}.jsonl`)
  if (setup === 'jsonl') config.audit.store = 'pino'
  const trail = await openAuditTrail(config, { log: pino({ level: 'warn' }), env: {}, storeThread: setup !== 'sqlite-inline' })
  return {
    sink: trail.sink,
    async close() {
      await trail.close()
      if (setup === 'sqlite-tmpfs') rmSync(config.state_dir, { recursive: true, force: true })
    },
  }
}

async function startWarden(cluster: Awaited<ReturnType<typeof startCluster>>, stateDir: string, setup: AuditSetup, threads: number) {
  const config = defaultConfig()
  config.state_dir = stateDir
  config.policy.source = join(packageRoot, 'policies')
  config.targets = [testTarget('app')]
  const keys = await generateDevKey()
  const { decider } = await loadPolicy(config)
  const audit = await openTrail(setup, stateDir)
  const pool = threads ? new DecidePool({ threads }) : undefined
  await pool?.start(decider)
  const engine = await createGatewayEngine(config, {
    verifier: createVerifier(config.identity, { devPublicJwk: keys.publicJwk }),
    approvals: createMemoryApprovalStore(),
    audit: audit.sink,
    decider,
    pool,
  })
  const listener = await startPostgresListener({
    host: '127.0.0.1',
    port: 0,
    allowPlaintext: false,
    engine,
    upstream: () => cluster.upstream(),
    holdSeconds: 5,
    maskKey: new Uint8Array(32).fill(3),
  })
  const token = await signDevToken(keys.privateJwk, { issuer: 'warden-dev', audience: 'warden', sub: 'pgbench', groups: ['agents'], ttlSeconds: 3600 })
  // Idle sessions as many agents hold them: each caller may hold upstream.max_sessions_per_caller (32) at once.
  const idleTokens = await Promise.all(Array.from({ length: 10 }, (_, i) => signDevToken(keys.privateJwk, { issuer: 'warden-dev', audience: 'warden', sub: `idle-agent-${i}`, groups: ['agents'], ttlSeconds: 3600 })))
  return { listener, token, idleTokens, audit, pool }
}

const mb = (bytes: number) => (bytes / 1048576).toFixed(0)

/** Returns freed native memory to the system on an interval, as the gateway process does (proxy/server.ts). */
const memory = startMemoryTrim()

/**
 * This process's RSS (the gateway runs in it) before and after `count` sessions are opened and left idle, each
 * read after the gateway's next timed memory trim (at most 10 s: what a gateway left idle that long shows).
 */
async function idleRss(r: Route, count: number): Promise<{ before: number; after: number }> {
  const settle = async () => {
    globalThis.gc?.()
    await memory.next()
    return process.memoryUsage.rss()
  }
  const before = await settle()
  const child = spawn(process.execPath, ['--import', 'tsx', join(packageRoot, 'scripts', 'bench', 'idle-sessions.ts'), String(r.port), r.user, String(count)], {
    env: { ...process.env, PGPASSWORD: r.password, PGPASSWORDS: (r.idlePasswords ?? [r.password]).join(' ') },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let out = ''
  child.stdout.on('data', (d: Buffer) => (out += d))
  child.stderr.on('data', (d: Buffer) => (out += d))
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', () => out.includes('ready\n') && resolve())
      void closed.then((code) => reject(new Error(`idle sessions exited ${code} before they were all open:\n${out}`)))
    })
    return { before, after: await settle() }
  } finally {
    child.stdin.end()
    await closed
  }
}

function report(results: Result[], mode: Mode, version: string): void {
  const rows = results.filter((r) => r.mode === mode)
  const pad = (v: string | number, n: number) => String(v).padStart(n)
  const label = { simple: 'simple query protocol', prepared: 'extended protocol, -M prepared', extended: 'extended protocol, -M extended' }[mode]
  process.stdout.write(`\npgbench select-only, ${label}, ${seconds} s per run, PostgreSQL ${version}\n`)
  if (mode === 'prepared' && rows.some((r) => r.route === 'pgbouncer')) process.stdout.write('(pgbouncer with session pooling in this mode)\n')
  process.stdout.write('\n')
  const width = Math.max(10, ...rows.map((r) => r.route.length))
  process.stdout.write(`${'route'.padEnd(width)} ${pad('clients', 7)} ${pad('TPS', 10)} ${pad('avg ms', 8)} ${pad('gateway CPU µs/txn', 19)}\n`)
  for (const r of rows) process.stdout.write(`${r.route.padEnd(width)} ${pad(r.clients, 7)} ${pad(r.tps.toFixed(0), 10)} ${pad(r.latencyMs.toFixed(3), 8)} ${pad(r.cpuUs === undefined ? '' : r.cpuUs.toFixed(0), 19)}\n`)
  process.stdout.write('\n')
  for (const clients of CLIENTS) {
    const at = (route: string) => rows.find((r) => r.route === route && r.clients === clients)
    for (const w of rows.filter((r) => r.route.startsWith('warden') && r.clients === clients)) {
      const ratios = (['direct', 'pgbouncer'] as const).flatMap((route) => {
        const other = at(route)
        return other ? [`${w.route}/${route} TPS ${(w.tps / other.tps).toFixed(2)}, latency ${(w.latencyMs / other.latencyMs).toFixed(2)}x`] : []
      })
      const direct = at('direct')
      const added = direct ? `; added latency ${(w.latencyMs - direct.latencyMs).toFixed(3)} ms` : ''
      if (ratios.length) process.stdout.write(`${clients} client(s): ${ratios.join('; ')}${added}\n`)
    }
  }
}

const cpus = availableParallelism()
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ')

const loadAtStart = load()
// Room for the idle sessions beside pgbouncer's pools and the gateways' catalog sessions.
const cluster = await startCluster({ logStatements: false, maxConnections: idleSessions + 60 })
const stateDir = mkdtempSync(join(tmpdir(), 'warden-bench-'))
const { scram } = cluster.roles
let bouncer: { port: number; stop(): void } | undefined
const wardens: Awaited<ReturnType<typeof startWarden>>[] = []
try {
  process.stderr.write('initialising pgbench tables (scale 1)…\n')
  await run(join(cluster.bin, 'pgbench'), ['-i', '-q', '-s', '1', '-h', '127.0.0.1', '-p', String(cluster.port), '-U', scram.user, 'app'], { PGPASSWORD: scram.password })
  const routes: Route[] = []
  for (const name of routeNames) {
    if (name === 'direct') routes.push({ route: name, port: cluster.port, user: scram.user, password: scram.password })
    if (name === 'pgbouncer') {
      bouncer = await startPgbouncer(cluster.port, scram.user, scram.password)
      routes.push({ route: name, port: bouncer.port, user: scram.user, password: scram.password })
    }
    if (name === 'warden') {
      for (const [i, v] of variants.entries()) {
        const warden = await startWarden(cluster, stateDir, v.audit, v.threads)
        wardens.push(warden)
        routes.push({ route: variantName(v, i), port: warden.listener.address.port, user: 'pgbench', password: warden.token, idlePasswords: warden.idleTokens })
      }
    }
  }
  const first = routes.find((r) => r.route === 'warden')
  const idle = async () => {
    if (!first || idleSessions === 0) return undefined
    process.stderr.write(`opening ${idleSessions} idle sessions through warden…\n`)
    return idleRss(first, idleSessions)
  }
  const fresh = await idle()
  const results: Result[] = []
  for (const mode of modes) {
    for (const clients of CLIENTS) {
      for (const r of routes) {
        process.stderr.write(`pgbench -S -M ${mode} -c ${clients} -T ${seconds} via ${r.route}…\n`)
        const cpu = process.cpuUsage()
        const result = await pgbench(cluster.bin, r, mode, clients)
        const used = process.cpuUsage(cpu)
        if (r.route.startsWith('warden')) result.cpuUs = (used.user + used.system) / (result.tps * seconds)
        results.push(result)
      }
    }
  }
  const version = (await cluster.query<{ server_version: string }>('SHOW server_version'))[0]!.server_version
  for (const mode of modes) report(results, mode, version)
  const loaded = await idle()
  if (fresh && loaded) {
    const m = process.memoryUsage()
    const perSession = (r: { before: number; after: number }) => `${((r.after - r.before) / idleSessions / 1024).toFixed(0)} KB a session`
    process.stdout.write(`\ngateway process RSS (${wardens.length} gateway${wardens.length > 1 ? 's' : ''} in it): ${mb(fresh.before)} MB started, ${mb(fresh.after)} MB with ${idleSessions} idle sessions (${perSession(fresh)}); ` +
      `after the runs ${mb(loaded.before)} MB, ${mb(loaded.after)} MB with ${idleSessions} idle sessions (${perSession(loaded)}); V8 heap ${mb(m.heapTotal)} MB; ` +
      `each read after the gateway's timed malloc_trim (${memory.count} so far, longest ${memory.longestMs.toFixed(1)} ms, on a worker thread)\n`)
  }
  process.stdout.write(`wardens: ${variants.map((v, i) => `${variantName(v, i)} = audit ${v.audit}, ${v.threads} decide threads`).join('; ')}\n`)
  for (const [i, w] of wardens.entries()) if (w.pool) process.stdout.write(`${variantName(variants[i]!, i)}: ${w.pool.used} decisions from decide threads, ${w.pool.unused} not used\n`)
  process.stdout.write(`load average (1, 5, 15 min): ${loadAtStart} at start, ${load()} at end, ${cpus} CPUs\n`)
} finally {
  for (const warden of wardens) {
    await warden.listener.close()
    await warden.audit.close()
    await warden.pool?.close()
  }
  bouncer?.stop()
  memory.stop()
  await cluster.stop()
  rmSync(stateDir, { recursive: true, force: true })
}
