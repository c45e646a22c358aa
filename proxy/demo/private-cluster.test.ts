// The private demo cluster on the installed PostgreSQL server binaries: made once, reached only through its
// private Unix socket with the gateway role's password, reused across restarts, recovered after a crash.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { clusterLayout } from './cluster-layout.ts'
import { findPostgresBinaries } from './pg-binaries.ts'
import { type PrivateCluster, startPrivateCluster } from './private-cluster.ts'
import { processRuns } from './process-lock.ts'
import { DEMO_USERS } from './seed.ts'
import { serverUser } from './server-user.ts'

const bins = findPostgresBinaries()
if (!bins) throw new Error('PostgreSQL server binaries not found; run `node scripts/ensure-postgres.mjs` (npm test does)')
const user = serverUser()
// When the tests run as root the server runs as `postgres`, which must be able to enter the state directory.
const dir = mkdtempSync(join(tmpdir(), 'warden-demo-pg-'))
chmodSync(dir, 0o711)
const stateDir = join(dir, 'state')
const layout = clusterLayout(stateDir)

function client(cluster: PrivateCluster, over: Partial<pg.ClientConfig> = {}): pg.Client {
  const c = new pg.Client({ host: cluster.socketDir, port: cluster.port, user: cluster.user, password: cluster.password, database: 'demo', ...over })
  c.on('error', () => undefined)
  return c
}

async function refused(c: pg.Client): Promise<Error> {
  return c.connect().then(() => { void c.end(); throw new Error('connected') }, (err: Error) => err)
}

/** Listening TCP sockets held by pid, from /proc (what `ss -ltnp` shows for it). */
function tcpListeners(pid: number): string[] {
  const inodes = new Set<string>()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    const link = (() => { try { return readlinkSync(`/proc/${pid}/fd/${fd}`) } catch { return '' } })()
    const m = /^socket:\[(\d+)\]$/.exec(link)
    if (m) inodes.add(m[1]!)
  }
  const out: string[] = []
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/)
      if (f[3] === '0A' && inodes.has(f[9]!)) out.push(f[1]!)
    }
  }
  return out
}

const postmasterPid = () => Number(readFileSync(join(layout.data, 'postmaster.pid'), 'utf8').split('\n')[0])

test('the first start makes a seeded cluster with no TCP listener, a 0700 socket directory and a 0600 password', async () => {
  const cluster = await startPrivateCluster(stateDir, bins, user)
  try {
    assert.match(cluster.events.join('\n'), 'created a PostgreSQL')
    await cluster.ensureDatabase('demo')
    assert.match(cluster.events.join('\n'), 'seeded users and orders in database demo')
    assert.is(statSync(cluster.socketDir).mode & 0o777, 0o700)
    assert.is(statSync(cluster.socketDir).uid, user.uid)
    assert.is(statSync(layout.password).mode & 0o777, 0o600)
    assert.is(statSync(layout.password).uid, process.getuid!())
    assert.equal(tcpListeners(postmasterPid()), [])
    const hba = readFileSync(join(layout.data, 'pg_hba.conf'), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'))
    assert.equal(hba, ['local all all scram-sha-256'])
    const c = client(cluster)
    await c.connect()
    try {
      assert.is((await c.query('SHOW listen_addresses')).rows[0].listen_addresses, '')
      assert.is((await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n, DEMO_USERS.length)
      const me = (await c.query('SELECT rolsuper, rolcreatedb FROM pg_roles WHERE rolname = current_user')).rows[0]
      assert.equal(me, { rolsuper: false, rolcreatedb: true })
    } finally {
      await c.end()
    }
  } finally {
    await cluster.close()
  }
  assert.not.ok(existsSync(join(layout.data, 'postmaster.pid')), 'server still running after close')
  assert.not.ok(existsSync(layout.lock), 'lock left after close')
})

test('a wrong password, the bootstrap superuser and TCP on the default port are all refused', async () => {
  const cluster = await startPrivateCluster(stateDir, bins, user)
  try {
    assert.match((await refused(client(cluster, { password: 'wrong' }))).message, 'password authentication failed')
    assert.match((await refused(client(cluster, { user: 'postgres', password: 'postgres' }))).message, /password/)
    const tcp = await refused(new pg.Client({ host: '127.0.0.1', port: cluster.port, user: cluster.user, password: cluster.password, database: 'demo', connectionTimeoutMillis: 2000 }))
    assert.match((tcp as NodeJS.ErrnoException).code ?? tcp.message, /ECONNREFUSED|timeout/)
  } finally {
    await cluster.close()
  }
})

test('a restart reuses the cluster and keeps changes; a second gateway on the same state directory is refused', async () => {
  const first = await startPrivateCluster(stateDir, bins, user)
  try {
    assert.equal(first.events, [])
    await first.ensureDatabase('demo')
    assert.equal(first.events, [], 'seeded again')
    const c = client(first)
    await c.connect()
    await c.query("UPDATE users SET plan = 'kept' WHERE id = 2")
    await c.end()
    const second = await startPrivateCluster(stateDir, bins, user).then(() => undefined, (err: Error & { code: string }) => err)
    assert.is(second?.code, 'demo.in_use')
    assert.match(second!.message, `already run by another Warden gateway (pid ${process.pid})`)
  } finally {
    await first.close()
  }
  const again = await startPrivateCluster(stateDir, bins, user)
  try {
    const c = client(again)
    await c.connect()
    assert.is((await c.query('SELECT plan FROM users WHERE id = 2')).rows[0].plan, 'kept')
    await c.end()
  } finally {
    await again.close()
  }
})

/** A pid that belonged to a process that has exited: the lock of a gateway that crashed. */
function deadPid(): number {
  return Number(spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' }).stdout.trim())
}

test('after a gateway crash: its orphaned server is stopped and restarted; a killed server leaves a stale pid file that is cleared', async () => {
  const crashed = await startPrivateCluster(stateDir, bins, user)
  await crashed.ensureDatabase('demo')
  const orphan = postmasterPid()
  writeFileSync(layout.lock, `${deadPid()}\n`)
  const recovered = await startPrivateCluster(stateDir, bins, user)
  try {
    assert.match(recovered.events.join('\n'), `stopped the demo server (pid ${orphan})`)
    assert.is.not(postmasterPid(), orphan)
    const postmaster = postmasterPid()
    const children = spawnSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean).map(Number)
    process.kill(postmaster, 'SIGKILL')
    // The killed server's processes notice and exit on their own; wait for the last of them.
    const alive = () => [postmaster, ...children].some((pid) => processRuns(pid, 'postgres'))
    for (let i = 0; i < 400 && alive(); i++) await new Promise((r) => setTimeout(r, 25))
  } finally {
    writeFileSync(layout.lock, `${deadPid()}\n`)
  }
  assert.ok(existsSync(join(layout.data, 'postmaster.pid')))
  const afterKill = await startPrivateCluster(stateDir, bins, user)
  try {
    assert.match(afterKill.events.join('\n'), 'removed a stale postmaster.pid')
    const c = client(afterKill)
    await c.connect()
    assert.is((await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n, DEMO_USERS.length)
    await c.end()
  } finally {
    await afterKill.close()
  }
})

test('a state directory too deep for a socket address gets a private temporary socket directory; a relative one works', async () => {
  const parent = join(dir, 'a-directory-name-long-enough-to-push-the-socket-path-past-its-limit')
  mkdirSync(parent, { mode: 0o711 })
  const deep = join(parent, 'state')
  const cluster = await startPrivateCluster(deep, bins, user)
  try {
    assert.ok(cluster.socketDir.startsWith(tmpdir()), cluster.socketDir)
    assert.is(statSync(cluster.socketDir).mode & 0o777, 0o700)
    await cluster.ensureDatabase('demo')
    const c = client(cluster)
    await c.connect()
    assert.is((await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n, DEMO_USERS.length)
    await c.end()
  } finally {
    await cluster.close()
  }
  assert.not.ok(existsSync(cluster.socketDir), 'temporary socket directory left behind')
  const cwd = process.cwd()
  process.chdir(dir)
  try {
    const relative = await startPrivateCluster('state', bins, user)
    assert.is(relative.dir, layout.root)
    await relative.close()
  } finally {
    process.chdir(cwd)
  }
})

test('a cluster made by another major version is refused with what to do', async () => {
  const err = await startPrivateCluster(stateDir, { ...bins, major: bins.major + 1, version: `${bins.major + 1}.0` }, user).then(async (c) => { await c.close(); return undefined }, (e: Error & { code: string }) => e)
  assert.is(err?.code, 'demo.version')
  assert.match(err!.message, `made by PostgreSQL ${bins.major}`)
  assert.match(err!.message, 'set PG_BIN')
  assert.not.ok(existsSync(layout.lock), 'lock kept after a refused start')
})

test('a gateway that dies of an uncaught error takes its demo server down with it', () => {
  const module = new URL('./private-cluster.ts', import.meta.url).href
  const users = new URL('./server-user.ts', import.meta.url).href
  const binaries = new URL('./pg-binaries.ts', import.meta.url).href
  const script = `
    import { startPrivateCluster } from ${JSON.stringify(module)}
    import { serverUser } from ${JSON.stringify(users)}
    import { findPostgresBinaries } from ${JSON.stringify(binaries)}
    await startPrivateCluster(${JSON.stringify(stateDir)}, findPostgresBinaries(), serverUser())
    console.log('started')
    setTimeout(() => { throw new Error('boom') }, 10)
  `
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', cwd: new URL('../..', import.meta.url).pathname, timeout: 60_000 })
  assert.match(r.stdout, 'started', r.stderr)
  assert.match(r.stderr, 'boom')
  assert.not.ok(existsSync(join(layout.data, 'postmaster.pid')), 'demo server left running')
})

test('a cluster whose first start did not finish is made again', async () => {
  rmSync(layout.initialized)
  const cluster = await startPrivateCluster(stateDir, bins, user)
  try {
    assert.match(cluster.events.join('\n'), 'made the cluster again')
    assert.match(cluster.events.join('\n'), 'created a PostgreSQL')
  } finally {
    await cluster.close()
  }
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
