// A view's definition is what the gateway follows to tell where a view column comes from, and the server can
// change it without the gateway seeing any DDL: a migration run directly on the database, or CREATE OR REPLACE
// VIEW through another gateway of a scale-out. The RowDescription then names the view, not the base column, so
// nothing in the result says the column is now a masked one. A view's cached definition is therefore trusted for
// a short time only (catalog.ts VIEW_FRESH_MS): after it, the view is looked up again before it is judged.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type pg from 'pg'
import { VIEW_FRESH_MS } from './catalog.ts'
import { startHarness, type Harness } from './testing/harness.ts'

let h: Harness
const SECRET = 'hunter2topsecret'

test.before(async () => {
  h = await startHarness()
  await h.cluster.query(`SET ROLE warden;
    CREATE SCHEMA vault; CREATE TABLE vault.accounts (id int, password text, note text); INSERT INTO vault.accounts VALUES (1, '${SECRET}', 'n');
    CREATE VIEW acct_v AS SELECT id, note AS info FROM vault.accounts`)
})
test.after(async () => {
  await h?.stop()
})

const outcome = (c: pg.Client, q: string) => c.query(q).then((r) => JSON.stringify(r.rows), (e: pg.DatabaseError) => `${e.code}: ${e.message}`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

test('a view redefined on the server (CREATE OR REPLACE, same OID) is followed anew, and its new masked column is masked', async () => {
  const c = await h.client()
  assert.is(await outcome(c, 'SELECT info FROM acct_v'), JSON.stringify([{ info: 'n' }]))
  await h.cluster.query('SET ROLE warden; CREATE OR REPLACE VIEW acct_v AS SELECT id, password AS info FROM vault.accounts')
  await sleep(VIEW_FRESH_MS + 100)
  for (const q of ['SELECT info FROM acct_v', 'SELECT * FROM acct_v']) {
    const got = await outcome(c, q)
    assert.not.match(got, SECRET, q)
    assert.match(got, '[redacted]', q)
  }
})

test('a view dropped and created again on the server (a new OID) is followed anew too', async () => {
  const c = await h.client()
  await h.cluster.query('SET ROLE warden; CREATE VIEW acct_w AS SELECT id, note AS info FROM vault.accounts')
  assert.is(await outcome(c, 'SELECT info FROM acct_w'), JSON.stringify([{ info: 'n' }]))
  await h.cluster.query('SET ROLE warden; DROP VIEW acct_w; CREATE VIEW acct_w AS SELECT id, password AS info FROM vault.accounts')
  await sleep(VIEW_FRESH_MS + 100)
  const got = await outcome(c, 'SELECT info FROM acct_w')
  assert.not.match(got, SECRET)
  assert.match(got, '[redacted]')
})

test.run()
