// A nineteenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: code on a view, made while the column it shows had a harmless name.
// - Fixed: `CREATE TABLE t (id int, x text)`, `CREATE VIEW v AS SELECT id, x FROM t`, then a rule `ON UPDATE TO v DO
//   INSTEAD INSERT INTO loot VALUES (OLD.x)` (x is masked by no name: allowed), `ALTER TABLE t RENAME COLUMN x TO
//   password` (a rename to a stricter mask: allowed), `INSERT INTO t SELECT id, password FROM credentials` (a copy
//   into a column masked as strictly, whose table has no code of its own: held, and its review tells of no rule) and
//   `UPDATE v SET id = id WHERE id = 3` put that password into loot, which a plain read gave back in clear. An INSTEAD
//   OF trigger on the view (OLD as text) went the same way. The catalog now counts every column of a table a view with
//   a rule or a trigger reads (directly or through other views) as checked (proxy/postgres/catalog-sql.ts): a masked
//   value written there is denied, as into a table with a rule or trigger of its own (attacks-17).
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
      `SET ROLE warden;
       CREATE TABLE loot (v text);
       CREATE FUNCTION keep_old() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO loot VALUES (OLD::text); RETURN OLD; END $$;
       RESET ROLE;`,
    ],
  })
})
test.after(async () => {
  await h?.stop()
})

const { session, query, setup } = attackSessions(() => h)

for (const [kind, code] of [
  ['a rule', 'CREATE RULE vr AS ON UPDATE TO v DO INSTEAD INSERT INTO loot VALUES (OLD.x)'],
  ['an INSTEAD OF trigger', 'CREATE TRIGGER vk INSTEAD OF UPDATE ON v FOR EACH ROW EXECUTE FUNCTION keep_old()'],
] as const) {
  test(`a masked value copied into a table under a view with ${kind} is denied: an update of the view no longer hands it over`, async () => {
    const c = await session()
    try {
      await setup(c, ['CREATE TABLE t (id int, x text)', 'CREATE VIEW v AS SELECT id, x FROM t', code, 'ALTER TABLE t RENAME COLUMN x TO password'])
      const copy = await query(c, 'INSERT INTO t SELECT id, password FROM credentials')
      assert.match(copy.errors.join(), CHECKED_WRITE_DENIED, copy.errors.join())
      await query(c, 'UPDATE v SET id = id WHERE id = 3')
      const read = await query(c, 'SELECT v FROM loot')
      assert.equal(read.leaks, [])
      assert.equal(read.rows, [])
    } finally {
      c.close()
      await h.cluster.query('DROP TABLE IF EXISTS t CASCADE; TRUNCATE loot')
    }
  })
}

test('held as before: a copy into a table no view with code reads', async () => {
  const c = await session()
  try {
    for (const sql of ['CREATE TABLE t (id int, password text)', 'CREATE VIEW v AS SELECT id, password FROM t']) assert.equal((await query(c, sql)).errors, [], sql)
    const copy = await query(c, 'INSERT INTO t SELECT id, password FROM credentials')
    assert.equal(copy.errors, [])
    assert.equal(copy.leaks, [])
  } finally {
    c.close()
    await h.cluster.query('DROP TABLE IF EXISTS t CASCADE')
  }
})

test.run()
