// A nineteenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: a child table computing a column its parent stores.
// - Fixed: PostgreSQL (up to 15) lets an inheritance child or a partition compute a column by a generation expression
//   of its own where the parent's column of that name is a plain one, and a read of the parent returns the child's
//   rows. `ALTER TABLE credentials ADD COLUMN note text GENERATED ALWAYS AS (password) STORED` (read as derived from
//   password: masked, allowed), `CREATE TABLE agent_parent (id int, note text)`, `ALTER TABLE credentials INHERIT
//   agent_parent` (three harmless looking DDLs): `SELECT note FROM agent_parent` read note as the parent's own plain
//   column and gave back every password in clear. The same through ATTACH PARTITION of a table computing note from its
//   password, and through ADD COLUMN note on a parent, which merges with the child's generated one. The gateway's
//   catalog now tells which columns a table under a relation computes so (CatalogRelation.generated_under), and such
//   a column is untraced: where column masking applies it is denied.
// - Fixed: a materialized view refreshed over such a parent keeps the child's rows; `ALTER TABLE credentials NO
//   INHERIT agent_parent` then left the parent's column plain, and `SELECT note FROM agent_mv` followed it and gave
//   the passwords back. NO INHERIT and DETACH PARTITION from a parent with such columns now read as writing untraced
//   values into them (lineage.ts leftUnder), denied where column masking applies.
// - Held: a parent's other columns, and a generated column its children compute by the same expression; NO INHERIT
//   from a parent no table under which computes a column of its own.
// The tables are made by the seed (as the gateway's role); made by the agent through the gateway each is allowed.
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
       ALTER TABLE credentials ADD COLUMN note text GENERATED ALWAYS AS (password) STORED;
       CREATE TABLE agent_parent (id int, note text);
       ALTER TABLE credentials INHERIT agent_parent;
       ALTER TABLE customers ADD COLUMN hint text GENERATED ALWAYS AS (email) STORED;
       CREATE TABLE agent_merged (id int);
       ALTER TABLE customers INHERIT agent_merged;
       ALTER TABLE agent_merged ADD COLUMN hint text;
       CREATE TABLE agent_parts (id int, password text, note text) PARTITION BY RANGE (id);
       CREATE TABLE agent_part (id int, password text, note text GENERATED ALWAYS AS (password) STORED);
       INSERT INTO agent_part (id, password) SELECT id, password FROM credentials;
       ALTER TABLE agent_parts ATTACH PARTITION agent_part FOR VALUES FROM (0) TO (100);
       CREATE TABLE agent_same (id int, label text, shout text GENERATED ALWAYS AS (upper(label)) STORED);
       CREATE TABLE agent_same_child () INHERITS (agent_same);
       INSERT INTO agent_same_child (id, label) VALUES (1, 'x');
       CREATE MATERIALIZED VIEW agent_mv AS SELECT id, note FROM agent_parent;
       CREATE MATERIALIZED VIEW agent_parts_mv AS SELECT id, note FROM agent_parts;
       CREATE TABLE plain_parent (id int);
       CREATE TABLE plain_child () INHERITS (plain_parent);
       RESET ROLE;`,
    ],
  })
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

const UNDER = /^42501: warden: denied: .*a table under public\.\w+ computes its column (note|hint) by a generation expression of its own/

test('a parent\'s column that a child table or partition computes from a masked column is untraced: the parent no longer gives the child\'s passwords or emails as its own plain column', async () => {
  const c = await session()
  // The server hands the child's generated values out under the parent's column.
  assert.equal((await h.cluster.query('SELECT note FROM agent_parent ORDER BY id')).map((r) => r.note), ['Marzipan-Quokka-5113', 'Tangerine!Vortex#7782', 'Obsidian~Pelican~0347'])
  for (const sql of [
    'SELECT note FROM agent_parent',
    'SELECT * FROM agent_parent',
    'SELECT p.note AS n FROM public.agent_parent p WHERE p.id = 1',
    'SELECT hint FROM agent_merged',
    'SELECT note FROM agent_parts',
  ]) {
    const r = await query(c, sql)
    assert.equal(r.leaks, [], sql)
    assert.match(r.errors.join(), UNDER, `${sql}: ${r.errors.join()}`)
  }
  c.close()
})

test('held: a parent\'s other columns, and a generated column its children compute by the same expression', async () => {
  const c = await session()
  const ids = await query(c, 'SELECT id FROM agent_parent ORDER BY id')
  assert.equal([ids.errors, ids.rows], [[], [['1'], ['2'], ['3']]])
  const same = await query(c, 'SELECT shout FROM agent_same')
  assert.equal([same.errors, same.rows], [[], [['X']]])
  const parts = await query(c, 'SELECT id, password FROM agent_parts ORDER BY id')
  assert.equal([parts.errors, parts.leaks, parts.rows.length], [[], [], 3])
  c.close()
})

test('NO INHERIT and DETACH PARTITION from a parent whose column a table under it computes are denied: a materialized view refreshed before no longer reads the child\'s passwords as the parent\'s plain column', async () => {
  const c = await session()
  for (const sql of [
    'ALTER TABLE credentials NO INHERIT agent_parent',
    'ALTER TABLE public.credentials NO INHERIT public.agent_parent',
    'ALTER TABLE agent_parts DETACH PARTITION agent_part',
    'ALTER TABLE agent_parts DETACH PARTITION agent_part CONCURRENTLY',
  ]) {
    const r = await query(c, sql)
    assert.match(r.errors.join(), /^42501: warden: denied: .*keeps values Warden cannot trace \(a materialized view over public\.agent_(parent|parts) may keep rows of a table under it/, `${sql}: ${r.errors.join()}`)
  }
  assert.equal(await h.cluster.query("SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent IN ('agent_parent'::regclass, 'agent_parts'::regclass)"), [{ n: 2 }])
  for (const sql of ['SELECT note FROM agent_mv', 'SELECT note FROM agent_parts_mv']) {
    const r = await query(c, sql)
    assert.equal(r.leaks, [], sql)
    assert.match(r.errors.join(), UNDER, sql)
  }
  c.close()
})

test('held: NO INHERIT from a parent no table under which computes a column of its own', async () => {
  const c = await session()
  assert.equal((await query(c, 'ALTER TABLE plain_child NO INHERIT plain_parent')).errors, [])
  c.close()
})

test.run()
