// Denials look native (42501, a reason and a hint) and leave the server's transaction exactly where
// PostgreSQL would be after an error: failed inside BEGIN, the rest of an extended batch skipped until Sync,
// the implicit transaction of a batch rolled back.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type pg from 'pg'
import { encodeBind } from './messages/bind.ts'
import { encodeDescribe } from './messages/describe.ts'
import { encodeExecute } from './messages/execute.ts'
import { encodeParse } from './messages/parse.ts'
import { decodeReadyForQuery } from './messages/ready-for-query.ts'
import { encodeQuery } from './messages/query.ts'
import { encodeSync } from './messages/sync.ts'
import { encodeTerminate } from './messages/terminate.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { runPsql } from './testing/psql.ts'
import { errorsOf, RawClient, types } from './testing/raw-client.ts'
import type { Frame } from './framing.ts'

let h: Harness

// Lets this file write to `orders` without an approval round trip, so batches can mix allowed writes and denials.
const ALLOW_ORDER_INSERTS = (input: { command: { raw: string } }) =>
  /^INSERT INTO orders\b/.test(input.command.raw) ? { effect: 'allow' as const, reasons: [], obligations: { mask: [] } } : undefined

test.before(async () => {
  h = await startHarness({ override: ALLOW_ORDER_INSERTS as never })
})
test.after(async () => {
  await h?.stop()
})

const statusOf = (frames: Frame[]) => decodeReadyForQuery(frames.filter((f) => f.type === 'Z').at(-1)!.payload)
const orderCount = async () => (await h.cluster.query<{ n: number }>('SELECT count(*)::int AS n FROM orders'))[0]!.n

/** Parse + Bind + Execute of one unnamed statement. */
const statement = (text: string) => [
  encodeParse({ name: '', text, paramTypes: [] }),
  encodeBind({ portal: '', statement: '', paramFormats: [], params: [], resultFormats: [] }),
  encodeExecute({ portal: '', maxRows: 0 }),
]

test('pg: a denial is a native 42501 error with the reasons and a hint; the connection stays usable', async () => {
  const c = await h.client()
  let err: pg.DatabaseError | undefined
  await c.query('DROP TABLE users').catch((e: pg.DatabaseError) => (err = e))
  assert.is(err?.code, '42501')
  assert.match(err!.message, /^warden: denied: .*drop/)
  assert.match(err!.hint ?? '', 'warden.rules.sql.destroy')
  assert.is((await c.query('SELECT 1 AS one')).rows[0].one, 1)
  assert.is((await h.cluster.query('SELECT count(*)::int AS n FROM users'))[0]!.n, 5)
})

test('simple protocol: a denial inside BEGIN fails the transaction as PostgreSQL would; ROLLBACK recovers', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(encodeQuery('BEGIN'))
  assert.is(statusOf(await c.readyCount(1)), 'T')
  c.take()
  c.send(encodeQuery('DELETE FROM users'))
  let frames = await c.readyCount(1)
  assert.is(types(frames), 'EZ')
  assert.is(errorsOf(frames)[0]!.code, '42501')
  assert.is(statusOf(frames), 'E')
  c.take()
  c.send(encodeQuery('SELECT 1'))
  frames = await c.readyCount(1)
  assert.is(errorsOf(frames)[0]!.code, '25P02')
  assert.match(errorsOf(frames)[0]!.message, 'current transaction is aborted')
  c.take()
  c.send(encodeQuery('ROLLBACK'))
  frames = await c.readyCount(1)
  assert.is(types(frames), 'CZ')
  assert.is(statusOf(frames), 'I')
  c.take()
  c.send(encodeQuery('SELECT 1'))
  assert.is(types(await c.readyCount(1)), 'TDCZ')
  c.close()
})

test('psql: the same, driven by a script', async () => {
  const r = await runPsql({
    port: h.port,
    database: 'prod-db',
    token: await h.agentToken(),
    args: ['-A', '-t'],
    script: 'BEGIN;\nTRUNCATE users;\nSELECT 1;\nROLLBACK;\nSELECT count(*) FROM users;\n',
  })
  assert.match(r.stderr, 'warden: denied:')
  assert.match(r.stderr, 'current transaction is aborted')
  assert.is(r.stdout.trim(), '5')
})

test('extended pipeline: messages before the denial run, the denial is reported in order, the rest is skipped until Sync', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(
    ...statement('SELECT 1'),
    ...statement('DROP TABLE orders'),
    ...statement('SELECT 2'),
    encodeSync(),
    ...statement('SELECT 3'),
    encodeSync(),
  )
  const frames = await c.readyCount(2)
  assert.is(types(frames), '12DC' + 'EZ' + '12DCZ')
  assert.is(errorsOf(frames)[0]!.code, '42501')
  c.close()
})

test('extended pipeline inside BEGIN: the server transaction fails too; ROLLBACK works', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(encodeQuery('BEGIN'))
  await c.readyCount(1)
  c.take()
  c.send(...statement("INSERT INTO orders (user_id, amount_cents, status) VALUES (1, 1, 'x')"), ...statement('DROP TABLE orders'), encodeSync())
  let frames = await c.readyCount(1)
  assert.is(types(frames), '12C' + 'EZ')
  assert.is(statusOf(frames), 'E')
  c.take()
  c.send(...statement('SELECT 1'), encodeSync())
  frames = await c.readyCount(1)
  assert.is(errorsOf(frames)[0]!.code, '25P02')
  c.take()
  c.send(encodeQuery('ROLLBACK'))
  assert.is(statusOf(await c.readyCount(1)), 'I')
  assert.is(await orderCount(), 5)
  c.close()
})

test('extended pipeline outside a transaction: the denial rolls back the batch\'s implicit transaction', async () => {
  const before = await orderCount()
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(...statement("INSERT INTO orders (user_id, amount_cents, status) VALUES (2, 2, 'y')"), ...statement('TRUNCATE orders'), encodeSync())
  const frames = await c.readyCount(1)
  assert.is(types(frames), '12CEZ')
  assert.is(statusOf(frames), 'I')
  assert.is(await orderCount(), before)
  c.close()
})

test('named statements: a denied Parse leaves no statement behind; an allowed one is reused by later batches', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  c.send(encodeParse({ name: 'bad', text: 'DELETE FROM users', paramTypes: [] }), encodeSync())
  let frames = await c.readyCount(1)
  assert.is(types(frames), 'EZ')
  c.take()
  c.send(encodeBind({ portal: '', statement: 'bad', paramFormats: [], params: [], resultFormats: [] }), encodeExecute({ portal: '', maxRows: 0 }), encodeSync())
  frames = await c.readyCount(1)
  assert.is(errorsOf(frames)[0]!.code, '26000')
  c.take()
  c.send(encodeParse({ name: 'good', text: 'SELECT plan FROM users WHERE id = $1', paramTypes: [23] }), encodeSync())
  await c.readyCount(1)
  c.take()
  c.send(
    encodeBind({ portal: 'p1', statement: 'good', paramFormats: [], params: [Buffer.from('2')], resultFormats: [] }),
    encodeDescribe({ kind: 'P', name: 'p1' }),
    encodeExecute({ portal: 'p1', maxRows: 0 }),
    encodeSync(),
  )
  frames = await c.readyCount(1)
  assert.is(types(frames), '2TDCZ')
  assert.is(frames.find((f) => f.type === 'D')!.payload.subarray(6).toString(), 'team')
  c.close()
})

test('pg pipeline: a denied query in the middle fails alone', async () => {
  const c = await h.client({ pipeline: true })
  const results = await Promise.allSettled([
    c.query('SELECT 1 AS a'),
    c.query('DROP TABLE users'),
    c.query('SELECT 3 AS c'),
  ])
  assert.is(results[0].status, 'fulfilled')
  assert.is(results[1].status, 'rejected')
  assert.is(((results[1] as PromiseRejectedResult).reason as pg.DatabaseError).code, '42501')
  assert.is(results[2].status, 'fulfilled')
})

test('a batch pipelined just before Terminate still reaches the server: its Sync commits it', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  const before = await orderCount()
  c.send(...statement("INSERT INTO orders (user_id, amount_cents, status) VALUES (3, 3, 'z')"), encodeSync(), encodeTerminate())
  await c.until(() => false).catch(() => undefined)
  let after = before
  for (let i = 0; i < 50 && after === before; i++) {
    await new Promise((r) => setTimeout(r, 50))
    after = await orderCount()
  }
  assert.is(after, before + 1)
})

test('every denial is audited before the error goes back, without literals', () => {
  const denials = h.te.audit.events.filter((e) => e.type === 'statement' && e.effect === 'deny')
  assert.ok(denials.length >= 6)
  assert.not.match(JSON.stringify(denials), "'x'")
})

test('nothing denied reached the server', () => {
  assert.equal(h.unjudgedStatements(), [])
  const logged = h.cluster.statements().map((s) => s.text)
  for (const bad of ['DROP TABLE', 'TRUNCATE', 'DELETE FROM users']) assert.not.ok(logged.some((t) => t.includes(bad)), bad)
})

test.run()
