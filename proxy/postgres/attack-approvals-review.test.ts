// What a reviewer of a held statement sees, against a real PostgreSQL 15.
// - A bound value was shown cut at 2,000 characters: a document whose first field is long (`{"notes": "…",
//   "plan": "enterprise"}`) hid the fields after it, which the statement grant covers exactly. Values are now shown
//   whole up to the length of a review text, past which it says to deny (engine/approvals/review-text.ts).
// - A held SQL EXECUTE showed the reviewer only its own text: `EXECUTE up('free')`. A statement prepared by a Parse
// with no Bind is not held (its hold waits for a Bind's values), so an agent could prepare `up` as an UPDATE
// nobody ever saw, and have it approved as a name and a value. The review text now goes on with the statement each
// EXECUTE runs, as the engine resolved and judged it (engine/approvals/prepared-review.ts).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { encodeParse } from './messages/parse.ts'
import { encodeQuery } from './messages/query.ts'
import { encodeSync } from './messages/sync.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, RawClient } from './testing/raw-client.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 20 })
})
test.after(async () => {
  await h?.stop()
})

const dba = () => h.te.identity('alice', ['dba'], 'human')

/** The errors of the next answer (up to its ReadyForQuery), which is then forgotten. */
async function answer(c: RawClient) {
  const errors = errorsOf(await c.readyCount(1))
  c.take()
  return errors
}

test('a held EXECUTE of a statement prepared by a Parse nobody reviewed shows the reviewer that statement', async () => {
  const before = await h.cluster.query('SELECT id, plan FROM users ORDER BY id')
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  const prepared = 'UPDATE users SET plan = $1 WHERE id IN (2, 3, 4)'
  c.send(encodeParse({ name: 'up', text: prepared, paramTypes: [] }), encodeSync())
  assert.equal(await answer(c), [])
  c.send(encodeQuery("EXECUTE up('free')"))
  const id = await h.pendingApproval()
  const review = (await h.te.approvals.get(id))!.command.review_text
  assert.is(review, `EXECUTE up('free')\n-- EXECUTE up runs the statement prepared as:\n${prepared}`)
  await h.te.approvals.reject(id, dba())
  assert.is((await answer(c))[0]?.code, '42501')
  assert.equal(await h.cluster.query('SELECT id, plan FROM users ORDER BY id'), before)
  c.close()
})

test('a held EXECUTE of a SQL PREPARE names the statement too', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  const prepared = 'UPDATE users SET plan = $1 WHERE id = $2'
  c.send(encodeQuery(`PREPARE up2 AS ${prepared}`))
  const approved = await h.pendingApproval()
  await h.te.approvals.approve(approved, dba())
  assert.equal(await answer(c), [])
  c.send(encodeQuery("EXECUTE up2('gold', 3); EXECUTE up2('gold', 4)"))
  const id = await h.pendingApproval(new Set([approved]))
  const review = (await h.te.approvals.get(id))!.command.review_text
  assert.is(review, `EXECUTE up2('gold', 3); EXECUTE up2('gold', 4)\n-- EXECUTE up2 runs the statement prepared as:\n${prepared}`)
  await h.te.approvals.reject(id, dba())
  assert.is((await answer(c))[0]?.code, '42501')
  c.close()
})

test('a long bound value is shown whole: a field after a long first one is not hidden from the reviewer', async () => {
  const c = await h.client()
  const doc = JSON.stringify({ notes: 'Quarterly plan review, nothing to change. '.repeat(60), plan: 'enterprise' })
  const run = c.query('UPDATE users SET plan = $1 WHERE id = $2', [doc, 3]).catch((e: { code?: string }) => e)
  const id = await h.pendingApproval()
  const review = (await h.te.approvals.get(id))!.command.review_text
  await h.te.approvals.reject(id, dba())
  assert.is(((await run) as { code?: string }).code, '42501')
  assert.is(review, `UPDATE users SET plan = '${doc}' WHERE id = '3'`)
  await c.end()
})

test('nothing reached the server without an allow decision', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
