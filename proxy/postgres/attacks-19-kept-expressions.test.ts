// A nineteenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: expressions the server computes and keeps, given by DDL that is not a column default.
// - Fixed: a function's body is judged when it is made, against the views it reads as they are then; its result is
//   what those views give when it runs. `CREATE VIEW agent_v AS SELECT id, label AS x FROM credentials` and `CREATE
//   FUNCTION get_x() … AS $$ SELECT string_agg(x, ',') FROM agent_v $$` are allowed (labels), and so is `CREATE OR
//   REPLACE VIEW agent_v AS SELECT id, password AS x FROM credentials` (reads of it are masked). Calling get_x() in a
//   query, or as a column default, is denied (a function not known to compute only from its arguments); but
//   - `CREATE TABLE agent_p1 PARTITION OF agent_pp FOR VALUES IN (get_x())` was allowed: the server computes a
//     partition's bounds once and keeps them as constants, and `SELECT pg_get_expr(relpartbound, oid) FROM pg_class`
//     (pg_get_expr is a safe function) gave back every password in clear; the same through ATTACH PARTITION … FOR
//     VALUES FROM (get_x()) TO (MAXVALUE);
//   - `CREATE DOMAIN agent_d AS text DEFAULT get_x()` (or ALTER DOMAIN … SET DEFAULT) was allowed: `CREATE TABLE
//     agent_dt (id int, v agent_d)`, `INSERT INTO agent_dt (id) VALUES (1)` stored every password in v, and `SELECT v
//     FROM agent_dt` gave them back.
//   A partition's bounds and a domain's default are now kept values as a column default is (lineage.ts): where column
//   masking applies a value that passes through a function not known to compute only from its arguments is denied.
// - Held: bounds and domain defaults the text gives (MINVALUE and MAXVALUE included), or built-in functions compute.
// The view and the function are made by the seed (as the gateway's role); made by the agent through the gateway each
// is allowed.
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
       CREATE FUNCTION get_x() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT string_agg(x, ',' ORDER BY id) FROM agent_v $$;
       CREATE OR REPLACE VIEW agent_v AS SELECT id, password AS x FROM credentials;
       CREATE TABLE agent_pp (k text) PARTITION BY LIST (k);
       CREATE TABLE agent_rp (k text) PARTITION BY RANGE (k);
       CREATE TABLE agent_r2 (k text);
       CREATE DOMAIN agent_d2 AS text DEFAULT 'x';
       RESET ROLE;`,
    ],
  })
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

const KEPT = /^42501: warden: denied: .*keeps values that pass through (public\.)?get_x in column \* of (agent_p1|agent_r2|agent_d|agent_d2)/

test('a partition bound or a domain default computed by a function not known to compute only from its arguments is denied: the bound no longer keeps the passwords in the catalog, nor the default in every row written', async () => {
  // What get_x() gives now.
  assert.equal(await h.cluster.query('SELECT get_x() AS x'), [{ x: 'Marzipan-Quokka-5113,Tangerine!Vortex#7782,Obsidian~Pelican~0347' }])
  const c = await session()
  for (const sql of [
    'CREATE TABLE agent_p1 PARTITION OF agent_pp FOR VALUES IN (get_x())',
    'CREATE TABLE agent_p1 PARTITION OF public.agent_pp FOR VALUES IN (\'a\', public.get_x())',
    'ALTER TABLE agent_rp ATTACH PARTITION agent_r2 FOR VALUES FROM (get_x()) TO (MAXVALUE)',
    'CREATE DOMAIN agent_d AS text DEFAULT get_x()',
    'CREATE DOMAIN agent_d AS text NOT NULL DEFAULT lower(get_x())',
    'ALTER DOMAIN agent_d2 SET DEFAULT get_x()',
  ]) {
    const r = await query(c, sql)
    assert.match(r.errors.join(), KEPT, `${sql}: ${r.errors.join()}`)
  }
  assert.equal(await h.cluster.query("SELECT count(*)::int AS n FROM pg_class WHERE relispartition"), [{ n: 0 }])
  assert.equal(await h.cluster.query("SELECT to_regtype('agent_d') AS t"), [{ t: null }])
  assert.equal(await h.cluster.query("SELECT typdefault FROM pg_type WHERE typname = 'agent_d2'"), [{ typdefault: "'x'::text" }])
  const bounds = await query(c, 'SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.relispartition')
  assert.equal([bounds.errors, bounds.rows, bounds.leaks], [[], [], []])
  c.close()
})

test('held: partition bounds and domain defaults the text gives, or built-in functions compute', async () => {
  const c = await session()
  for (const sql of [
    "CREATE TABLE agent_p2 PARTITION OF agent_pp FOR VALUES IN ('a', 'b')",
    'CREATE TABLE agent_pd PARTITION OF agent_pp DEFAULT',
    "ALTER TABLE agent_rp ATTACH PARTITION agent_r2 FOR VALUES FROM (MINVALUE) TO (upper('m'))",
    "CREATE DOMAIN agent_d3 AS text DEFAULT lower('X')",
    "ALTER DOMAIN agent_d2 SET DEFAULT 'y'",
  ]) assert.equal((await query(c, sql)).errors, [], sql)
  c.close()
})

test.run()
