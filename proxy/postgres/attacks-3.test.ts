// A third attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: values of masked columns that reach the client by routes the first reviews did not try.
// - Write errors: a NOT NULL / CHECK / unique violation's DETAIL repeats the whole row (or key) of the table the
//   statement writes, masked columns included, though the statement names none of them.
// Statements an agent needs approval for are approved here by a human dba, as a reviewer would approve a harmless
// looking one. Each test asserts that no seeded secret comes back (testing/leak-check.ts).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type pg from 'pg'
import { startHarness, type Harness } from './testing/harness.ts'
import { createLeakChecker } from './testing/leak-check.ts'
import { LEAK_SEED_SQL, SEEDED_SECRETS } from './testing/seed-leaks.ts'

let h: Harness
const checker = createLeakChecker(SEEDED_SECRETS)

test.before(async () => {
  h = await startHarness({ holdSeconds: 20 })
  await h.cluster.query(LEAK_SEED_SQL)
})
test.after(async () => {
  await h?.stop()
})

const dba = () => h.te.identity('alice', ['dba'], 'human')

/** The rows, or the error's fields, a query gave back. */
const outcome = (p: Promise<pg.QueryResult>) =>
  p.then((r) => ({ rows: r.rows as unknown }), (e: pg.DatabaseError) => ({ error: { code: e.code, message: e.message, detail: e.detail, hint: e.hint, where: e.where } }))

/** Masked values in what a query gave back. */
const leaksIn = (got: unknown) => checker.scan({ results: [], messages: [JSON.stringify(got)] }).map((l) => `${l.column} via ${l.via}`)

/** Runs `sql`, which the policy holds for approval, and approves it as a dba would. */
async function approved(c: pg.Client, sql: string) {
  const known = new Set((await h.te.approvals.list({ status: 'pending' })).map((r) => r.id))
  let settled: unknown
  const result = outcome(c.query(sql)).then((r) => (settled = r))
  for (let i = 0; i < 500 && settled === undefined; i++) {
    const p = (await h.te.approvals.list({ status: 'pending' })).find((r) => !known.has(r.id))
    if (p) {
      await h.te.approvals.approve(p.id, dba())
      return result
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`no approval request appeared for ${sql}: ${JSON.stringify(settled)}`)
}

// ---- write errors ----

test('a NOT NULL violation of an approved UPDATE naming no masked column: its "Failing row contains" DETAIL is withheld', async () => {
  const c = await h.client()
  const got = await approved(c, 'UPDATE credentials SET label = NULL WHERE id = 1')
  assert.equal(leaksIn(got), [])
  assert.is((got as { error: { code: string } }).error.code, '23502')
  // The table's plain columns still give readable errors where nothing masked is involved.
  const plain = await approved(c, 'UPDATE orders SET status = NULL WHERE id = 1')
  assert.match(JSON.stringify(plain), 'violates not-null constraint')
})

test('a CHECK violation and a unique violation on a written table with masked columns: DETAIL withheld', async () => {
  const c = await h.client()
  await h.cluster.query(`ALTER TABLE credentials ADD CONSTRAINT label_short CHECK (length(label) < 20) NOT VALID;
    CREATE UNIQUE INDEX credentials_customer ON credentials (customer_id)`)
  const check = await approved(c, "UPDATE credentials SET label = repeat('x', 30) WHERE id = 2")
  assert.equal(leaksIn(check), [])
  assert.is((check as { error: { code: string } }).error.code, '23514')
  const unique = await approved(c, 'UPDATE credentials SET customer_id = 1 WHERE id = 3')
  assert.equal(leaksIn(unique), [])
  assert.is((unique as { error: { code: string } }).error.code, '23505')
})

test.run()
