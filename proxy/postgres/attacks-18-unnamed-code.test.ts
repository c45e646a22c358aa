// An eighteenth attacker's review, of code a statement runs without naming it, against a real PostgreSQL 15.
// - Fixed: `CREATE CAST (mood AS text) WITH FUNCTION leak(mood) AS IMPLICIT` was DDL, held for approval like any
//   other. Once approved, every later read casting a mood to text (`lower(m)`, `m::text`, a filter on it) ran leak,
//   which wrote a row each time, though those reads were judged as calling built-ins only and passed unheld. A cast
//   through a function is now denied (policies/rules/sql/statements.rego, warden.rules.sql.cast_function), approved
//   or not; WITH INOUT and WITHOUT FUNCTION, which run only the types' own input and output, are held as before.
// - Fixed: ts_rewrite(query, 'SELECT …') runs the SELECT it is given as text, as ts_stat and query_to_xml do, but was
//   an unknown function, held for approval: approved, `WHERE ts_rewrite(…, 'SELECT … FROM credentials WHERE password
//   LIKE ''T%''') = …` answered a filter on a password the judgement never saw (its tables named none). It is now a
//   dangerous function (policies/warden/catalog/sql/data.json), denied as they are.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

// Owned by the gateway's role, as if the agent had made them with approval: it may then create casts of mood.
const MOOD = `
SET ROLE warden;
CREATE TABLE side_effects (v text);
CREATE TYPE mood AS ENUM ('calm', 'angry');
CREATE FUNCTION leak(x mood) RETURNS text LANGUAGE sql AS $$ INSERT INTO side_effects VALUES (format('%s', x)) RETURNING v $$;
CREATE TABLE feelings (id int, m mood);
INSERT INTO feelings VALUES (1, 'calm'), (2, 'angry');
RESET ROLE;
`

test.before(async () => {
  h = await startHarness({ holdSeconds: 5, seed: [LEAK_SEED_SQL, MOOD] })
})
test.after(async () => {
  await h?.stop()
})

// query() approves, as a dba, every statement held for approval.
const { session, query } = attackSessions(() => h)
const written = async () => Number((await h.cluster.query<{ n: string }>('SELECT count(*) AS n FROM side_effects'))[0]!.n)
const casts = async () => Number((await h.cluster.query<{ n: string }>("SELECT count(*) AS n FROM pg_cast WHERE castsource = 'mood'::regtype"))[0]!.n)

test('a cast through a function is denied, approved or not: later reads casting the type would run it unjudged', async () => {
  const c = await session()
  for (const context of ['AS IMPLICIT', 'AS ASSIGNMENT', '']) {
    const got = await query(c, `CREATE CAST (mood AS text) WITH FUNCTION leak(mood) ${context}`)
    assert.match(got.errors.join(), /^42501: warden: denied: .*creates a cast through function leak, which would then run wherever such a value is cast/, context)
  }
  assert.is(await casts(), 0, 'no cast was created')
  for (const sql of ['SELECT m::text FROM feelings ORDER BY id', "SELECT id FROM feelings WHERE m::text = 'calm'"]) {
    const got = await query(c, sql)
    assert.equal(got.errors, [], sql)
  }
  assert.is(await written(), 0, 'leak never ran')
  c.close()
})

test('ts_rewrite with a query given as text is denied, approved or not: its SELECT of passwords was never judged', async () => {
  const c = await session()
  const probe = "SELECT 1 WHERE ts_rewrite('a'::tsquery, 'SELECT ''a''::tsquery, ''b''::tsquery FROM credentials WHERE id = 2 AND password LIKE ''T%''') = 'b'::tsquery"
  const got = await query(c, probe)
  assert.equal(got.rows, [])
  assert.match(got.errors.join(), /^42501: warden: denied: .*calls ts_rewrite, which can signal backends, change server state, open connections or run SQL given as text/)
  c.close()
})

test('held: a cast WITH INOUT runs only the types\' input and output; held for approval, it is created', async () => {
  const c = await session()
  assert.equal((await query(c, 'CREATE CAST (mood AS varchar) WITH INOUT AS ASSIGNMENT')).errors, [])
  assert.is(await casts(), 1)
  assert.equal((await query(c, 'SELECT m::varchar FROM feelings ORDER BY id')).rows, [['calm'], ['angry']])
  assert.is(await written(), 0)
  c.close()
})

test.run()
