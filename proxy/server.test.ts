// startGateway end to end: real policies compiled by OPA, the embedded demo database, the PostgreSQL
// listener driven by `pg` with a dev token, and an approval given through the admin API over HTTP.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { pino } from 'pino'
import { loadOrCreateDevKey } from '../cli/dev-key.ts'
import { defaultConfig } from '../engine/config/defaults.ts'
import type { Config } from '../engine/config/types.ts'
import { signDevToken } from '../engine/identity/dev-issuer.ts'
import { createAdminClient } from './admin/client.ts'
import { type RunningGateway, startGateway } from './server.ts'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..')
const dir = mkdtempSync(join(tmpdir(), 'warden-gateway-'))
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

async function token(sub: string, groups: string[]): Promise<string> {
  const { privateJwk } = await loadOrCreateDevKey(config.state_dir)
  return signDevToken(privateJwk, { issuer: 'warden-dev', audience: 'warden', sub, groups, ttlSeconds: 300 })
}

async function connect(database: string, password: string): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: gateway.postgres.address.port, database, user: 'cursor', password })
  client.on('error', () => undefined)
  await client.connect()
  return client
}

test.before(async () => {
  config = testConfig()
  gateway = await startGateway(config, { log, packageRoot, env: {} })
})

test.after(async () => {
  await gateway?.close()
  rmSync(dir, { recursive: true, force: true })
})

test('starts on ephemeral ports with a private state directory, mask key and generated TLS pair', () => {
  assert.ok(gateway.postgres.address.port > 0)
  assert.match(gateway.admin.url, /^http:\/\/127\.0\.0\.1:\d+$/)
  assert.is(statSync(config.state_dir).mode & 0o777, 0o700)
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
})

test.run()
