// An eighteenth attacker's review, of the extended protocol's parameter types, against a real PostgreSQL 15.
// - Fixed: Parse may declare each parameter's type by OID. Declared as a domain, the server runs the domain's CHECK
//   on the bound value, and a CHECK may call any function (one that writes, notifies, reads a secret). The gateway
//   judged the text alone: `SELECT $1` ran `note_it`, which the same cast written in the text (`'7'::noted_int`) or
//   a direct call would have been refused or held for. A Parse declaring a type created in the database (OID from
//   16384 on) is now refused (42501); built-in types and 0 (inferred by the server) pass as before.
// - Fixed: the same through SQL, `PREPARE p (noted_int) AS SELECT $1` then `EXECUTE p('8')`: EXECUTE was judged by the
//   prepared text alone (`SELECT $1`), and a protocol Bind of p by PREPARE's judgement; both ran the CHECK. A PREPARE
//   declaring a parameter of a type outside pg_catalog is now refused (engine/normalize/sql/parameter-types.ts).
// - Fixed: the cast written in the text was judged only where lineage follows a value (a result column, a stored
//   value): `SELECT 1 WHERE '5'::noted_int IS NOT NULL` ran note_it unheld, though `WHERE note_it(5)` is held for
//   approval. Every cast to a type outside pg_catalog, and every column of such a type a function in FROM makes its
//   rows with (`json_to_record(…) AS x(a noted_int)`), is now reported (detail.user_type_casts, user-casts.ts) and
//   judged as a call of unknown code (policies/rules/sql/calls.rego: held for approval in production).
// - Fixed (review27): XMLSERIALIZE(… AS noted_text), a SQL/JSON RETURNING clause and a JSON_TABLE column make values
//   of the type they name as a cast does, but were not reported: `SELECT XMLSERIALIZE(CONTENT '<a/>'::xml AS
//   noted_text)` ran note_it unheld. They are reported with the casts (user-casts.ts).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { encodeBind } from './messages/bind.ts'
import { encodeParse } from './messages/parse.ts'
import { attackSessions, outcomeOf } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { rawMessages as m } from './testing/raw-client.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

// A domain whose CHECK writes a row for every value it checks.
const NOTED = `
CREATE TABLE side_effects (v int);
GRANT ALL ON side_effects TO warden;
CREATE FUNCTION note_it(v int) RETURNS bool LANGUAGE sql AS $$ INSERT INTO side_effects VALUES (v) RETURNING true $$;
CREATE DOMAIN noted_int AS int CHECK (note_it(VALUE));
GRANT USAGE ON DOMAIN noted_int TO warden;
CREATE DOMAIN noted_text AS text CHECK (note_it(length(VALUE)));
GRANT USAGE ON DOMAIN noted_text TO warden;
`

test.before(async () => {
  h = await startHarness({ holdSeconds: 2, seed: [LEAK_SEED_SQL, NOTED] })
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)
const written = async () => Number((await h.cluster.query<{ n: string }>('SELECT count(*) AS n FROM side_effects'))[0]!.n)
const oidOf = async (type: string) => Number((await h.cluster.query<{ oid: number }>(`SELECT '${type}'::regtype::oid AS oid`))[0]!.oid)
const bindOne = (value: string) => encodeBind({ portal: '', statement: '', paramFormats: [], params: [Buffer.from(value)], resultFormats: [] })

test('a parameter Parse declares of a domain type is refused: its CHECK would run a function the text does not show', async () => {
  const noted = await oidOf('noted_int')
  const c = await session()
  c.send(encodeParse({ name: 'p', text: 'SELECT $1', paramTypes: [noted] }), m.sync())
  c.send(encodeParse({ name: '', text: 'SELECT $1, $2', paramTypes: [23, noted] }), bindOne('7'), m.execute(''), m.sync())
  const got = outcomeOf(await c.readyCount(2))
  assert.equal(got.rows, [])
  assert.equal(got.errors.length, 2)
  for (const e of got.errors) assert.match(e, /^42501: warden: denied: Parse declares parameter \$\d of type OID \d+, a type created in the database/)
  assert.match(got.errors[1]!, /parameter \$2 /)
  assert.is(await written(), 0, 'the domain\'s CHECK never ran')
  // The session goes on, and the refused statement was not kept.
  c.take()
  c.send(m.bind('', 'p'), m.execute(''), m.sync(), m.query('SELECT 1'))
  const after = outcomeOf(await c.readyCount(2))
  assert.match(after.errors.join(), /^26000: prepared statement "p" does not exist/)
  assert.equal(after.rows, [['1']])
  assert.is(await written(), 0)
  c.close()
})

test('a SQL PREPARE declaring a parameter of a domain type is refused: EXECUTE and Bind of it would run its CHECK', async () => {
  const c = await session()
  const got = await query(c, 'PREPARE p (noted_int) AS SELECT $1')
  assert.match(got.errors.join(), /^42501: warden: denied: .*PREPARE declares parameter \$1 of type noted_int, a type outside pg_catalog/)
  for (const sql of ["EXECUTE p('8')", 'CREATE TABLE copied AS EXECUTE p(9)']) assert.match((await query(c, sql)).errors.join(), /runs prepared statement p, which Warden has not seen/, sql)
  c.take()
  c.send(encodeBind({ portal: '', statement: 'p', paramFormats: [], params: [Buffer.from('10')], resultFormats: [] }), m.execute(''), m.sync())
  assert.match(outcomeOf(await c.readyCount(1)).errors.join(), /^26000: prepared statement "p" does not exist/)
  assert.is(await written(), 0, 'the domain\'s CHECK never ran')
  // Written in the statement, the parameter's type is judged with it: as a result column, like any cast to the domain.
  assert.match((await query(c, 'PREPARE p AS SELECT $1::noted_int')).errors.join(), /^42501: warden: denied: .*passes through noted_int/)
  assert.is(await written(), 0)
  c.close()
})

test('a cast to a domain in a filter is held as a call of unknown code: unapproved, its CHECK never runs', async () => {
  const c = await session()
  for (const sql of ["SELECT 1 WHERE '5'::noted_int IS NOT NULL", "SELECT count(*) FROM side_effects WHERE v = CAST('6' AS public.noted_int)", "DELETE FROM side_effects WHERE v = noted_int '7'",
    `SELECT 1 FROM json_to_record('{"a": 8}') AS x(a noted_int) WHERE a IS NOT NULL`,
    // No cast written: XMLSERIALIZE makes its result a value of the type it names.
    "SELECT XMLSERIALIZE(CONTENT '<a/>'::xml AS noted_text)"]) {
    c.take()
    c.send(m.query(sql))
    const got = outcomeOf(await c.readyCount(1, 10_000))
    assert.equal(got.rows, [], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: approval apr_\w+ expired/, sql)
  }
  assert.is(await written(), 0, 'the domain\'s CHECK never ran')
  c.close()
})

test('held: parameters of built-in types, or left to the server (0), bind and run as before', async () => {
  const c = await session()
  c.send(
    encodeParse({ name: '', text: 'SELECT $1::text, $2::text, $3::text', paramTypes: [23, 25, 0] }),
    encodeBind({ portal: '', statement: '', paramFormats: [], params: [Buffer.from('5'), Buffer.from('x'), Buffer.from('y')], resultFormats: [] }),
    m.execute(''),
    m.sync(),
  )
  const got = outcomeOf(await c.readyCount(1))
  assert.equal(got.errors, [])
  assert.equal(got.rows, [['5', 'x', 'y']])
  c.close()
})

test.run()
