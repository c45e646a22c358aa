// Transactions the idle limit alone would not end: an extended-protocol statement run without a Sync leaves the
// server inside an implicit transaction (and its locks held) while the last ReadyForQuery still said idle; and a
// client that keeps a transaction busy with a statement now and then is never idle. max_transaction_seconds
// bounds a transaction whatever it does, and idle-in-transaction counts the implicit one.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Frame } from './framing.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { testTarget } from './testing/engine.ts'
import { errorsOf, RawClient, rawMessages as m } from './testing/raw-client.ts'

let h: Harness

test.before(async () => {
  const target = testTarget('prod-db')
  h = await startHarness({
    targets: [{ ...target, upstream: { ...target.upstream!, max_idle_in_transaction_seconds: 2, max_transaction_seconds: 5 } }],
    // Advisory locks need approval in production; here they are taken as if approved.
    override: (input) => (/pg_advisory/.test(input.command.raw) ? { effect: 'allow', reasons: [], obligations: { mask: [] } } : undefined),
    // A hold that no reviewer answers ends after a second (LOCK TABLE in any mode above ACCESS SHARE needs approval).
    holdSeconds: 1,
  })
  await h.cluster.query('CREATE TABLE tx_locked (id int); GRANT SELECT ON tx_locked TO PUBLIC')
})
test.after(async () => {
  await h?.stop()
})

const session = async () => RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })

/** Frames received until the gateway closes the session, or [] after `ms`. */
async function endedWithin(c: RawClient, ms: number) {
  return Promise.race([c.until(() => false, ms + 1_000).catch(() => c.frames), new Promise<never[]>((resolve) => setTimeout(() => resolve([]), ms).unref())])
}

/** DDL on tx_locked does not wait: no session holds a lock on it. */
const unlocked = () => h.cluster.query("SET lock_timeout = '2s'; ALTER TABLE tx_locked ADD COLUMN IF NOT EXISTS note text")

test('an Execute with no Sync after it, then silence: ended as idle in a transaction, its lock released', async () => {
  const c = await session()
  c.send(m.parse('', 'SELECT id FROM tx_locked'), m.bind('', ''), m.execute(''), m.flush())
  await c.until((fs) => fs.some((f) => f.type === 'C'))
  const frames = await endedWithin(c, 8_000)
  assert.is(errorsOf(frames).at(-1)?.code, '25P03', 'the session was ended')
  await unlocked()
})

test('a transaction kept busy past max_transaction_seconds is ended, its lock released', async () => {
  const c = await session()
  c.send(m.query('BEGIN'))
  await c.readyCount(1)
  const started = performance.now()
  const seen: Frame[] = []
  const ended = () => errorsOf(seen).some((e) => e.code === '25P04')
  while (performance.now() - started < 12_000 && !c.closed && !ended()) {
    c.send(m.query('SELECT id FROM tx_locked'))
    await c.until((fs) => fs.some((f) => f.type === 'Z' || f.type === 'E'), 2_000).catch(() => undefined)
    seen.push(...c.take())
    await new Promise((resolve) => setTimeout(resolve, 500))
    seen.push(...c.take())
  }
  const code = errorsOf(seen).find((e) => e.code === '25P04')?.code
  assert.is(code, '25P04', 'ended by the transaction limit')
  const ms = performance.now() - started
  assert.ok(ms >= 4_500, `not before the limit (${Math.round(ms)} ms)`)
  await unlocked()
})

test('short transactions one after another, for longer than the limit in all, are not ended', async () => {
  const c = await session()
  const started = performance.now()
  while (performance.now() - started < 7_000) {
    c.send(m.query('BEGIN; SELECT id FROM tx_locked; COMMIT'))
    await c.readyCount(1)
    c.take()
    await new Promise((resolve) => setTimeout(resolve, 300))
  }
  assert.not.ok(c.closed)
  c.send(m.query('SELECT 1'))
  assert.equal(errorsOf(await c.readyCount(1)), [])
  c.close()
})

/** Whether a session of the server's own (not the gateway's) can take advisory lock `key` now. */
async function lockFree(key: number): Promise<boolean> {
  const rows = (await h.cluster.query(`SELECT pg_try_advisory_lock(${key}) AS got, pg_advisory_unlock_all()`)) as unknown
  return JSON.stringify(rows).includes('true')
}

test('a session-level advisory lock, held past max_transaction_seconds by a session busy outside any transaction: ended, the lock released', async () => {
  const c = await session()
  c.send(m.query('SELECT pg_advisory_lock(4242)'))
  assert.equal(errorsOf(await c.readyCount(1)), [])
  c.take()
  assert.not.ok(await lockFree(4242), 'the gateway session holds the lock')
  const started = performance.now()
  const seen: Frame[] = []
  while (performance.now() - started < 12_000 && !c.closed && !errorsOf(seen).some((e) => e.code === '25P04')) {
    c.send(m.query('SELECT 1'))
    await c.until((fs) => fs.some((f) => f.type === 'Z' || f.type === 'E'), 2_000).catch(() => undefined)
    seen.push(...c.take())
    await new Promise((resolve) => setTimeout(resolve, 500))
    seen.push(...c.take())
  }
  const error = errorsOf(seen).find((e) => e.code === '25P04')
  assert.ok(error, 'ended by the transaction limit')
  assert.match(error!.message, 'advisory locks')
  assert.ok(performance.now() - started >= 4_000, 'not before the limit')
  for (let i = 0; i < 20 && !(await lockFree(4242)); i++) await new Promise((resolve) => setTimeout(resolve, 100))
  assert.ok(await lockFree(4242), 'the lock was released')
})

test('advisory locks released with pg_advisory_unlock_all (or transaction-level ones) do not end the session', async () => {
  const c = await session()
  c.send(m.query('SELECT pg_advisory_lock(4343)'))
  await c.readyCount(1)
  c.take()
  c.send(m.query('SELECT pg_advisory_unlock_all()'))
  await c.readyCount(1)
  c.take()
  c.send(m.query('BEGIN; SELECT pg_advisory_xact_lock(4444); COMMIT'))
  assert.equal(errorsOf(await c.readyCount(1)), [])
  c.take()
  await new Promise((resolve) => setTimeout(resolve, 6_500))
  assert.not.ok(c.closed)
  c.send(m.query('SELECT 1'))
  assert.equal(errorsOf(await c.readyCount(1)), [])
  c.close()
})

test('PREPARE TRANSACTION, whose locks would outlive the session and every limit, is refused', async () => {
  const c = await session()
  c.send(m.query('BEGIN'))
  await c.readyCount(1)
  c.take()
  c.send(m.query("SELECT id FROM tx_locked; PREPARE TRANSACTION 'agent_held'"))
  const frames = await c.readyCount(1)
  assert.is(errorsOf(frames)[0]?.code, '42501')
  c.take()
  c.send(m.query('ROLLBACK'))
  await c.readyCount(1)
  c.close()
  assert.equal(JSON.stringify(await h.cluster.query('SELECT gid FROM pg_prepared_xacts')).includes('agent_held'), false)
  await unlocked()
})

test('a transaction kept open by statements held for approval one after another is still ended at max_transaction_seconds', async () => {
  const c = await session()
  c.send(m.query('BEGIN'), m.query('SELECT id FROM tx_locked'))
  await c.readyCount(2)
  c.take()
  const started = performance.now()
  // Each waits a second for a reviewer who never comes, then the next one: the session is holding nearly all the time.
  c.send(...Array.from({ length: 14 }, () => m.query('LOCK TABLE tx_locked IN ROW SHARE MODE')))
  const frames = await endedWithin(c, 12_000)
  const ms = performance.now() - started
  assert.ok(errorsOf(frames).some((e) => e.code === '25P04'), `ended by the transaction limit: ${JSON.stringify(errorsOf(frames).map((e) => e.code))}`)
  assert.ok(ms < 10_000, `ended within the limit and a second, not after every hold (${Math.round(ms)} ms)`)
  await unlocked()
})

test.run()
