// A nineteenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: EXECUTE's arguments, computed by the EXECUTE and used by the statement it runs.
// - Fixed: a result column passing through a function not known to compute only from its arguments is denied, and
//   so is a value of one written into a column (`SELECT get_x()`, `INSERT INTO loot VALUES (get_x())`). But EXECUTE
//   was judged as the prepared statement it runs, where $1 read as a value the text gives: `PREPARE q(text) AS SELECT
//   $1 AS v` then `EXECUTE q(get_x())` gave back what get_x returned, and `PREPARE p(text) AS INSERT INTO loot VALUES
//   ($1)` then `EXECUTE p(get_x())` kept it in loot. get_x's body is judged when it is made, against the views it
//   reads as they are then: `CREATE VIEW agent_v AS SELECT id, label AS x FROM credentials`, `CREATE FUNCTION get_x()
//   … AS $$ SELECT string_agg(x, ',') FROM agent_v $$`, then `CREATE OR REPLACE VIEW agent_v AS SELECT id, password AS
//   x FROM credentials` (each allowed), and either EXECUTE gave every password in clear. Each parameter of the
//   statement EXECUTE runs now carries the lineage of its argument (lineage.ts execute), and the policy judges the
//   values there as it judges the argument written in place of $1.
// - Held: arguments the text gives or built-in functions compute.
// The view, the function and the table are made by the seed (as the gateway's role); made by the agent through the
// gateway each is allowed.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({
    holdSeconds: 5,
    seed: [
      LEAK_SEED_SQL,
      `SET ROLE warden;
       CREATE VIEW agent_v AS SELECT id, label AS x FROM credentials;
       CREATE FUNCTION get_x() RETURNS text LANGUAGE sql STABLE AS $$ SELECT string_agg(x, ',' ORDER BY id) FROM agent_v $$;
       CREATE OR REPLACE VIEW agent_v AS SELECT id, password AS x FROM credentials;
       CREATE TABLE loot (v text);
       RESET ROLE;`,
    ],
  })
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

test('an EXECUTE argument passing through a function not known to compute only from its arguments is judged where the statement puts it: no longer a result column or a kept value of a harmless name', async () => {
  const c = await session()
  for (const sql of ['PREPARE q(text) AS SELECT $1 AS v', 'PREPARE p(text) AS INSERT INTO loot VALUES ($1)', 'PREPARE r(int, text) AS SELECT $1 AS n, upper($2) AS u']) {
    assert.equal((await query(c, sql)).errors, [], sql)
  }
  for (const [sql, refused] of [
    ['EXECUTE q(get_x())', /^42501: warden: denied: .*result column v passes through get_x/],
    ['EXECUTE r(1, lower(public.get_x()))', /^42501: warden: denied: .*result column u passes through public\.get_x/],
    ['EXECUTE p(get_x())', /^42501: warden: denied: .*keeps values that pass through get_x in column v of public\.loot/],
    ['CREATE TABLE loot_copy AS EXECUTE q(get_x())', /^42501: warden: denied: .*keeps values that pass through get_x in column v of loot_copy/],
  ] as const) {
    const r = await query(c, sql)
    assert.equal(r.leaks, [], sql)
    assert.match(r.errors.join(), refused, `${sql}: ${r.errors.join()}`)
  }
  assert.equal(await h.cluster.query('SELECT v FROM loot'), [])
  assert.equal(await h.cluster.query("SELECT to_regclass('loot_copy') AS t"), [{ t: null }])
  c.close()
})

test('held: EXECUTE arguments the text gives or built-in functions compute', async () => {
  const c = await session()
  for (const sql of ['PREPARE q(text) AS SELECT $1 AS v', 'PREPARE p(text) AS INSERT INTO loot VALUES ($1)']) assert.equal((await query(c, sql)).errors, [], sql)
  const given = await query(c, "EXECUTE q('x')")
  assert.equal([given.errors, given.rows], [[], [['x']]])
  const computed = await query(c, "EXECUTE q(upper('y'))")
  assert.equal([computed.errors, computed.rows], [[], [['Y']]])
  assert.equal((await query(c, "EXECUTE p(lower('Z'))")).errors, [])
  assert.equal(await h.cluster.query('SELECT v FROM loot'), [{ v: 'z' }])
  c.close()
})

test.run()
