// The dry-run rollout end to end: startGateway with policy.dry_run beside the shipped policy, the embedded
// demo database (the private PostgreSQL cluster) driven by `pg`, and an HTTP target behind the reverse proxy
// over a real HTTPS upstream. The dry-run decision is recorded in the audit trail next to the enforced one and
// never applied: a dry-run deny does not deny, a dry-run allow does not allow, a dry-run error fails nothing.
// Then `warden audit diff-dry-run` reads the trail.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { pino } from 'pino'
import Database from 'better-sqlite3'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { openSqliteAuditStore } from '../../engine/audit/store/sqlite.ts'
import { defaultConfig } from '../../engine/config/defaults.ts'
import type { Config } from '../../engine/config/types.ts'
import { signDevToken } from '../../engine/identity/dev-issuer.ts'
import { memoryIo } from '../io.ts'
import { main } from '../main.ts'
import { json } from '../../proxy/http/testing/gateway.ts'
import { startUpstream, type TestUpstream } from '../../proxy/http/testing/upstream.ts'
import { type RunningGateway, startGateway } from '../../proxy/server.ts'
import { loadOrCreateDevKey } from '../../proxy/server/dev-key.ts'

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'warden-dry-run-'))
chmodSync(dir, 0o711)
const dryRunDir = join(dir, 'next-policy')
mkdirSync(dryRunDir)

const decision = (effect: string, rule: string) =>
  `{"effect": "${effect}", "reasons": [{"rule": "${rule}", "message": "${effect} by ${rule}"}], "obligations": {"mask": []}}`
// The next policy: deny anything about orders, allow the rest (no masks), and fail to evaluate on dry_boom.
writeFileSync(join(dryRunDir, 'next.rego'), `package warden

default decision := ${decision('allow', 'next.default')}

decision := ${decision('deny', 'next.orders')} if contains(lower(input.command.raw), "orders")

decision := ${decision('allow', 'next.boom_a')} if contains(input.command.raw, "dry_boom")

decision := ${decision('deny', 'next.boom_b')} if contains(input.command.raw, "dry_boom")
`)

let upstream: TestUpstream
let gateway: RunningGateway
let config: Config

test.before(async () => {
  upstream = await startUpstream((_req, res) => json(res, { ok: true, contact: 'ada.lovelace@example.com' }))
  config = defaultConfig()
  config.state_dir = join(dir, 'state')
  Object.assign(config.listeners.postgres, { port: 0 })
  Object.assign(config.listeners.admin, { port: 0 })
  Object.assign(config.listeners.http, { port: 0, plaintext: true })
  Object.assign(config.listeners.http_proxy, { port: 0 })
  config.policy.source = join(packageRoot, 'policies')
  config.policy.dry_run = { source: dryRunDir }
  config.audit.destination = 'off'
  config.targets = [
    { name: 'demo', kind: 'postgres', environment: 'production', labels: {}, embedded: true },
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: upstream.url, ca_file: upstream.caFile, hosts: [] } },
  ]
  gateway = await startGateway(config, { log: pino({ level: 'silent' }), packageRoot, env: { WARDEN_DEMO_BACKEND: 'postgres' } })
})

test.after(async () => {
  await gateway?.close()
  await upstream?.close()
  rmSync(dir, { recursive: true, force: true })
})

async function token(): Promise<string> {
  const { privateJwk } = await loadOrCreateDevKey(config.state_dir)
  return signDevToken(privateJwk, { issuer: 'warden-dev', audience: 'warden', sub: 'cursor', groups: ['agents'], ttlSeconds: 300 })
}

async function withClient<T>(body: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: '127.0.0.1', port: gateway.postgres.address.port, database: 'demo', user: 'cursor', password: await token() })
  client.on('error', () => undefined)
  await client.connect()
  try {
    return await body(client)
  } finally {
    await client.end()
  }
}

function send(method: string, path: string, bearer: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(`${gateway.http!.reverse.url}${path}`, { method, headers: { authorization: `Bearer ${bearer}` } }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

type Ev = Record<string, any>
/** The judged events in the trail, once the gateway has stopped (everything committed). */
async function trail(): Promise<Ev[]> {
  const store = openSqliteAuditStore(join(config.state_dir, 'audit', 'trail.db'))
  const out: Ev[] = []
  try {
    for await (const r of store.records()) out.push(JSON.parse(r.event) as Ev)
  } finally {
    await store.close()
  }
  return out.filter((e) => e.type === 'statement' || e.type === 'request')
}

const results: Record<string, unknown> = {}

test('traffic: what the enforced policy decides is what happens, whatever the dry-run policy says', async () => {
  await withClient(async (c) => {
    // Dry-run deny: the read runs and returns its rows.
    results.orders = (await c.query('SELECT count(*)::int AS n FROM orders')).rows[0].n
    // Dry-run allow: the DROP is still refused, and the table is still there.
    results.drop = await c.query('DROP TABLE users').then(() => 'ran', (err: { code?: string }) => err.code)
    results.users = (await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n
    // Dry-run evaluation error: the statement runs.
    results.boom = (await c.query("SELECT 'dry_boom' AS v")).rows[0].v
  })
  const bearer = await token()
  const before = upstream.seen.length
  results.get = await send('GET', '/t/web/orders', bearer)
  results.trace = await send('TRACE', '/t/web/anything', bearer)
  results.reached = upstream.seen.slice(before).map((s) => `${s.method} ${s.url}`)

  assert.ok((results.orders as number) > 0, 'a dry-run deny does not deny')
  assert.is(results.drop, '42501', 'a dry-run allow does not allow')
  assert.ok((results.users as number) > 0)
  assert.is(results.boom, 'dry_boom', 'a dry-run error does not fail the statement')
  assert.is((results.get as { status: number }).status, 200)
  assert.match((results.get as { body: string }).body, /"ok":true/)
  assert.is((results.trace as { status: number }).status, 403)
  assert.equal(results.reached, ['GET /orders'], 'the TRACE never reached the upstream')
})

let remote = ''

test('through a running gateway\'s admin API, as an auditor', async () => {
  const args = ['audit', 'diff-dry-run', '--admin', gateway.admin.url, '--as', 'dana', '--group', 'auditors', '--state-dir', config.state_dir]
  // The statement records are committed in the background: wait until all six judged requests are readable.
  for (let i = 0; i < 100; i++) {
    const io = memoryIo({}, dir)
    assert.is(await main([...args, '--format', 'json'], io), 0, io.stderr)
    if (JSON.parse(io.stdout).requests >= 6) break
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const io = memoryIo({}, dir)
  assert.is(await main(args, io), 0, io.stderr)
  remote = io.stdout
  assert.match(remote, /dry run vs enforced: 6 judged requests, 0 agree, 6 differ, 1 dry-run errors\nthe dry-run policy would relax 3 and tighten 3 of them:/, remote)
  await gateway.close()
})

test('the trail holds each dry-run decision beside the enforced one, with its flips', async () => {
  const events = await trail()
  const statement = (text: RegExp) => events.find((e) => e.type === 'statement' && text.test(e.statement))!
  const orders = statement(/FROM orders/)
  assert.is(orders.decision, 'allow')
  assert.is(orders.dry_run.decision, 'deny')
  assert.equal(orders.dry_run.flips, [{ change: 'allow→deny', relaxation: false, rules: ['next.orders'] }])

  const drop = statement(/DROP TABLE users/)
  assert.is(drop.decision, 'deny')
  assert.is(drop.effect, 'deny')
  assert.is(drop.dry_run.decision, 'allow')
  assert.is(drop.dry_run.flips[0].change, 'deny→allow')
  assert.is(drop.dry_run.flips[0].relaxation, true)

  const boom = statement(/dry_boom|\$1/)
  assert.is(boom.decision, 'allow')
  assert.match(boom.dry_run.error, /policy error: .*conflict/)

  const get = events.find((e) => e.type === 'request' && e.method === 'GET')!
  assert.is(get.decision, 'allow')
  assert.is(get.status, 200)
  assert.is(get.dry_run.decision, 'deny')
  assert.equal(get.dry_run.flips.map((f: Ev) => f.change), ['allow→deny'])
  const trace = events.find((e) => e.type === 'request' && e.method === 'TRACE')!
  assert.is(trace.decision, 'deny')
  assert.is(trace.dry_run.decision, 'allow')
  // The identity's groups are recorded, so `warden diff --corpus audit` can judge the request as the same caller.
  assert.equal(orders.identity.groups, ['agents'])
  assert.equal(get.identity.groups, ['agents'])
  // Every judged event carries a dry-run record.
  assert.ok(events.every((e) => e.dry_run && Array.isArray(e.dry_run.flips)))
})

async function warden(...args: string[]) {
  const io = memoryIo({}, dir)
  const code = await main(['audit', 'diff-dry-run', '--state-dir', config.state_dir, ...args], io)
  return { code, out: io.stdout, err: io.stderr }
}

test('warden audit diff-dry-run lists the disagreements grouped by change, rule and target, and the errors', async () => {
  const { code, out, err } = await warden()
  assert.is(code, 0, err)
  assert.match(out, /dry run vs enforced: \d+ judged requests, \d+ agree, \d+ differ, 1 dry-run errors/)
  assert.match(out, /RELAXES  deny→allow  .*on demo  ×1\n.*\n?\s+e\.g\. DROP TABLE users/)
  assert.match(out, /TIGHTENS allow→deny  next\.orders  on demo  ×1\n\s+e\.g\. SELECT count\(\*\)::int AS n FROM orders\n\s+cursor · audit #\d+ \(session /)
  assert.match(out, /TIGHTENS allow→deny  next\.orders  on web  ×1\n\s+e\.g\. GET https:\/\/127\.0\.0\.1:\d+\/orders/)
  assert.match(out, /RELAXES  deny→allow  warden\.rules\.http\.method  on web/)
  assert.match(out, /dry-run errors .*\n\s+×1\s+policy error: .*conflict/)

  assert.is(out, remote, 'the admin API reads the same trail the same way')

  const json = JSON.parse((await warden('--format', 'json', '--target', 'web')).out)
  assert.is(json.requests, 2)
  assert.equal(json.groups.map((g: Ev) => [g.change, g.target]).sort(), [['allow→deny', 'web'], ['deny→allow', 'web']])
  const none = JSON.parse((await warden('--format', 'json', '--since', '2999-01-01T00:00:00Z')).out)
  assert.is(none.requests, 0)
  assert.is((await warden('--format', 'yaml')).code, 2)
})

test('a trail edited to hide where the dry run disagrees is refused, naming the bad record, not reported as agreeing', async () => {
  const db = new Database(join(config.state_dir, 'audit', 'trail.db'))
  for (const t of ['warden_audit_records_no_update', 'warden_audit_records_no_delete']) db.exec(`DROP TRIGGER IF EXISTS ${t}`)
  db.exec(`UPDATE warden_audit_records SET event = replace(event, '"next.orders"', '"next.default"') WHERE event LIKE '%next.orders%'`)
  db.close()
  const { code, out, err } = await warden()
  assert.is(code, 2, out + err)
  assert.is(out, '')
  assert.match(err, /the audit trail does not verify \(record \d+: edited: record \d+ does not match its hash/)
  assert.match(err, 'so it is not read for the dry run')
})

test.run()
