// End to end, with real processes: `warden up` gateways whose approvals live in a shared PostgreSQL 15 store, a
// real PostgreSQL upstream, node-postgres clients, and `warden approvals` / `warden grants` as the reviewer runs
// them. A held UPDATE survives a gateway restart and is approved after it; its grant covers the agent's next
// connection until the TTL or a revoke; two gateways honour each other's approvals and grants.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { signDevToken } from '../../engine/identity/dev-issuer.ts'
import { freePort, startCluster, type TestCluster } from '../../proxy/postgres/testing/cluster.ts'
import { loadOrCreateDevKey } from '../../proxy/server/dev-key.ts'
import { loadOrCreateApprovalsKey } from '../../proxy/server/state.ts'
import { type GatewayProcess, startGatewayProcess, warden } from '../testing/gateway-process.ts'

// Long enough for the approving CLI process and the repeat on a loaded machine; the test waits it out once.
const TTL_SECONDS = 12
const dir = mkdtempSync(join(tmpdir(), 'warden-approvals-pg-'))
let cluster: TestCluster
const running = new Set<GatewayProcess>()
const env = () => ({ WARDEN_PG_PASSWORD: cluster.roles.scram.password })

interface Gateway {
  config: string
  state: string
  pgPort: number
  adminUrl: string
}

/** A config for one gateway: its own listeners and state directory, the shared upstream and approval store. */
async function gatewayConfig(name: string): Promise<Gateway> {
  const [pgPort, adminPort] = [await freePort(), await freePort()]
  const config = join(dir, `${name}.yaml`)
  const db = { host: cluster.host, port: cluster.port, user: cluster.roles.scram.user, password_env: 'WARDEN_PG_PASSWORD' }
  writeFileSync(config, `state_dir: ./${name}-state
listeners:
  postgres: { host: 127.0.0.1, port: ${pgPort} }
  admin: { host: 127.0.0.1, port: ${adminPort} }
identity:
  providers:
    - { name: dev, issuer: warden-dev, audience: warden, dev: true, agent_groups: [agents] }
policy:
  settings: { approval_ttl_seconds: ${TTL_SECONDS} }
approvals:
  approver_groups: [dba]
  hold_seconds: 120
  store: postgres
  postgres: { host: ${db.host}, port: ${db.port}, database: approvals, user: ${db.user}, password_env: ${db.password_env} }
audit:
  destination: "off"
targets:
  - name: prod-db
    kind: postgres
    environment: production
    upstream: { host: ${db.host}, port: ${db.port}, database: app, user: ${db.user}, password_env: ${db.password_env} }
`)
  return { config, state: join(dir, `${name}-state`), pgPort, adminUrl: `http://127.0.0.1:${adminPort}` }
}

async function start(gw: Gateway): Promise<GatewayProcess> {
  const p = await startGatewayProcess(gw.config, { cwd: dir, env: env() })
  running.add(p)
  return p
}

async function stop(p: GatewayProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
  running.delete(p)
  return p.stop(signal)
}

/** The agent, connecting through a gateway with a dev token of its state directory. */
async function agentClient(gw: Gateway): Promise<pg.Client & { notices: string[] }> {
  const { privateJwk } = await loadOrCreateDevKey(gw.state)
  const token = await signDevToken(privateJwk, { issuer: 'warden-dev', audience: 'warden', sub: 'cursor', groups: ['agents'], ttlSeconds: 600 })
  const client = Object.assign(new pg.Client({ host: '127.0.0.1', port: gw.pgPort, database: 'prod-db', user: 'cursor', password: token, ssl: false }), { notices: [] as string[] })
  client.on('notice', (n) => client.notices.push(n.message ?? ''))
  client.on('error', () => undefined)
  await client.connect()
  return client
}

/** The approval id of the statement `client` has held, from the gateway's NOTICE. */
async function heldId(client: { notices: string[] }, known = new Set<string>()): Promise<string> {
  for (let i = 0; i < 1000; i++) {
    const id = client.notices.map((n) => /held for approval (apr_\w+)/.exec(n)?.[1]).find((x) => x && !known.has(x))
    if (id) return id
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`no approval NOTICE; got ${JSON.stringify(client.notices)}`)
}

const as = (gw: Gateway, who = 'alice', group = 'dba') => ['--config', gw.config, '--admin', gw.adminUrl, '--as', who, '--group', group]
const cli = (args: string[]) => warden(args, { cwd: dir, env: env() })
const planOf = async (id: number) => (await cluster.query<{ plan: string }>('SELECT plan FROM users WHERE id = $1', [id]))[0]!.plan
const settle = <T>(p: Promise<T>) => p.then((value) => ({ value }), (error: Error & { code?: string }) => ({ error }))

test.before(async () => {
  cluster = await startCluster({ logStatements: false })
  await cluster.query(`CREATE DATABASE approvals OWNER ${cluster.roles.scram.user}`)
})

test.after(async () => {
  await Promise.all([...running].map((p) => p.stop('SIGKILL')))
  await cluster?.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('a held UPDATE survives a gateway restart, is approved with warden approvals, and its grant covers the repeat until the TTL or a revoke', async () => {
  const gw = await gatewayConfig('restart')
  let gateway = await start(gw)
  const update = "UPDATE users SET plan = 'enterprise' WHERE id = 2"

  // Held; then the gateway stops while the client waits: the client is told, and the request stays pending.
  const before = await agentClient(gw)
  const firstTry = settle(before.query(update))
  const id = await heldId(before)
  assert.is(await stop(gateway), 0)
  const ended = await firstTry
  assert.ok('error' in ended, 'the held statement did not run')
  // Usually the hold's own answer; when shutdown reaches the connection first (the answer waits on the audit
  // thread), the session ends with admin_shutdown. Either way the statement did not run and stays pending.
  if (ended.error.code === '42501') {
    assert.match(ended.error.message, `could not hold the statement for approval ${id}: the gateway stopped while approval ${id} was pending; it stays pending: once it is approved, run the statement again`)
  } else {
    assert.is(ended.error.code, '57P01', `a clear error, not ${ended.error.code}: ${ended.error.message}`)
  }
  assert.is(await planOf(2), 'team')

  // A new process: the request is still listed, and can be approved.
  gateway = await start(gw)
  const listed = await cli(['approvals', 'list', '--status', 'pending', '--json', ...as(gw)])
  assert.is(listed.code, 0, listed.err)
  const [pending] = JSON.parse(listed.out) as Array<{ id: string; revision?: string; risk?: { level: string }; command: { review_text: string; input_digest: string } }>
  assert.equal([pending?.id, pending?.command.review_text], [id, update])
  assert.ok(pending?.revision && pending.risk?.level && /^[0-9a-f]{64}$/.test(pending.command.input_digest), 'the request records the bundle revision, risk and input digest')
  const approved = await cli(['approvals', 'approve', id, '--note', 'after the restart', '--json', ...as(gw)])
  assert.is(approved.code, 0, approved.err)
  const { status, decided_by, grant } = JSON.parse(approved.out) as { status: string; decided_by: string; grant: { expires_at_ns: number } }
  assert.equal([status, decided_by], ['approved', 'alice'])

  // The repeat, on a new connection of the same identity, within the TTL: no new request.
  const repeat = await agentClient(gw)
  assert.is((await repeat.query(update)).rowCount, 1)
  assert.equal(repeat.notices, [])
  assert.is(await planOf(2), 'enterprise')
  assert.is((await cli(['approvals', 'list', '--json', ...as(gw)])).out.match(/"id": "apr_/g)?.length, 1, 'still the one request')

  // After the TTL it is held again.
  await new Promise((r) => setTimeout(r, Math.max(0, grant.expires_at_ns / 1e6 - Date.now()) + 200))
  assert.equal(JSON.parse((await cli(['grants', 'list', '--json', ...as(gw)])).out), [], 'the grant ended at its expiry')
  const afterTtl = await agentClient(gw)
  const again = settle(afterTtl.query(update))
  const second = await heldId(afterTtl)
  assert.is.not(second, id)

  // Approved again; the grant is revoked with warden grants revoke; the next repeat is held once more.
  const secondApproval = await cli(['approvals', 'approve', second, '--json', ...as(gw)])
  assert.is(secondApproval.code, 0, secondApproval.err)
  assert.ok('value' in (await again))
  const secondGrant = (JSON.parse(secondApproval.out) as { grant: { id: string } }).grant
  const revoked = await cli(['grants', 'revoke', secondGrant.id, '--note', 'done', ...as(gw)])
  assert.is(revoked.code, 0, revoked.err)
  const afterRevoke = await agentClient(gw)
  const third = settle(afterRevoke.query(update))
  const thirdId = await heldId(afterRevoke)
  assert.ok(![id, second].includes(thirdId))
  assert.is((await cli(['approvals', 'deny', thirdId, ...as(gw)])).code, 0)
  const refused = await third
  assert.ok('error' in refused && refused.error.code === '42501')
  for (const c of [repeat, afterTtl, afterRevoke]) await c.end()
  assert.is(await stop(gateway), 0)
})

test('two gateways on one store: a statement held on one is released by an approval through the other, and each honours the other\'s grants and revokes', async () => {
  const [a, b] = [await gatewayConfig('gw-a'), await gatewayConfig('gw-b')]
  // Both trust the same dev issuer and read each other's review texts: the same key files.
  await loadOrCreateDevKey(a.state)
  loadOrCreateApprovalsKey(a.state)
  cpSync(a.state, b.state, { recursive: true })
  const [ga, gb] = await Promise.all([start(a), start(b)])
  const update = "UPDATE users SET plan = 'gold' WHERE id = 4"

  const onA = await agentClient(a)
  const held = settle(onA.query(update))
  const id = await heldId(onA)
  const shownOnB = await cli(['approvals', 'show', id, ...as(b)])
  assert.match(shownOnB.out, `statement, as it will run:\n  ${update}`, 'gateway B reads the review text A stored')
  assert.is((await cli(['approvals', 'approve', id, ...as(b, 'carol', 'dba')])).code, 0)
  const released = await held
  assert.ok('value' in released && released.value.rowCount === 1, 'the statement held on A ran once approved through B')
  assert.is(await planOf(4), 'gold')

  // The grant made through B is honoured by B, and by A on a new connection.
  for (const gw of [b, a]) {
    const c = await agentClient(gw)
    assert.is((await c.query(update)).rowCount, 1)
    assert.equal(c.notices, [], `held again on ${gw.config}`)
    await c.end()
  }

  // Revoked through A: B holds the statement again.
  const [grant] = JSON.parse((await cli(['grants', 'list', '--json', ...as(a)])).out) as Array<{ id: string }>
  assert.is((await cli(['grants', 'revoke', grant!.id, ...as(a)])).code, 0)
  let heldOnB = ''
  for (let i = 0; i < 50 && !heldOnB; i++) {
    const c = await agentClient(b)
    const r = settle(c.query(update))
    await new Promise((res) => setTimeout(res, 100))
    if (c.notices.length) heldOnB = await heldId(c)
    else await r
    await c.end().catch(() => undefined)
  }
  assert.ok(heldOnB, 'B stopped honouring the revoked grant')
  await onA.end()
  assert.equal(await Promise.all([stop(ga), stop(gb)]), [0, 0])
})

test.run()
