// `(t).*` and `(t.*).*` are `t.*` to PostgreSQL: one column per column of t. The gateway read them as one value
// derived from the whole row, so the server's answer had more columns than the statement's plan and the masker
// refused it ("masking failed", no row sent). Now they are planned as t.*: every column masked by its origin,
// exactly as `SELECT t.*` gives it.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ seed: [LEAK_SEED_SQL] })
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

test('(t).* and (t.*).* give every column masked, as t.* does', async () => {
  const c = await session()
  try {
    for (const [plain, forms] of [
      ['SELECT k.* FROM credentials k ORDER BY k.id', ['SELECT (k).* FROM credentials k ORDER BY k.id', 'SELECT (k.*).* FROM credentials k ORDER BY k.id', 'SELECT (credentials).* FROM credentials ORDER BY id']],
      ['SELECT d.* FROM customer_directory d ORDER BY d.id', ['SELECT (d).* FROM customer_directory d ORDER BY d.id']],
      ['SELECT s.*, 1 FROM (SELECT id, password FROM credentials) s ORDER BY 1', ['SELECT (s).*, 1 FROM (SELECT id, password FROM credentials) s ORDER BY 1']],
    ] as const) {
      const expected = await query(c, plain)
      assert.equal(expected.errors, [], plain)
      assert.ok(expected.rows.length > 0 && expected.rows.flat().includes('[redacted]'), plain)
      for (const sql of forms) {
        const r = await query(c, sql)
        assert.equal(r.errors, [], sql)
        assert.equal(r.leaks, [], sql)
        assert.equal(r.rows, expected.rows, sql)
      }
    }
  } finally {
    c.close()
  }
})

test('a composite column named like its table is read first, as PostgreSQL does: its fields are not expanded as the table\'s', async () => {
  await h.cluster.query(`SET ROLE warden; CREATE TYPE pair AS (label text, password text);
    CREATE TABLE holder (id int, holder pair); INSERT INTO holder SELECT id, ROW(label, password)::pair FROM credentials; RESET ROLE`)
  const c = await session()
  try {
    const r = await query(c, 'SELECT (holder).* FROM holder')
    assert.equal(r.leaks, [])
    assert.ok(r.errors.length > 0 || r.rows.every((row) => row.length === 2), JSON.stringify(r))
  } finally {
    c.close()
  }
})

test.run()
