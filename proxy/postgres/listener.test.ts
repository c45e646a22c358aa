// The data path end to end against a real PostgreSQL 15: startup, token authentication, TLS, simple and
// extended queries from real clients (psql, pg), startup settings, protocol errors, audit.
import net from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import pg from 'pg'
import { encodeBind } from './messages/bind.ts'
import { encodeExecute } from './messages/execute.ts'
import { encodeFunctionCall } from './messages/function-call.ts'
import { encodeGssEncRequest } from './messages/gssenc-request.ts'
import { decodeParameterStatus } from './messages/parameter-status.ts'
import { decodeBackendKeyData } from './messages/backend-key-data.ts'
import { encodePasswordMessage } from './messages/password-message.ts'
import { encodeQuery } from './messages/query.ts'
import { encodeStartupMessage } from './messages/startup-message.ts'
import { PROTOCOL_3_0 } from './messages/startup-packet.ts'
import { encodeSync } from './messages/sync.ts'
import { startPostgresListener } from './listener.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { runPsql } from './testing/psql.ts'
import { errorsOf, RawClient, types } from './testing/raw-client.ts'

let h: Harness

test.before(async () => {
  h = await startHarness()
})
test.after(async () => {
  await h?.stop()
})

const pgError = async (p: Promise<unknown>) => {
  try {
    await p
  } catch (err) {
    return err as pg.DatabaseError
  }
  throw new Error('expected an error')
}

test('psql: a read through the gateway returns masked rows', async () => {
  const r = await runPsql({ port: h.port, database: 'prod-db', token: await h.agentToken(), script: 'SELECT id, name, email FROM users ORDER BY id LIMIT 2;\n', args: ['-A', '-t'] })
  assert.is(r.code, 0, r.stderr)
  const lines = r.stdout.trim().split('\n')
  assert.is(lines.length, 2)
  assert.match(lines[0]!, /^1\|Ada Lovelace\|/)
  assert.not.match(r.stdout, 'ada@example.com')
  assert.match(lines[0]!, /\.com$/)
})

test('psql over TLS (sslmode=require)', async () => {
  const r = await runPsql({ port: h.port, database: 'prod-db', token: await h.agentToken(), sslmode: 'require', script: 'SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid();\nSELECT 40 + 2;\n', args: ['-A', '-t'] })
  assert.is(r.code, 0, r.stderr)
  assert.match(r.stdout, '42')
})

test('pg: simple, parameterized and named prepared statements', async () => {
  const c = await h.client()
  assert.equal((await c.query('SELECT count(*)::int AS n FROM orders')).rows, [{ n: 5 }])
  assert.equal((await c.query('SELECT plan FROM users WHERE id = $1', [2])).rows, [{ plan: 'team' }])
  for (const id of [1, 3]) {
    const r = await c.query({ name: 'plan_by_id', text: 'SELECT plan FROM users WHERE id = $1', values: [id] })
    assert.is(r.rows.length, 1)
  }
})

test('pg over TLS', async () => {
  const c = await h.client({ ssl: true })
  assert.equal((await c.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')).rows.length, 1)
})

test('pg: pipelined queries on one connection come back in order', async () => {
  const c = await h.client({ pipeline: true })
  const ids = [5, 4, 3, 2, 1]
  const results = await Promise.all(ids.map((id) => c.query('SELECT id, plan FROM users WHERE id = $1', [id])))
  assert.equal(results.map((r) => r.rows[0].id), ids)
})

test('startup: ParameterStatus comes from the server, BackendKeyData is the gateway\'s own', async () => {
  const c = await RawClient.open(h.port)
  c.send(encodeStartupMessage({ protocol: PROTOCOL_3_0, params: new Map([['user', 'agent'], ['database', 'prod-db'], ['application_name', 'raw-test']]) }))
  await c.until((fs) => fs.some((f) => f.type === 'R'))
  c.send(encodePasswordMessage(await h.agentToken()))
  const frames = await c.until((fs) => fs.some((f) => f.type === 'Z'))
  const params = new Map(frames.filter((f) => f.type === 'S').map((f) => decodeParameterStatus(f.payload)).map((p) => [p.name, p.value]))
  assert.ok(params.get('server_version')?.startsWith('15'))
  assert.is(params.get('application_name'), 'raw-test')
  const key = decodeBackendKeyData(frames.find((f) => f.type === 'K')!.payload)
  c.take()
  c.send(encodeQuery('SELECT pg_backend_pid()'))
  const rows = await c.readyCount(1)
  const serverPid = Number(rows.find((f) => f.type === 'D')!.payload.subarray(6).toString())
  assert.is.not(key.processId, serverPid)
  c.close()
})

test('GSSENCRequest is answered N and the session continues', async () => {
  const c = await RawClient.open(h.port)
  const answer = c.readByte()
  c.send(encodeGssEncRequest())
  assert.is(await answer, 'N')
  c.send(encodeStartupMessage({ protocol: PROTOCOL_3_0, params: new Map([['user', 'agent'], ['database', 'prod-db']]) }))
  await c.until((fs) => fs.some((f) => f.type === 'R'))
  c.send(encodePasswordMessage(await h.agentToken()))
  assert.ok((await c.until((fs) => fs.some((f) => f.type === 'Z'))).some((f) => f.type === 'Z'))
  c.close()
})

test('bad tokens fail with 28P01 and are never echoed', async () => {
  const expired = await h.te.token('cursor', ['agents'], { ttlSeconds: 60, now: Date.now() - 3_600_000 })
  const wrongIssuer = await h.te.token('cursor', ['agents'], { issuer: 'https://evil.example' })
  const cases = [['expired', expired], ['wrong issuer', wrongIssuer], ['garbage', 'not-a-jwt'], ['empty', '']] as const
  for (const [what, token] of cases) {
    const err = await pgError(h.client({ token }))
    assert.is(err.code, '28P01', what)
    assert.match(err.message, /^authentication failed: /, what)
    if (token) assert.not.match(err.message, token, what)
  }
  const failures = h.te.audit.events.filter((e) => e.type === 'auth_failure')
  assert.ok(failures.length >= cases.length)
  const dump = JSON.stringify(failures)
  assert.not.match(dump, expired)
  assert.not.match(dump, wrongIssuer)
})

test('an unknown target is 3D000; a replication connection is refused', async () => {
  const err = await pgError(h.client({ database: 'nope' }))
  assert.is(err.code, '3D000')
  const r = await runPsql({ port: h.port, database: 'dbname=prod-db replication=database', token: await h.agentToken(), script: 'SELECT 1;\n' })
  assert.is.not(r.code, 0)
  assert.match(r.stderr, 'replication connections are not allowed')
})

test('startup settings are judged like SET: ordinary ones pass, others refuse the session', async () => {
  const ok = await runPsql({ port: h.port, database: 'prod-db', token: await h.agentToken(), script: 'SHOW statement_timeout;\n', args: ['-A', '-t'], env: { PGOPTIONS: '-c statement_timeout=5s' } })
  assert.is(ok.code, 0, ok.stderr)
  assert.is(ok.stdout.trim(), '5s')
  const bad = await runPsql({ port: h.port, database: 'prod-db', token: await h.agentToken(), script: 'SELECT 1;\n', env: { PGOPTIONS: '-c session_replication_role=replica' } })
  assert.is.not(bad.code, 0)
  assert.match(bad.stderr, 'startup parameter session_replication_role')
})

test('upstream credentials never reach the client or the audit log', async () => {
  const c = await h.client()
  await c.query('SELECT 1')
  const dump = JSON.stringify(h.te.audit.events)
  assert.not.match(dump, h.cluster.roles.scram.password)
  const kinds = new Set(h.te.audit.events.map((e) => e.type))
  for (const k of ['connection', 'statement', 'disconnect']) assert.ok(kinds.has(k as never), k)
})

test('upstream over TLS with the md5 role: the gateway holds whichever credential the target has', async () => {
  const other = await startPostgresListener({
    host: '127.0.0.1',
    port: 0,
    allowPlaintext: false,
    engine: h.te.engine,
    upstream: () => h.cluster.upstream({ role: 'md5', ssl: 'require' }),
    holdSeconds: 5,
    maskKey: new Uint8Array(32),
  })
  try {
    const c = new pg.Client({ host: '127.0.0.1', port: other.address.port, user: 'agent', database: 'prod-db', password: await h.agentToken() })
    await c.connect()
    const { rows } = await c.query('SELECT current_user AS u, (SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()) AS tls')
    await c.end()
    assert.equal(rows, [{ u: 'warden_md5', tls: true }])
  } finally {
    await other.close()
  }
})

test('a client that never finishes startup is dropped after the startup timeout', async () => {
  const other = await startPostgresListener({
    host: '127.0.0.1', port: 0, allowPlaintext: false, engine: h.te.engine, upstream: () => h.cluster.upstream(),
    holdSeconds: 5, maskKey: new Uint8Array(32), startupTimeoutMs: 200,
  })
  try {
    const idle = await RawClient.open(other.address.port)
    idle.send(encodeStartupMessage({ protocol: PROTOCOL_3_0, params: new Map([['user', 'agent'], ['database', 'prod-db']]) }))
    const frames = await idle.until(() => false).catch(() => idle.frames)
    assert.ok(idle.closed)
    assert.is(errorsOf(frames).at(-1)?.code, '57014')
  } finally {
    await other.close()
  }
})

test('audit records hold redacted statements, never literals', async () => {
  const c = await h.client()
  await c.query("SELECT id FROM users WHERE name = 'Ada Lovelace-literal'")
  const event = h.te.audit.events.filter((e) => e.type === 'statement').at(-1)
  assert.match(String(event?.statement), 'WHERE name = $1')
  assert.not.match(JSON.stringify(h.te.audit.events), 'Lovelace-literal')
})

test('SQL PREPARE / EXECUTE are judged with the session\'s prepared statements; DEALLOCATE forgets them', async () => {
  const c = await h.client()
  await c.query('PREPARE by_id AS SELECT email FROM users WHERE id = $1')
  const r = await c.query('EXECUTE by_id(1)')
  assert.is(r.rows.length, 1)
  assert.is.not(r.rows[0].email, 'ada@example.com')
  await c.query('DEALLOCATE by_id')
  const err = await pgError(c.query('EXECUTE by_id(1)'))
  assert.is(err.code, '42501')
})

test('FunctionCall is refused and the connection stays usable', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(encodeFunctionCall({ functionOid: 1598, argFormats: [], args: [], resultFormat: 0 }))
  const frames = await c.readyCount(1)
  assert.is(types(frames), 'EZ')
  assert.is(errorsOf(frames)[0]!.code, '42501')
  c.take()
  c.send(encodeQuery('SELECT 1'))
  assert.is(types(await c.readyCount(1)), 'TDCZ')
  c.close()
})

test('Bind of a statement the gateway never saw is refused', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(encodeBind({ portal: '', statement: 'sneaky', paramFormats: [], params: [], resultFormats: [] }), encodeExecute({ portal: '', maxRows: 0 }), encodeSync())
  const frames = await c.readyCount(1)
  assert.is(types(frames), 'EZ')
  assert.is(errorsOf(frames)[0]!.code, '26000')
  c.close()
})

test('an unknown message type ends the session with 08P01', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(Buffer.from([0x7a, 0, 0, 0, 4]))
  const frames = await c.until(() => false).catch(() => c.frames)
  assert.is(errorsOf(frames)[0]!.code, '08P01')
  assert.ok(c.closed)
})

test('a plaintext session is accepted from loopback', async () => {
  const socket = net.connect({ host: '127.0.0.1', port: h.port })
  await new Promise((r) => socket.once('connect', r))
  assert.ok(['127.0.0.1', '::ffff:127.0.0.1'].includes(socket.localAddress!))
  socket.destroy()
  const c = await h.client()
  assert.is((await c.query('SELECT 1 AS one')).rows[0].one, 1)
})

test('connections() counts live sessions', async () => {
  const before = h.listener.connections()
  const c = await h.client()
  assert.is(h.listener.connections(), before + 1)
  await c.end()
  for (let i = 0; i < 50 && h.listener.connections() > before; i++) await new Promise((r) => setTimeout(r, 20))
  assert.is(h.listener.connections(), before)
})

test('the server ending the upstream session ends the client session with a FATAL error', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db', params: { application_name: 'doomed' } })
  await h.cluster.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'doomed'")
  const frames = await c.until(() => false).catch(() => c.frames)
  assert.ok(c.closed)
  assert.ok(errorsOf(frames).some((e) => e.severity === 'FATAL'))
})

test('every statement the server ran was allowed by a decision', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
