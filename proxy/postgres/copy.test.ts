// COPY is judged like any statement: denied for agents by the default policy; when a policy allows it, the
// data stream is relayed both ways. COPY out of a statement with mask obligations is withheld (fail closed).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Decision, InputDocument } from '../../engine/types.ts'
import { encodeCopyData } from './messages/copy-data.ts'
import { encodeCopyFail } from './messages/copy-fail.ts'
import { encodeQuery } from './messages/query.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { runPsql } from './testing/psql.ts'
import { errorsOf, RawClient, types } from './testing/raw-client.ts'

let h: Harness

// `loader` may COPY without masks; `masked-loader` may COPY but its reads carry a mask.
function override(input: InputDocument): Decision | undefined {
  const isCopy = input.command.sql?.statements.some((s) => s.type === 'copy')
  if (!isCopy) return undefined
  if (input.identity.sub === 'loader') return { effect: 'allow', reasons: [], obligations: { mask: [] } }
  if (input.identity.sub === 'masked-loader') return { effect: 'allow', reasons: [], obligations: { mask: [{ column: 'email' }] } }
  return undefined
}

test.before(async () => {
  h = await startHarness({ override })
})
test.after(async () => {
  await h?.stop()
})

const orderCount = async () => (await h.cluster.query<{ n: number }>('SELECT count(*)::int AS n FROM orders'))[0]!.n

test('the default policy denies COPY for agents', async () => {
  const r = await runPsql({ port: h.port, database: 'prod-db', token: await h.agentToken(), script: 'COPY users TO STDOUT;\n' })
  assert.match(r.stderr, 'warden: denied:')
  assert.not.match(r.stdout, '@example.')
})

test('an allowed COPY FROM STDIN relays the data (psql)', async () => {
  const before = await orderCount()
  const r = await runPsql({
    port: h.port,
    database: 'prod-db',
    token: await h.agentToken('loader'),
    script: 'COPY orders (user_id, amount_cents, status) FROM STDIN;\n1\t700\tpaid\n2\t800\tpaid\n\\.\n',
  })
  assert.is(r.code, 0, r.stderr)
  assert.is(await orderCount(), before + 2)
})

test('an allowed COPY TO STDOUT relays the data (psql)', async () => {
  const r = await runPsql({ port: h.port, database: 'prod-db', token: await h.agentToken('loader'), script: 'COPY (SELECT id, status FROM orders WHERE id <= 2 ORDER BY id) TO STDOUT;\n' })
  assert.is(r.code, 0, r.stderr)
  assert.is(r.stdout, '1\tpaid\n2\trefunded\n')
})

test('COPY out of a statement with masks is withheld with XX000', async () => {
  const r = await runPsql({ port: h.port, database: 'prod-db', token: await h.agentToken('masked-loader'), script: 'COPY users TO STDOUT;\n' })
  assert.match(r.stderr, 'warden: masking failed')
  assert.not.match(r.stdout, '@example.')
})

test('CopyFail from the client aborts the COPY; nothing is inserted and the session goes on', async () => {
  const before = await orderCount()
  const c = await RawClient.session(h.port, { token: await h.agentToken('loader'), database: 'prod-db' })
  c.send(encodeQuery('COPY orders (user_id, amount_cents, status) FROM STDIN'))
  await c.until((fs) => fs.some((f) => f.type === 'G'))
  c.send(encodeCopyData(Buffer.from('1\t1\tpaid\n')), encodeCopyFail('changed my mind'))
  const frames = await c.readyCount(1)
  assert.is(types(frames), 'GEZ')
  assert.match(errorsOf(frames)[0]!.message, 'changed my mind')
  assert.is(await orderCount(), before)
  c.take()
  c.send(encodeQuery('SELECT 1'))
  assert.is(types(await c.readyCount(1)), 'TDCZ')
  c.close()
})

test('a query in the middle of COPY data is a protocol violation', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken('loader'), database: 'prod-db' })
  c.send(encodeQuery('COPY orders (user_id, amount_cents, status) FROM STDIN'))
  await c.until((fs) => fs.some((f) => f.type === 'G'))
  c.send(encodeQuery('DROP TABLE orders'))
  const frames = await c.until(() => false).catch(() => c.frames)
  assert.is(errorsOf(frames).at(-1)!.code, '08P01')
  assert.ok(c.closed)
})

test('a client that leaves in the middle of COPY FROM STDIN: nothing it sent is committed and the server session ends', async () => {
  const before = await orderCount()
  const c = await RawClient.session(h.port, { token: await h.agentToken('loader'), database: 'prod-db' })
  c.send(encodeQuery('COPY orders (user_id, amount_cents, status) FROM STDIN'))
  await c.until((fs) => fs.some((f) => f.type === 'G'))
  c.send(encodeCopyData(Buffer.from('1\t1\tpaid\n1\t2\tpaid\n')))
  await new Promise((r) => setTimeout(r, 200))
  c.socket.destroy()
  let copying = 1
  for (let i = 0; i < 50 && copying > 0; i++) {
    await new Promise((r) => setTimeout(r, 100))
    copying = (await h.cluster.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'COPY orders%' AND pid <> pg_backend_pid()`))[0]!.n
  }
  assert.is(copying, 0, 'the server session that ran the COPY has ended')
  assert.is(await orderCount(), before, 'no row of the unfinished COPY was committed')
})

test('only allowed statements reached the server', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
