// A statement that runs past the target's max_statement_seconds is cancelled on the server, whatever the
// session set statement_timeout to; the session goes on. A session idle in a transaction past
// max_idle_in_transaction_seconds is ended, and its locks with it.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type pg from 'pg'
import type { Entry } from './pending.ts'
import { runningEntry, SpanWatch, StatementWatch } from './time-limits.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { RawClient } from './testing/raw-client.ts'
import { encodeQuery } from './messages/query.ts'
import { encodeParse } from './messages/parse.ts'
import { encodeBind } from './messages/bind.ts'
import { encodeExecute } from './messages/execute.ts'
import { encodeSync } from './messages/sync.ts'
import { testTarget } from './testing/engine.ts'

const ENDLESS = 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r'

let h: Harness

test.before(async () => {
  const target = testTarget('prod-db')
  const slow = testTarget('slow-db')
  h = await startHarness({ targets: [
    { ...target, upstream: { ...target.upstream!, max_statement_seconds: 1, max_idle_in_transaction_seconds: 2 } },
    { ...slow, upstream: { ...slow.upstream!, max_statement_seconds: 4 } },
  ] })
  await h.cluster.query('CREATE TABLE idle_locked (id int); GRANT SELECT ON idle_locked TO PUBLIC')
})
test.after(async () => {
  await h?.stop()
})

async function cancelledWithin(c: pg.Client, run: () => Promise<unknown>): Promise<{ code?: string; ms: number; notices: string[] }> {
  const notices: string[] = []
  c.on('notice', (n) => notices.push(n.message ?? ''))
  const started = performance.now()
  // Without the limit the query would never end: give up well before the test runner does.
  const gaveUp = new Promise<{ code: string }>((resolve) => setTimeout(() => resolve({ code: 'not cancelled within 20 s' }), 20_000).unref())
  const err = await Promise.race([run().then(() => undefined, (e: { code?: string }) => e), gaveUp])
  return { code: err?.code, ms: performance.now() - started, notices }
}

test('an endless query is cancelled past the limit, though the session set statement_timeout to 0', async () => {
  const c = await h.client()
  await c.query('SET statement_timeout = 0')
  const { code, ms, notices } = await cancelledWithin(c, () => c.query(ENDLESS))
  assert.is(code, '57014', 'the server cancelled it')
  assert.ok(ms >= 900 && ms < 10_000, `cancelled after ${Math.round(ms)} ms`)
  assert.ok(notices.some((n) => n.includes('max_statement_seconds')), 'the client is told why')
  assert.is((await c.query('SELECT 2 AS two')).rows[0].two, 2, 'the session goes on')
})

test('an endless Execute (extended protocol) is cancelled too', async () => {
  const c = await h.client()
  const { code } = await cancelledWithin(c, () => c.query({ text: `${ENDLESS} WHERE $1::int = 1`, values: [1] }))
  assert.is(code, '57014')
  assert.is((await c.query({ text: 'SELECT $1::int AS n', values: [3] })).rows[0].n, 3)
})

/** Server processes of the app database running `text` (not through the superuser's own session). */
async function runningOnServer(fragment: string): Promise<number> {
  const rows = await h.cluster.query<{ n: string }>(`SELECT count(*) AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE $1 AND pid <> pg_backend_pid()`, [`%${fragment}%`])
  return Number(rows[0]!.n)
}

test('a client that leaves while its endless statement runs does not lift the limit: the server cancels it', async () => {
  const marker = `left_behind_${Date.now()}`
  const c = await h.client()
  c.on('error', () => undefined)
  void c.query(`${ENDLESS} WHERE '${marker}' <> ''`).catch(() => undefined)
  for (let i = 0; i < 50 && (await runningOnServer(marker)) === 0; i++) await new Promise((r) => setTimeout(r, 100))
  assert.is(await runningOnServer(marker), 1, 'the statement runs on the server')
  // The agent goes away without waiting (a killed process, a dropped connection).
  ;(c as unknown as { connection: { stream: { destroy(): void } } }).connection.stream.destroy()
  try {
    let still = 1
    for (let i = 0; i < 60 && still > 0; i++) {
      await new Promise((r) => setTimeout(r, 100))
      still = await runningOnServer(marker)
    }
    assert.is(still, 0, 'the statement was cancelled on the server once the limit passed')
  } finally {
    await h.cluster.query(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`, [`%${marker}%`])
  }
})

test('a session idle in a transaction past the limit is ended, and its locks are released', async () => {
  const c = await h.client()
  c.on('error', () => undefined)
  const ended = new Promise<boolean>((resolve) => c.once('end', () => resolve(true)))
  await c.query('SET idle_in_transaction_session_timeout = 0')
  await c.query('BEGIN')
  await c.query('SELECT id FROM idle_locked')
  // The limit is 2 s; wait for the gateway to end the session rather than a fixed time a loaded machine can outrun.
  const gaveUp = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 20_000).unref())
  assert.ok(await Promise.race([ended, gaveUp]), 'the session was ended within 20 s')
  const err = await c.query('SELECT 1').then(() => undefined, (e: { code?: string; message: string }) => e)
  assert.ok(err, 'the session was ended')
  // The transaction's lock on idle_locked is gone: DDL on it does not wait.
  await h.cluster.query("SET lock_timeout = '2s'; ALTER TABLE idle_locked ADD COLUMN note text")
})

test('a session idle outside a transaction, or busy inside one, is not ended', async () => {
  const c = await h.client()
  await new Promise((resolve) => setTimeout(resolve, 2_500))
  assert.is((await c.query('SELECT 4 AS n')).rows[0].n, 4)
  await c.query('BEGIN')
  for (let i = 0; i < 6; i++) {
    await c.query('SELECT id FROM idle_locked')
    await new Promise((resolve) => setTimeout(resolve, 700))
  }
  await c.query('COMMIT')
})

test('SpanWatch, idle in a transaction: counts only time spent idle in a transaction, from when it began', () => {
  let now = 0
  const idle = new SpanWatch(2000, () => now)
  assert.not.ok(idle.overrun(true, 5))
  now = 1999
  assert.not.ok(idle.overrun(true, 5))
  now = 2000
  assert.ok(idle.overrun(true, 5))
  assert.not.ok(idle.overrun(false, 5), 'the end of the transaction resets it')
  now = 3000
  assert.not.ok(idle.overrun(true, 5))
  now = 4900
  assert.not.ok(idle.overrun(true, 6), 'a message sent between two samples resets it')
  now = 6000
  assert.not.ok(idle.overrun(true, 6))
  now = 6900
  assert.ok(idle.overrun(true, 6))
})

test('SpanWatch, a transaction open: counts one transaction from when it was first seen open; a ReadyForQuery idle in between starts anew', () => {
  let now = 0
  const tx = new SpanWatch(2000, () => now)
  assert.not.ok(tx.overrun(true, 1))
  now = 1500
  assert.not.ok(tx.overrun(true, 1))
  now = 2000
  assert.ok(tx.overrun(true, 1), 'busy or not, open for the limit')
  now = 2500
  assert.not.ok(tx.overrun(true, 2), 'it ended and another began between two samples')
  now = 4000
  assert.not.ok(tx.overrun(false, 2))
  now = 7000
  assert.not.ok(tx.overrun(true, 2), 'closed at the last sample: opens now')
  now = 9000
  assert.ok(tx.overrun(true, 2))
})

test('StatementWatch: a head entry is cancelled once, past the limit, and not while the server waits for COPY data', () => {
  let now = 0
  const watch = new StatementWatch(1000, () => now)
  const run = { kind: 'query', wait: { done: false } } as unknown as Entry
  assert.not.ok(watch.overrun(run, false), 'first seen')
  now = 999
  assert.not.ok(watch.overrun(run, false))
  now = 1000
  assert.ok(watch.overrun(run, false), 'past the limit')
  now = 5000
  assert.not.ok(watch.overrun(run, false), 'once per entry')
  const next = { kind: 'execute', wait: { done: false } } as unknown as Entry
  assert.not.ok(watch.overrun(next, false), 'a new head starts its own clock')
  now = 7000
  assert.not.ok(watch.overrun(next, true), 'waiting for the client')
  assert.not.ok(watch.overrun({ kind: 'sync' } as Entry, false))
  assert.not.ok(watch.overrun(undefined, false))
})

test('runningEntry: the first Query or Execute, behind Parse, Bind and Describe the server has not answered yet', () => {
  const execute = { kind: 'execute' } as Entry
  assert.is(runningEntry([{ kind: 'parse' }, { kind: 'bind' }, { kind: 'describe' }, execute, { kind: 'sync' }] as Entry[]), execute)
  assert.is(runningEntry([{ kind: 'sync' }] as Entry[]), undefined)
})


test('a client that leaves just before the limit does not start it over: the statement is cancelled at the limit from its start', async () => {
  const marker = `late_leaver_${Date.now()}`
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'slow-db' })
  c.send(encodeQuery(`${ENDLESS} WHERE '${marker}' <> ''`))
  for (let i = 0; i < 50 && (await runningOnServer(marker)) === 0; i++) await new Promise((r) => setTimeout(r, 100))
  assert.is(await runningOnServer(marker), 1, 'the statement runs on the server')
  // slow-db's limit is 4 s: leave after 3 s of it.
  await new Promise((r) => setTimeout(r, 3_000))
  assert.is(await runningOnServer(marker), 1, 'still running before the limit')
  c.socket.destroy()
  const left = performance.now()
  try {
    let still = 1
    while (still > 0 && performance.now() - left < 3_400) {
      await new Promise((r) => setTimeout(r, 100))
      still = await runningOnServer(marker)
    }
    // At the limit from its start (plus one sample of the watch, 1 s): 2 s after leaving. A limit counted anew
    // from the leaving would let it run 4 s more.
    assert.is(still, 0, `still running ${Math.round(performance.now() - left)} ms after the client left`)
  } finally {
    await h.cluster.query(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`, [`%${marker}%`])
  }
})

for (const [protocol, send] of [
  ['Query', (c: RawClient, a: string, b: string) => c.send(encodeQuery(a), encodeQuery(b))],
  ['Parse/Bind/Execute/Sync', (c: RawClient, a: string, b: string) => c.send(...[a, b].flatMap((text) => [
    encodeParse({ name: '', text, paramTypes: [] }),
    encodeBind({ portal: '', statement: '', paramFormats: [], params: [], resultFormats: [] }),
    encodeExecute({ portal: '', maxRows: 0 }),
    encodeSync(),
  ]))],
] as const) {
  test(`a client that pipelines two endless statements (${protocol}) and leaves: neither runs on past the limit`, async () => {
    const marker = `pipelined_${protocol.length}_${Date.now()}`
    const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
    // Both at once: the server would run the second once the first has ended (cancelled or not).
    send(c, `${ENDLESS} WHERE '${marker}_1' <> ''`, `${ENDLESS} WHERE '${marker}_2' <> ''`)
    for (let i = 0; i < 50 && (await runningOnServer(`${marker}_1`)) === 0; i++) await new Promise((r) => setTimeout(r, 100))
    assert.is(await runningOnServer(`${marker}_1`), 1, 'the first statement runs on the server')
    await new Promise((r) => setTimeout(r, 200))
    c.socket.destroy()
    try {
      // Limit 1 s: by 4 s after leaving, the first is cancelled and a second, had it started, would be too.
      let seen = 0
      for (let i = 0; i < 40; i++) {
        await new Promise((r) => setTimeout(r, 100))
        seen = Math.max(seen, await runningOnServer(`${marker}_2`))
      }
      assert.is(seen, 0, 'the second statement never ran without a client')
      assert.is(await runningOnServer(marker), 0, 'nothing of the session runs on')
    } finally {
      await h.cluster.query(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()`, [`%${marker}%`])
    }
  })
}

test.run()
