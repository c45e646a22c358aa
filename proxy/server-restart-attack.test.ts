// A statement held, the gateway restarted, then approved: the real gateway (startGateway: policies compiled by OPA,
// the embedded demo PostgreSQL, the SQLite approval store in the state directory, the admin API over HTTP).
// The approval of a request whose gateway and session are gone runs nothing by itself; its grant covers the same
// statement from the same identity only as the policy in force then judges it (a policy that now denies it wins),
// and never another identity's.
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { pino } from 'pino'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultConfig } from '../engine/config/defaults.ts'
import type { Config } from '../engine/config/types.ts'
import { signDevToken } from '../engine/identity/dev-issuer.ts'
import { createAdminClient } from './admin/client.ts'
import { type RunningGateway, startGateway } from './server.ts'
import { loadOrCreateDevKey } from './server/dev-key.ts'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..')
const dir = mkdtempSync(join(tmpdir(), 'warden-restart-attack-'))
chmodSync(dir, 0o711)
const env = { WARDEN_DEMO_BACKEND: 'postgres' }
const log = pino({ level: 'silent' })

// The policy after the restart: the shipped one plus a freeze on writes.
const frozen = join(dir, 'policies-frozen')
cpSync(join(packageRoot, 'policies'), frozen, { recursive: true })
writeFileSync(join(frozen, 'rules', 'freeze.rego'), `package warden.rules.freeze

deny contains "writes are frozen since the restart" if {
	some s in input.command.sql.statements
	s.type == "update"
}
`)

function config(policy = join(packageRoot, 'policies')): Config {
  const c = defaultConfig()
  c.state_dir = join(dir, 'state')
  c.listeners.postgres.port = 0
  c.listeners.admin.port = 0
  c.policy.source = policy
  c.audit.destination = 'off'
  c.approvals.hold_seconds = 60
  c.targets = [{ name: 'demo', kind: 'postgres', environment: 'production', labels: {}, embedded: true }]
  return c
}

async function token(sub: string, groups: string[]): Promise<string> {
  const { privateJwk } = await loadOrCreateDevKey(join(dir, 'state'))
  return signDevToken(privateJwk, { issuer: 'warden-dev', audience: 'warden', sub, groups, ttlSeconds: 300 })
}

async function connect(on: RunningGateway, sub = 'cursor'): Promise<pg.Client> {
  const client = new pg.Client({ host: '127.0.0.1', port: on.postgres.address.port, database: 'demo', user: sub, password: await token(sub, ['agents']) })
  client.on('error', () => undefined)
  await client.connect()
  return client
}

async function pending(on: RunningGateway): Promise<string[]> {
  const admin = createAdminClient(on.admin.url, await token('alice', ['dba']))
  for (let i = 0; i < 400; i++) {
    const ids = (await admin.list('pending')).map((r) => r.id)
    if (ids.length) return ids
    await new Promise((r) => setTimeout(r, 25))
  }
  return []
}

const WRITE = "UPDATE orders SET status = 'restart-attack' WHERE id = 2"

async function status(on: RunningGateway): Promise<string> {
  const client = await connect(on)
  try {
    return (await client.query('SELECT status FROM orders WHERE id = 2')).rows[0].status as string
  } finally {
    await client.end()
  }
}

test.after(() => rmSync(dir, { recursive: true, force: true }))

test('held, restarted, approved: nothing runs on the approval; the policy in force then judges the retry; the grant is its identity\'s alone', async () => {
  // 1. Held on the first gateway, which then stops: the client gets an error, the request stays pending.
  let gateway = await startGateway(config(), { log, packageRoot, env })
  const before = await status(gateway)
  const client = await connect(gateway)
  const held = client.query(WRITE).then(() => 'ran', (err: Error) => err.message)
  const [id] = await pending(gateway)
  assert.ok(id, 'the write was held')
  await gateway.close()
  assert.is.not(await held, 'ran')
  await client.end().catch(() => undefined)

  // 2. Restarted with a policy that now denies the write; the stale request is approved there.
  gateway = await startGateway(config(frozen), { log, packageRoot, env })
  try {
    assert.equal(await pending(gateway), [id], 'the request survived the restart')
    const approved = await createAdminClient(gateway.admin.url, await token('alice', ['dba'])).approve(id!, 'approved after the restart')
    assert.is(approved.status, 'approved')
    await new Promise((r) => setTimeout(r, 300))
    assert.is(await status(gateway), before, 'the approval ran nothing by itself')
    const retry = await connect(gateway)
    try {
      const err = await retry.query(WRITE).then(() => undefined, (e: Error) => e)
      assert.match(err?.message ?? 'ran', 'writes are frozen since the restart', 'the policy in force denies it, grant or not')
    } finally {
      await retry.end()
    }
    assert.is(await status(gateway), before)
  } finally {
    await gateway.close()
  }

  // 3. Back on the shipped policy: the grant covers the same write from the same identity, and no one else's.
  gateway = await startGateway(config(), { log, packageRoot, env })
  try {
    const other = await connect(gateway, 'other-bot')
    const otherWrite = other.query(WRITE).then(() => 'ran', (err: Error) => err.message)
    const [otherHeld] = await pending(gateway)
    assert.ok(otherHeld, 'another identity\'s same write is held, not covered by the grant')
    assert.is.not(otherHeld, id)
    await other.end().catch(() => undefined)
    assert.is.not(await otherWrite, 'ran')
    assert.is(await status(gateway), before)
    const same = await connect(gateway)
    try {
      assert.is((await same.query(WRITE)).rowCount, 1, 'the grant covers the same write from the same identity')
    } finally {
      await same.end()
    }
    assert.is(await status(gateway), 'restart-attack')
  } finally {
    await gateway.close()
  }
})

test.run()
