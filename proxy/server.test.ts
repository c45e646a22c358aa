// startGateway end to end: real policies compiled by OPA, the embedded demo database (the private PostgreSQL
// cluster), the PostgreSQL listener driven by `pg` with a dev token, and an approval given through the admin
// API over HTTP; then a restart on the same state directory, and the PGlite fallback.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { pino } from 'pino'
import { loadOrCreateDevKey } from './server/dev-key.ts'
import { defaultConfig } from '../engine/config/defaults.ts'
import type { Config } from '../engine/config/types.ts'
import { signDevToken } from '../engine/identity/dev-issuer.ts'
import { createAdminClient } from './admin/client.ts'
import { type RunningGateway, startGateway } from './server.ts'
import { openSqliteAuditStore } from '../engine/audit/store/sqlite.ts'
import { verifyChain } from '../engine/audit/chain/verify.ts'
import { auditKeyPaths, loadPublicKey } from './server/audit-key.ts'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..')
const dir = mkdtempSync(join(tmpdir(), 'warden-gateway-'))
// When the tests run as root, the demo cluster's server runs as `postgres`, which must enter the state directory.
chmodSync(dir, 0o711)
// The private cluster or a start error: never a silent fallback to PGlite here.
const env = { WARDEN_DEMO_BACKEND: 'postgres' }
const logLines: string[] = []
const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) })

function testConfig(): Config {
  const config = defaultConfig()
  config.state_dir = join(dir, 'state')
  config.listeners.postgres.port = 0
  config.listeners.admin.port = 0
  config.policy.source = join(packageRoot, 'policies')
  config.audit.destination = join(dir, 'state', 'audit.jsonl')
  config.approvals.hold_seconds = 60
  config.targets = [
    { name: 'demo', kind: 'postgres', environment: 'production', labels: {}, embedded: true },
    { name: 'prod-db', kind: 'postgres', environment: 'production', labels: {}, upstream: { host: '127.0.0.1', port: 1, database: 'app', user: 'warden', password_env: 'WARDEN_TEST_UNSET_PASSWORD' } },
  ]
  return config
}

let gateway: RunningGateway
let config: Config

async function token(sub: string, groups: string[], stateDir = config.state_dir): Promise<string> {
  const { privateJwk } = await loadOrCreateDevKey(stateDir)
  return signDevToken(privateJwk, { issuer: 'warden-dev', audience: 'warden', sub, groups, ttlSeconds: 300 })
}

async function connect(database: string, password: string, on = gateway): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: on.postgres.address.port, database, user: 'cursor', password })
  client.on('error', () => undefined)
  await client.connect()
  return client
}

test.before(async () => {
  config = testConfig()
  gateway = await startGateway(config, { log, packageRoot, env })
})

test.after(async () => {
  await gateway?.close()
  rmSync(dir, { recursive: true, force: true })
})

test('starts on ephemeral ports with a private state directory, mask key and generated TLS pair', () => {
  assert.ok(gateway.postgres.address.port > 0)
  assert.match(gateway.admin.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  // Running as root, the demo's server user `postgres` may enter the state directory (group search), nothing more.
  assert.is(statSync(config.state_dir).mode & 0o777, process.getuid?.() === 0 ? 0o710 : 0o700)
  assert.is(statSync(join(config.state_dir, 'mask.key')).size, 32)
  assert.ok(statSync(join(config.state_dir, 'tls', 'cert.pem')).isFile())
})

test('the start-up summary says where to connect and how to get a token; a missing password is a warning', () => {
  assert.match(gateway.summary, `127.0.0.1:${gateway.postgres.address.port}`)
  assert.match(gateway.summary, gateway.admin.url)
  assert.match(gateway.summary, 'npx warden token --as cursor --group agents')
  assert.match(gateway.summary, 'psql "host=127.0.0.1')
  assert.match(gateway.summary, 'embedded demo database')
  assert.match(gateway.summary, 'WARDEN_TEST_UNSET_PASSWORD')
  const warnings = logLines.map((l) => JSON.parse(l)).filter((l) => l.level === 40)
  assert.ok(warnings.some((w) => w.msg.includes('WARDEN_TEST_UNSET_PASSWORD')))
})

test('an agent reads the demo users through the gateway, with emails masked', async () => {
  const client = await connect('demo', await token('cursor', ['agents']))
  try {
    const { rows } = await client.query('SELECT id, name, email FROM users ORDER BY id LIMIT 3')
    assert.is(rows.length, 3)
    assert.is(rows[0].name, 'Ada Lovelace')
    assert.is.not(rows[0].email, 'ada.lovelace@example.com')
  } finally {
    await client.end()
  }
})

test('the demo target is a private PostgreSQL cluster in the state directory, on a Unix socket only', async () => {
  assert.is(gateway.demo?.backend, 'postgres')
  assert.match(gateway.summary, `Demo DB     PostgreSQL `)
  assert.match(gateway.summary, `private cluster at ${join(config.state_dir, 'demo-pg')}`)
  assert.match(gateway.summary, /demo\s+postgres · production · embedded demo database \(PostgreSQL/)
  const endpoint = gateway.demo!.endpoint('demo')
  assert.ok(endpoint.host.startsWith(join(config.state_dir, 'demo-pg')), endpoint.host)
  assert.is(statSync(endpoint.host).mode & 0o777, 0o700)
  const client = await connect('demo', await token('cursor', ['agents']))
  try {
    assert.is((await client.query('SHOW listen_addresses')).rows[0].listen_addresses, '')
  } finally {
    await client.end()
  }
})

test('two gateway sessions on the demo target are independent: SET, an open transaction, client_encoding', async () => {
  const [a, b] = [await connect('demo', await token('cursor', ['agents'])), await connect('demo', await token('cursor', ['agents']))]
  try {
    await a.query(`SET statement_timeout = '4321ms'`)
    assert.is((await a.query('SHOW statement_timeout')).rows[0].statement_timeout, '4321ms')
    assert.is((await b.query('SHOW statement_timeout')).rows[0].statement_timeout, '0')
    await a.query('BEGIN')
    await a.query('SELECT count(*) FROM users')
    const started = Date.now()
    const { rows } = await b.query('SELECT count(*)::int AS n FROM orders')
    assert.ok(rows[0].n > 0)
    // Behind A's open transaction B would wait until A's COMMIT below, which never comes first; the bound is
    // only for a clear message, wide enough for a loaded machine.
    assert.ok(Date.now() - started < 10_000, `B waited ${Date.now() - started} ms behind A's open transaction`)
    assert.is((await b.query('SELECT pg_backend_pid() AS pid')).rows[0].pid === (await a.query('SELECT pg_backend_pid() AS pid')).rows[0].pid, false)
    await a.query('COMMIT')
    // Whatever the gateway decides about it, one session's encoding must not reach another session.
    await a.query(`SET client_encoding = 'SJIS'`).catch(() => undefined)
    assert.is((await b.query('SHOW client_encoding')).rows[0].client_encoding, 'UTF8')
    assert.is((await b.query('SELECT name FROM users WHERE id = 1')).rows[0].name, 'Ada Lovelace')
  } finally {
    await a.end()
    await b.end()
  }
})

test('a second gateway on the same state directory is refused while the first runs', async () => {
  const second = { ...testConfig(), listeners: { ...config.listeners } }
  const err = await startGateway(second, { log, packageRoot, env }).then(async (g) => { await g.close(); return undefined }, (e: Error & { code: string }) => e)
  assert.is(err?.code, 'demo.in_use')
  assert.match(err!.message, 'already run by another Warden gateway')
})

test('a connection to a target whose password variable was missing fails with a clear error', async () => {
  const err = await connect('prod-db', await token('cursor', ['agents'])).then(
    (c) => { void c.end(); return undefined },
    (e: Error) => e,
  )
  assert.ok(err, 'connected')
  assert.match(err!.message, 'WARDEN_TEST_UNSET_PASSWORD')
})

test('a held write is released when a DBA approves it through the admin API; both are audited', async () => {
  const client = await connect('demo', await token('cursor', ['agents']))
  const admin = createAdminClient(gateway.admin.url, await token('alice', ['dba']))
  try {
    const write = client.query("UPDATE orders SET status = 'refunded' WHERE id = 1")
    let pending = await admin.list('pending')
    for (let i = 0; i < 200 && pending.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 25))
      pending = await admin.list('pending')
    }
    assert.is(pending.length, 1)
    assert.is(pending[0]!.requester.sub, 'cursor')
    const approved = await admin.approve(pending[0]!.id, 'test approval')
    assert.is(approved.status, 'approved')
    const result = await write
    assert.is(result.rowCount, 1)
  } finally {
    await client.end()
  }
  const health = await fetch(`${gateway.admin.url}/healthz`)
  assert.is(health.status, 200)
})

test('close() stops both listeners and flushes the audit log', async () => {
  await gateway.close()
  const refused = await fetch(`${gateway.admin.url}/healthz`).then(() => false, () => true)
  assert.ok(refused, 'admin still answering')
  const events = readFileSync(config.audit.destination, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  assert.ok(events.some((e) => e.type === 'approval' && e.outcome === 'approved'))
  assert.ok(events.some((e) => e.type === 'statement'))
  await gateway.close()
  assert.not.ok(existsSync(join(config.state_dir, 'demo-pg', 'server', 'data', 'postmaster.pid')), 'demo server still running')
})

test('the same events are in the SQLite trail, which verifies with the checkpoint signed at shutdown', async () => {
  const store = openSqliteAuditStore(join(config.state_dir, 'audit', 'trail.db'))
  try {
    const checkpoints = await store.checkpoints()
    const report = await verifyChain({ records: () => store.records(), has: (s) => store.has(s), checkpoints, keys: [loadPublicKey(auditKeyPaths(config.state_dir).public)] })
    assert.ok(report.ok, report.failure?.message)
    assert.is(checkpoints.at(-1)!.seq, report.head.seq, 'the last checkpoint, signed at shutdown, covers the last record')
    const events = []
    for await (const r of store.records()) events.push(JSON.parse(r.event))
    assert.ok(events.some((e) => e.type === 'approval' && e.outcome === 'approved'))
    assert.ok(events.some((e) => e.type === 'statement' && typeof e.approval_id === 'string' && e.effect === 'allow'))
    assert.not.match(JSON.stringify(events), 'refunded', 'literals are redacted before they are stored')
  } finally {
    await store.close()
  }
})

test('a restart reuses the cluster: no initdb, no re-seed, the approved change is still there', async () => {
  const started = Date.now()
  const again = await startGateway(config, { log, packageRoot, env })
  try {
    assert.equal(again.demo!.notes, [])
    const client = await connect('demo', await token('cursor', ['agents']), again)
    try {
      assert.is((await client.query('SELECT status FROM orders WHERE id = 1')).rows[0].status, 'refunded')
    } finally {
      await client.end()
    }
  } finally {
    await again.close()
  }
  assert.ok(Date.now() - started < 30_000)
})

test('WARDEN_DEMO_BACKEND=pglite serves the demo target from PGlite, and the summary states its limits', async () => {
  const pglite = { ...testConfig(), state_dir: join(dir, 'pglite-state') }
  pglite.audit = { ...pglite.audit, destination: join(dir, 'pglite-audit.jsonl') }
  const g = await startGateway(pglite, { log, packageRoot, env: { WARDEN_DEMO_BACKEND: 'pglite' } })
  try {
    assert.is(g.demo?.backend, 'pglite')
    assert.match(g.summary, 'Demo DB     PGlite')
    assert.match(g.summary, 'one shared backend session')
    assert.not.ok(existsSync(join(pglite.state_dir, 'demo-pg')))
    const client = await connect('demo', await token('cursor', ['agents'], pglite.state_dir), g)
    try {
      const { rows } = await client.query('SELECT name, email FROM users ORDER BY id LIMIT 1')
      assert.is(rows[0].name, 'Ada Lovelace')
      assert.is.not(rows[0].email, 'ada.lovelace@example.com')
    } finally {
      await client.end()
    }
  } finally {
    await g.close()
  }
})

test.run()
