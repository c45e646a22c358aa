// Writes whose WHERE clause picks no rows by a given value may change every row, and are denied in production like
// a write without WHERE (unbounded_write): `WHERE id + 0 = id`, `WHERE email IS NOT NULL`, `WHERE id > -1`,
// `WHERE true AND id = id`, `WHERE ctid = ctid`, `WHERE EXISTS (SELECT 1)`, rows a function or a CTE gives. Each
// read as limited before (it read the row) and went to approval as a write with a WHERE clause.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startHarness, type Harness } from './testing/harness.ts'
import { runPsql } from './testing/psql.ts'

let h: Harness

test.before(async () => {
  h = await startHarness()
})
test.after(async () => {
  await h?.stop()
})

const UNBOUNDED = [
  "UPDATE users SET plan = 'x' WHERE id + 0 = id",
  "UPDATE users SET plan = 'x' WHERE email IS NOT NULL",
  'DELETE FROM orders WHERE true AND id = id',
  'DELETE FROM orders WHERE 1 = 1',
  'DELETE FROM orders WHERE id = id OR false',
  'DELETE FROM orders WHERE coalesce(id = 1, true)',
  'DELETE FROM orders WHERE NOT false',
  'DELETE FROM orders WHERE id > -1',
  'DELETE FROM orders WHERE id >= 0',
  'DELETE FROM orders WHERE ctid = ctid',
  'DELETE FROM orders WHERE EXISTS (SELECT 1)',
  'DELETE FROM orders WHERE id <> 5',
  "DELETE FROM orders WHERE (status = 'paid') = true",
  'DELETE FROM orders USING generate_series(1, 100000) g WHERE orders.id = g',
  'WITH s AS (SELECT id FROM orders) DELETE FROM orders USING s WHERE orders.id = s.id',
  'DELETE FROM orders USING (SELECT id FROM orders) s WHERE orders.id = s.id',
  'DELETE FROM orders WHERE id IN (SELECT generate_series(1, 100000))',
]

test('psql: each write whose WHERE picks no rows by a given value is denied as unbounded, and no row changes', async () => {
  const r = await runPsql({
    port: h.port,
    database: 'prod-db',
    token: await h.agentToken(),
    args: ['-A', '-t'],
    script: `${UNBOUNDED.map((s) => `${s};`).join('\n')}\nSELECT count(*) FROM orders;\n`,
  })
  const denials = r.stderr.split('\n').filter((l) => l.includes('has no WHERE clause that limits its rows'))
  assert.is(denials.length, UNBOUNDED.length, r.stderr)
  assert.is(r.stdout.trim(), '5')
  const plans = await h.cluster.query<{ n: number }>("SELECT count(*)::int AS n FROM users WHERE plan = 'x'")
  assert.is(plans[0]!.n, 0)
})

test.run()
