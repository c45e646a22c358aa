// Two gateways sharing one PostgreSQL audit trail (audit.store: postgres), each signing checkpoints with its
// own key; the readers on that trail. A real PostgreSQL 15 cluster.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { pino } from 'pino'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startCluster, type TestCluster } from '../../proxy/postgres/testing/cluster.ts'
import { auditKeyPaths } from '../../proxy/server/audit-key.ts'
import { openAuditTrail } from '../../proxy/server/audit-trail.ts'
import { loadConfig } from '../config-file.ts'
import { memoryIo } from '../io.ts'
import { main } from '../main.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-audit-pg-'))
let cluster: TestCluster
const env = () => ({ AUDIT_PG_PASSWORD: cluster.roles.scram.password })

function writeConfig(name: string): string {
  const file = join(dir, `${name}.yaml`)
  writeFileSync(file, `state_dir: ./${name}-state
identity:
  providers: [{ name: dev, issuer: warden-dev, audience: warden, dev: true }]
targets: [{ name: demo, kind: postgres, environment: production, embedded: true }]
audit:
  store: postgres
  destination: "off"
  postgres: { host: ${cluster.host}, port: ${cluster.port}, database: shared_audit, user: ${cluster.roles.scram.user}, password_env: AUDIT_PG_PASSWORD }
  checkpoints: { every_records: 50 }
`)
  return file
}

test.before(async () => {
  cluster = await startCluster({ logStatements: false })
  await cluster.query(`CREATE DATABASE shared_audit OWNER ${cluster.roles.scram.user}`)
})
test.after(async () => {
  await cluster?.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('two gateways append to one chain, each checkpoint signed by its own key; verify takes both keys', async () => {
  const files = [writeConfig('gw1'), writeConfig('gw2')]
  const trails = await Promise.all(files.map(async (f) => openAuditTrail((await loadConfig(f, dir)).config, { log: pino({ level: 'silent' }), env: env() })))
  for (let i = 0; i < 120; i++) {
    const [gw, name] = i % 2 ? [trails[1]!, 'gw2'] : [trails[0]!, 'gw1']
    gw.sink.record({ type: 'statement', time: new Date().toISOString(), session_id: `${name}-session`, identity: { sub: name === 'gw1' ? 'cursor' : 'bob' }, target: 'demo', statement: `SELECT ${i}`, decision: 'allow', effect: 'allow', rows: 1, masked: 0 })
    if (i % 10 === 9) await Promise.all(trails.map((t) => t.sink.durable!()))
  }
  for (const t of trails) await t.close()

  const keys = ['gw1', 'gw2'].map((n) => auditKeyPaths(join(dir, `${n}-state`)).public)
  const io = memoryIo(env(), dir)
  assert.is(await main(['audit', 'verify', '--config', files[0]!, '--public-key', keys[0]!, '--public-key', keys[1]!], io), 0, io.stdout + io.stderr)
  assert.match(io.stdout, /^ok: 120 records, chain intact up to record 120; [2-9]\d* signed checkpoints verified/)

  const one = memoryIo(env(), dir)
  assert.is(await main(['audit', 'verify', '--config', files[0]!], one), 1, "the other gateway's checkpoints are not trusted without its key")
  assert.match(one.stdout, 'forged')

  // A gateway whose config trusts the other's key (audit.checkpoints.trusted_keys) verifies the whole trail as
  // is: so does its admin API for an auditor, which has no --public-key to pass.
  writeFileSync(files[0]!, `${readFileSync(files[0]!, 'utf8').replace('checkpoints: { every_records: 50 }', `checkpoints: { every_records: 50, trusted_keys: [${keys[1]}] }`)}`)
  const trusted = memoryIo(env(), dir)
  assert.is(await main(['audit', 'verify', '--config', files[0]!], trusted), 0, trusted.stdout + trusted.stderr)

  const sessions = memoryIo(env(), dir)
  assert.is(await main(['audit', 'sessions', '--config', files[1]!, '--json'], sessions), 0, sessions.stderr)
  // Listed in the order they started in the chain, which depends on which gateway committed first.
  assert.equal(JSON.parse(sessions.stdout).map((s: { session_id: string; statements: number }) => [s.session_id, s.statements]).sort(), [['gw1-session', 60], ['gw2-session', 60]])
})

test('tampering with the shared trail is found: a deleted record', async () => {
  const client = new pg.Client({ host: cluster.host, port: cluster.port, database: 'shared_audit', user: cluster.roles.scram.user, password: cluster.roles.scram.password })
  await client.connect()
  await client.query('ALTER TABLE warden_audit_records DISABLE TRIGGER USER')
  await client.query('DELETE FROM warden_audit_records WHERE seq = 77')
  await client.end()
  const keys = ['gw1', 'gw2'].flatMap((n) => ['--public-key', auditKeyPaths(join(dir, `${n}-state`)).public])
  const io = memoryIo(env(), dir)
  assert.is(await main(['audit', 'verify', '--config', join(dir, 'gw1.yaml'), ...keys], io), 1)
  assert.match(io.stdout, 'FAIL: record 77: deleted: record 77 is missing: record 76 is followed by record 78')
})

test('the shared trail cut at its end with its checkpoints while no gateway ran: a gateway keeping the exported checkpoints does not start on it', async () => {
  await cluster.query(`CREATE DATABASE cut_audit OWNER ${cluster.roles.scram.user}`)
  const file = join(dir, 'cut.yaml')
  writeFileSync(file, readFileSync(writeConfig('cut'), 'utf8').replace('database: shared_audit', 'database: cut_audit').replace('every_records: 50 }', 'every_records: 4, file: ./cut-checkpoints.jsonl }'))
  const { config } = await loadConfig(file, dir)
  const trail = await openAuditTrail(config, { log: pino({ level: 'silent' }), env: env() })
  for (let i = 0; i < 10; i++) trail.sink.record({ type: 'statement', time: new Date().toISOString(), session_id: 's', target: 'demo', statement: `SELECT ${i}`, decision: 'allow', effect: 'allow' })
  await trail.sink.durable!()
  await trail.close()
  const client = new pg.Client({ host: cluster.host, port: cluster.port, database: 'cut_audit', user: cluster.roles.scram.user, password: cluster.roles.scram.password })
  await client.connect()
  await client.query('ALTER TABLE warden_audit_records DISABLE TRIGGER USER; ALTER TABLE warden_audit_checkpoints DISABLE TRIGGER USER')
  await client.query('DELETE FROM warden_audit_records WHERE seq > 3; DELETE FROM warden_audit_checkpoints WHERE seq > 3')
  await client.end()
  const err = await openAuditTrail(config, { log: pino({ level: 'silent' }), env: env() }).then((t) => t.close().then(() => undefined), (e: Error & { code?: string }) => e)
  assert.is(err?.code, 'audit.trail_cut')
  assert.match(err!.message, /the audit trail ends at record 3, but checkpoint 10 signed at \S+ by key [0-9a-f]{16} in \S*cut-checkpoints\.jsonl/)
})

test('a missing password variable is a clear start error', async () => {
  const { config } = await loadConfig(join(dir, 'gw1.yaml'), dir)
  const err = await openAuditTrail(config, { log: pino({ level: 'silent' }), env: {} }).then(() => undefined, (e: Error & { code?: string }) => e)
  assert.is(err?.code, 'audit.store_open')
  assert.match(err!.message, 'audit.postgres.password_env names AUDIT_PG_PASSWORD, which is not set')
})

test.run()
