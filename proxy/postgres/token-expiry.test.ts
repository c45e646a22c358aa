// A PostgreSQL session lasts as long as the token it logged in with: the password is checked once, at startup,
// so without this an agent whose token expired (or was not renewed because its access was withdrawn) kept a
// working session for as long as it kept the connection open.
import pg from 'pg'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type Harness, startHarness } from './testing/harness.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 30 })
})
test.after(async () => {
  await h?.stop()
})

// Long enough that connecting and a first statement finish well inside it on a loaded machine.
const TTL_S = 8

async function connect(token: string): Promise<{ client: pg.Client; errors: Array<{ code?: string; message: string }> }> {
  const client = new pg.Client({ host: '127.0.0.1', port: h.port, user: 'agent', database: 'prod-db', password: token, ssl: false })
  const errors: Array<{ code?: string; message: string }> = []
  client.on('error', (e: Error & { code?: string }) => errors.push({ code: e.code, message: e.message }))
  await client.connect()
  return { client, errors }
}

const settled = (p: Promise<unknown>) => p.then(() => undefined, (e: { code?: string; message: string }) => e)

test('an idle session ends when its token expires (FATAL 28000 naming the expiry), and the next statement never runs', async () => {
  const token = await h.te.token('cursor', ['agents'], { ttlSeconds: TTL_S })
  const { client, errors } = await connect(token)
  const ended = new Promise<boolean>((resolve) => client.once('end', () => resolve(true)))
  assert.equal((await client.query('SELECT 1 AS one')).rows, [{ one: 1 }], 'works while the token is valid')
  // Wait for the gateway to end the session, not a fixed time past the expiry a loaded machine can outrun.
  const gaveUp = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), TTL_S * 1000 + 15_000).unref())
  assert.ok(await Promise.race([ended, gaveUp]), 'the session ended')
  const since = h.cluster.logOffset()
  const late = await settled(client.query("SELECT 'after-expiry' AS late"))
  assert.ok(late, 'a statement after the expiry fails')
  const fatal = errors.find((e) => e.code === '28000')
  assert.ok(fatal, `the client was told: ${JSON.stringify(errors)}`)
  assert.match(fatal!.message, /token .*expired/)
  assert.not.ok(h.cluster.statements(since).some((s) => s.text.includes('after-expiry')), 'the server never ran it')
  const recorded = h.te.audit.events.find((e) => e.type === 'error' && e.code === 'token.expired')
  assert.ok(recorded, 'the end of the session is on the audit trail')
  assert.not.match(JSON.stringify(recorded), token.split('.')[1]!.slice(0, 16))
})

test('a session busy in a transaction is ended at the expiry too, and its transaction rolled back', async () => {
  await h.cluster.query('CREATE TABLE IF NOT EXISTS token_expiry_t (id int); GRANT ALL ON token_expiry_t TO PUBLIC')
  const token = await h.te.token('cursor', ['agents'], { ttlSeconds: TTL_S })
  const { client } = await connect(token)
  await client.query('BEGIN')
  await client.query('SELECT count(*) FROM token_expiry_t')
  const deadline = Date.now() + TTL_S * 1000 + 1500
  let failed: { code?: string } | undefined
  while (Date.now() < deadline && !failed) {
    failed = await settled(client.query('SELECT 1'))
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  assert.ok(failed, 'statements stop working by the expiry')
  // The server session is gone with its transaction: nothing of it is left behind holding locks.
  const locks = async () => (await h.cluster.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE c.relname = 'token_expiry_t'`))[0]!.n
  const until = Date.now() + 5000
  while ((await locks()) > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100))
  assert.is(await locks(), 0)
})

test('a statement still running when the token expires is cancelled on the server, not left running without a client', async () => {
  const ENDLESS = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r WHERE n > 0 AND 'token-expiry-endless' <> ''"
  const { client } = await connect(await h.te.token('cursor', ['agents'], { ttlSeconds: TTL_S }))
  const running = settled(client.query(ENDLESS))
  const ended = await Promise.race([running, new Promise((resolve) => setTimeout(() => resolve('still running'), TTL_S * 1000 + 10_000).unref())])
  assert.ok(ended !== 'still running' && ended, 'the client was told the session ended')
  const onServer = async () => (await h.cluster.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%token-expiry-endless%' AND pid <> pg_backend_pid()`))[0]!.n
  const until = Date.now() + 5000
  while ((await onServer()) > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 100))
  assert.is(await onServer(), 0, 'the server stopped running it')
})

test('a token valid for longer keeps its session, and a new token starts a new one', async () => {
  const { client } = await connect(await h.te.token('cursor', ['agents'], { ttlSeconds: 600 }))
  await new Promise((resolve) => setTimeout(resolve, 1000))
  assert.equal((await client.query('SELECT 2 AS two')).rows, [{ two: 2 }])
  await client.end()
})

test.run()
