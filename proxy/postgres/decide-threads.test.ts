// With decide threads (policy.decide_threads), a session's statements are decided off the socket thread and
// enforced exactly as before: allowed reads masked, denials native, nothing unjudged reaches the server. A
// thread that dies costs time only: the statements in flight are decided on the socket thread.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type pg from 'pg'
import { startHarness, type Harness } from './testing/harness.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ decideThreads: 1, holdSeconds: 1 })
})
test.after(async () => {
  await h?.stop()
})

/** The outcome a client sees: the rows, or the error's SQLSTATE. */
async function outcome(c: pg.Client, text: string, values?: unknown[]): Promise<unknown> {
  try {
    return (await c.query(text, values)).rows
  } catch (err) {
    return (err as pg.DatabaseError).code
  }
}

const statements = [
  'SELECT id, email FROM users WHERE id = 1',
  'SELECT id, email FROM users WHERE id = 2',
  'SELECT count(*)::int AS n FROM orders',
  'DROP TABLE users',
  "SET search_path = 'x'",
  'DELETE FROM users',
]

test('simple and extended protocol: decided on the thread, enforced as on the socket thread', async () => {
  const pool = h.te.pool!
  const c = await h.client()
  const seen: unknown[] = []
  for (const text of statements) seen.push(await outcome(c, text))
  seen.push(await outcome(c, 'SELECT id, email FROM users WHERE id = $1', [3]))
  for (const i of [0, 1, 6]) {
    const rows = seen[i] as { id: number; email: string }[]
    assert.is(rows.length, 1)
    assert.match(rows[0]!.email, /^\*+[^@]*$/, `email masked in ${JSON.stringify(rows)}`)
  }
  assert.equal(seen[2], [{ n: (await h.cluster.query<{ n: number }>('SELECT count(*)::int AS n FROM orders'))[0]!.n }])
  assert.equal([seen[3], seen[5]], ['42501', '42501'], 'denied')
  assert.is(typeof seen[4], 'string', 'held for approval, then refused when nobody approves')
  assert.ok(pool.used >= statements.length, `${pool.used} decisions came from the thread`)
  assert.equal(h.unjudgedStatements(), [])
})

test('a decide thread that dies: the statements go on, decided on the socket thread, then on a new thread', async () => {
  const pool = h.te.pool!
  const clients = await Promise.all(Array.from({ length: 4 }, () => h.client()))
  const c = clients[0]!
  const before = { used: pool.used, unused: pool.unused }
  const thread = (pool as unknown as { members: { thread: { terminate(): Promise<void> } }[] }).members[0]!.thread
  const runs = clients.map(async (client, k) => {
    const out: unknown[] = []
    for (let i = 0; i < 5; i++) out.push(await outcome(client, `SELECT id, plan FROM users WHERE id = ${k * 10 + i}`))
    return out
  })
  await thread.terminate()
  const results = (await Promise.all(runs)).flat()
  for (const r of results) assert.ok(Array.isArray(r), `judged and answered: ${JSON.stringify(r)}`)
  assert.is(await outcome(c, 'DROP TABLE orders'), '42501')
  assert.ok(pool.used + pool.unused > before.used + before.unused)
  assert.is((await outcome(c, 'SELECT id, plan FROM users WHERE id = 99') as unknown[]).length, 0)
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
