// A nineteenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: code judged against a view as it was, run after the view was redefined.
// - Fixed: `CREATE VIEW src AS SELECT id, label AS x FROM credentials`, then code reading src.x, judged when it was
//   made with x a label: a rule `ON INSERT TO sink DO ALSO INSERT INTO loot SELECT x FROM src`, or a PL/pgSQL function
//   h() doing the same. `CREATE OR REPLACE VIEW src AS SELECT id, password AS x FROM credentials` (held as any DDL; a
//   view keeps the masks of what it shows) kept the view, and so what that code reads, by its columns: `INSERT INTO
//   sink VALUES (1)` (held as a write) or `SELECT 1 FROM h()` (held as a call) then put every password into loot,
//   which a plain read gave back in clear. Nothing of it was in what a reviewer saw. A column whose sources a
//   redefinition changes now counts as written with its new values (engine/normalize/sql/lineage.ts redefined):
//   masked ones under a name masked less strictly are denied. The same through `CREATE OR REPLACE RULE "_RETURN" AS
//   ON SELECT TO src DO INSTEAD SELECT id, password AS x …`, which replaced the view's definition as well.
// - Not fixed: a PL/pgSQL body looks its names up when it runs: a view dropped and made again under the same name
//   (or another renamed to it) is read by code judged against the old one (see the skipped test).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions } from './testing/attack-session.ts'
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

const STORED = /^42501: warden: denied: .*keeps values of masked column public\.credentials\.password in column x of public\.src/

test('a view column redefined to show a masked value under a name masked less strictly is denied: code made against the old definition no longer gets every password', async () => {
  const c = await session()
  try {
    await setup(c, [
      'CREATE VIEW src AS SELECT id, label AS x FROM credentials',
      'CREATE TABLE sink (id int)',
      'CREATE RULE sink_copy AS ON INSERT TO sink DO ALSO INSERT INTO loot SELECT x FROM src',
      'CREATE FUNCTION h() RETURNS void LANGUAGE plpgsql AS $$ BEGIN INSERT INTO loot SELECT x FROM src; END $$',
    ])
    for (const sql of [
      'CREATE OR REPLACE VIEW src AS SELECT id, password AS x FROM credentials',
      'CREATE OR REPLACE VIEW public.src (id, x) AS SELECT id, password FROM credentials',
      'BEGIN; CREATE VIEW src2 AS SELECT 1; CREATE OR REPLACE VIEW src AS SELECT k.id, k.password AS x FROM credentials k; COMMIT',
      // A view's rule ON SELECT is its definition.
      'CREATE OR REPLACE RULE "_RETURN" AS ON SELECT TO src DO INSTEAD SELECT id, password AS x FROM credentials',
    ]) {
      const r = await query(c, sql)
      assert.match(r.errors.join(), STORED, `${sql}: ${r.errors.join()}`)
      await query(c, 'ROLLBACK')
    }
    await h.cluster.query('TRUNCATE loot')
    for (const sql of ['INSERT INTO sink VALUES (1)', 'SELECT 1 FROM h()']) await query(c, sql)
    const read = await query(c, 'SELECT v FROM loot')
    assert.equal(read.leaks, [])
    assert.equal(read.rows.map((r) => r[0]).sort(), ['analytics', 'analytics', 'backup', 'backup', 'ci deploy', 'ci deploy'])
  } finally {
    c.close()
    await h.cluster.query('DROP TABLE IF EXISTS sink; DROP FUNCTION IF EXISTS h(); DROP VIEW IF EXISTS src, src2; TRUNCATE loot')
  }
})

test('allowed: a view redefined with the same sources, a column added, or a column of another unmasked source', async () => {
  const c = await session()
  try {
    await setup(c, ['CREATE VIEW src AS SELECT id, label AS x FROM credentials'])
    for (const sql of [
      'CREATE OR REPLACE VIEW src AS SELECT id, label AS x FROM credentials WHERE id > 1',
      'CREATE OR REPLACE VIEW src AS SELECT id, label AS x, password FROM credentials',
      "CREATE OR REPLACE VIEW src AS SELECT id, label || ' (old)' AS x, password FROM credentials",
      'CREATE OR REPLACE VIEW fresh AS SELECT id, password AS pw FROM credentials',
    ]) {
      const r = await query(c, sql)
      assert.equal(r.errors, [], sql)
    }
  } finally {
    c.close()
    await h.cluster.query('DROP VIEW IF EXISTS src, fresh')
  }
})

// Not fixed: PL/pgSQL looks `src` up by name each time h runs.
test.skip('a view dropped and made again under a name a PL/pgSQL function reads', async () => {
  const c = await session()
  await setup(c, [
    'CREATE VIEW src AS SELECT id, label AS x FROM credentials',
    'CREATE FUNCTION h() RETURNS void LANGUAGE plpgsql AS $$ BEGIN INSERT INTO loot SELECT x FROM src; END $$',
    'DROP VIEW src',
    'CREATE VIEW src AS SELECT id, password AS x FROM credentials',
    'SELECT 1 FROM h()',
  ])
  assert.equal((await query(c, 'SELECT v FROM loot')).leaks, [])
  c.close()
})

test.run()
