// A nineteenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: a DELETE trigger made on a table before it had masked columns.
// - Fixed: a table with an INSERT or UPDATE trigger had every column checked (attacks-17: a masked value written
//   there is denied), one with a DELETE trigger had none: `CREATE TABLE t (id int)`, `CREATE TRIGGER … AFTER DELETE
//   ON t REFERENCING OLD TABLE AS n … keep_rows()` (no masked column yet: allowed), `ALTER TABLE t ADD COLUMN password
//   text`, then `INSERT INTO t SELECT id, password FROM credentials` (a copy into a column masked as strictly: held,
//   and nothing in its review tells of the trigger) and `DELETE FROM t WHERE id = 2` put that row, its password in
//   clear, into loot, which a plain read gave back. A row trigger on DELETE (OLD) went the same way. A DELETE trigger's
//   table now has every column checked (proxy/postgres/catalog-sql.ts), as an INSERT or UPDATE trigger's.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions, CHECKED_WRITE_DENIED } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({
    holdSeconds: 5,
    seed: [
      LEAK_SEED_SQL,
      // Audit functions as many databases have them: each row removed, as text, into a table of their own.
      `SET ROLE warden;
       CREATE TABLE loot (v text);
       CREATE FUNCTION keep_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO loot SELECT n::text FROM n; RETURN NULL; END $$;
       CREATE FUNCTION keep_old() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO loot VALUES (OLD::text); RETURN OLD; END $$;
       RESET ROLE;`,
    ],
  })
})
test.after(async () => {
  await h?.stop()
})

const { session, query, setup } = attackSessions(() => h)

for (const [kind, trigger] of [
  ['a statement trigger with an old table', 'CREATE TRIGGER t_keep AFTER DELETE ON t REFERENCING OLD TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION keep_rows()'],
  ['a row trigger (OLD)', 'CREATE TRIGGER t_keep BEFORE DELETE ON t FOR EACH ROW EXECUTE FUNCTION keep_old()'],
] as const) {
  test(`a masked value copied into a table with a DELETE trigger (${kind}) is denied: a later DELETE no longer hands the function every password`, async () => {
    const c = await session()
    try {
      await setup(c, ['CREATE TABLE t (id int)', trigger, 'ALTER TABLE t ADD COLUMN password text'])
      const copy = await query(c, 'INSERT INTO t SELECT id, password FROM credentials')
      assert.match(copy.errors.join(), CHECKED_WRITE_DENIED, copy.errors.join())
      await query(c, 'DELETE FROM t WHERE id = 2')
      const read = await query(c, 'SELECT v FROM loot')
      assert.equal(read.leaks, [])
      assert.equal(read.rows, [])
    } finally {
      c.close()
      await h.cluster.query('DROP TABLE IF EXISTS t; TRUNCATE loot')
    }
  })
}

test.run()
