// A nineteenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: code made elsewhere that reads a table's column by its number, judged while it had a harmless
// name.
// - Fixed: `CREATE TABLE t (id int, x text)`, a rule on another table `ON INSERT TO sink DO ALSO INSERT INTO loot
//   SELECT x FROM t`, or a SQL function `BEGIN ATOMIC INSERT INTO loot SELECT x FROM t; END` (x masked by no name:
//   allowed), `ALTER TABLE t RENAME COLUMN x TO password` (a rename to a stricter mask: allowed), `INSERT INTO t SELECT
//   id, password FROM credentials` (a copy into a column masked as strictly, t having no code of its own: held, and its
//   review tells of no rule or function), then `INSERT INTO sink VALUES (1)` or `SELECT 1 FROM ha()` (held) put every
//   password into loot, which a plain read gave back in clear. The catalog now counts every column of a table another
//   relation's rule or a SQL function's body reads (directly or through views) as checked
//   (proxy/postgres/catalog-sql.ts): a masked value written there is denied.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions, CHECKED_WRITE_DENIED } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 5, seed: [LEAK_SEED_SQL, 'SET ROLE warden; CREATE TABLE loot (v text); RESET ROLE'] })
})
test.after(async () => {
  await h?.stop()
})

const { session, query, setup } = attackSessions(() => h)

for (const [kind, code, run] of [
  ['another table\'s rule', ['CREATE RULE sink_copy AS ON INSERT TO sink DO ALSO INSERT INTO loot SELECT x FROM t'], 'INSERT INTO sink VALUES (1)'],
  ['a SQL function\'s body', ['CREATE FUNCTION ha() RETURNS void LANGUAGE sql BEGIN ATOMIC INSERT INTO loot SELECT x FROM t; END'], 'SELECT 1 FROM ha()'],
  ['a view\'s rule, through another view', ['CREATE VIEW tv AS SELECT id, x FROM t', 'CREATE VIEW tv2 AS SELECT x FROM tv',
    'CREATE RULE tv2_copy AS ON UPDATE TO tv2 DO INSTEAD INSERT INTO loot VALUES (OLD.x)'], 'UPDATE tv2 SET x = x'],
] as const) {
  test(`a masked value copied into a column ${kind} reads, renamed from a harmless name, is denied: that code no longer gets every password`, async () => {
    const c = await session()
    try {
      await setup(c, ['CREATE TABLE t (id int, x text)', 'CREATE TABLE sink (id int)', ...code, 'ALTER TABLE t RENAME COLUMN x TO password'])
      const copy = await query(c, 'INSERT INTO t SELECT id, password FROM credentials')
      assert.match(copy.errors.join(), CHECKED_WRITE_DENIED, copy.errors.join())
      await query(c, run)
      const read = await query(c, 'SELECT v FROM loot')
      assert.equal(read.leaks, [])
      assert.equal(read.rows, [])
    } finally {
      c.close()
      await h.cluster.query('DROP TABLE IF EXISTS t, sink CASCADE; DROP FUNCTION IF EXISTS ha(); TRUNCATE loot')
    }
  })
}

test.run()
