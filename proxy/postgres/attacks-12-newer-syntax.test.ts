// The gateway parses with PostgreSQL 18's grammar (libpg-query); the server here is PostgreSQL 15, which reads some
// newer syntax as something else, not as an error: `merge_action()` and `json_value(…)` call a function of that name
// in the database, `system_user` names a column. Judged with the newer meaning (merge_action() a constant), a
// function of that name reading a masked column gave its value back unmasked. Such statements are refused on an
// older server (engine/normalize/sql/syntax-since.ts), and view definitions and generated columns the server wrote
// with such a name are not followed. The legacy json_object(…) call, which 16+ writes pg_catalog.json_object, is a
// name 15 looks up on the search_path: public.json_object(text) is the closer match for json_object('a') there
// (engine/normalize/sql/grammar-names.ts). Also fixed: a stored generated column was judged as derived from its row's
// columns alone, though a user function in its expression stored what it read (another table's passwords).
import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { TRUSTED_BY_NAME } from './catalog-functions.ts'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

// Functions of the database whose names PostgreSQL 16-17 made syntax; their owner (the superuser) reads credentials.
const SHADOWS = `
CREATE FUNCTION public.merge_action() RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT string_agg(password, ',') FROM credentials $$;
CREATE FUNCTION public.json_scalar(x int) RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT string_agg(password, ',') FROM credentials $$;
CREATE FUNCTION public.json_array(x int) RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT string_agg(password, ',') FROM credentials $$;
CREATE FUNCTION public.json_object(x text) RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT string_agg(password, ',') FROM credentials $$;
CREATE FUNCTION public.date_add(x int) RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT string_agg(password, ',') FROM credentials $$;
CREATE FUNCTION public.uuid_generate_v4() RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT string_agg(password, ',') FROM credentials $$;
CREATE FUNCTION public.greatest(x int) RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT string_agg(password, ',') FROM credentials $$;
CREATE FUNCTION public.inet(x text) RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT string_agg(password, ',') FROM credentials $$;
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO PUBLIC;
CREATE VIEW release_notes AS SELECT 1 AS id, merge_action() AS note;
CREATE FUNCTION public.json_serialize(x int) RETURNS text LANGUAGE sql IMMUTABLE SECURITY DEFINER AS $$ SELECT password FROM credentials WHERE id = x $$;
CREATE TABLE tagged (id int, tag text GENERATED ALWAYS AS (json_serialize(id)) STORED);
INSERT INTO tagged (id) VALUES (1);
CREATE FUNCTION public.secret_of(x int) RETURNS text LANGUAGE sql IMMUTABLE SECURITY DEFINER AS $$ SELECT password FROM credentials WHERE id = x $$;
CREATE TABLE tagged_plain (id int, tag text GENERATED ALWAYS AS (secret_of(id)) STORED);
INSERT INTO tagged_plain (id) VALUES (2);
GRANT SELECT ON release_notes, tagged, tagged_plain TO warden;
`

test.before(async () => {
  h = await startHarness({ seed: [LEAK_SEED_SQL, SHADOWS] })
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

const NEWER = [
  ['SELECT merge_action()', 'merge_action\\(\\), syntax of PostgreSQL 17'],
  ['SELECT json_scalar(1)', 'SQL/JSON syntax \\(JsonScalarExpr\\), syntax of PostgreSQL 17'],
  ['SELECT json_array(1)', 'SQL/JSON syntax \\(JsonArrayConstructor\\), syntax of PostgreSQL 16'],
  ['SELECT system_user FROM (SELECT email AS system_user FROM customers) s', 'SYSTEM_USER, syntax of PostgreSQL 16'],
  ["SELECT id FROM customers WHERE email IS JSON", 'syntax of PostgreSQL 16'],
  ["DO $$ BEGIN PERFORM json_value('1', '$'); END $$", 'syntax of PostgreSQL 17'],
] as const

test('syntax newer than the server is refused, and nothing the functions of those names read comes back', async () => {
  const c = await session()
  for (const [sql, why] of NEWER) {
    const got = await query(c, sql)
    assert.equal(got.leaks, [], sql)
    assert.equal(got.rows, [], sql)
    assert.match(got.errors.join(), new RegExp(`^42501: warden: denied: refused before policy evaluation: the statement uses .*${why}; the server runs PostgreSQL 15`), sql)
  }
  c.close()
})

test('a view or generated column the server wrote with such a call is not followed as the newer syntax', async () => {
  const c = await session()
  for (const sql of ['SELECT note FROM release_notes', 'SELECT tag FROM tagged']) {
    const got = await query(c, sql)
    assert.equal(got.leaks, [], sql)
    assert.equal(got.rows, [], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: .*could not be followed/, sql)
  }
  c.close()
})

test('a generated column stores what the functions of its expression read: it is judged through them', async () => {
  const c = await session()
  const got = await query(c, 'SELECT tag FROM tagged_plain')
  assert.equal([got.leaks, got.rows], [[], []])
  assert.match(got.errors.join(), /^42501: warden: denied: .*passes through secret_of, which is not known to compute only from its arguments/)
  c.close()
})

test('json_object(…) is a call the search_path resolves (16+ writes it pg_catalog.json_object): a shadow is judged as what it is', async () => {
  const c = await session()
  const got = await query(c, "SELECT json_object('a')")
  assert.equal([got.leaks, got.rows], [[], []])
  assert.match(got.errors.join(), /^42501: warden: denied: .*public\.json_object/)
  c.close()
})

test('old and new name what the FROM list calls so, in RETURNING (15 and 18 alike) and SET', async () => {
  const c = await session()
  const disguised = "(SELECT customer_id AS id, password AS tier FROM credentials UNION ALL SELECT 0, 'x')"
  for (const sql of [
    `UPDATE customers SET tier = customers.tier FROM ${disguised} old WHERE old.id = customers.id RETURNING old.tier`,
    `UPDATE customers SET tier = customers.tier FROM ${disguised} AS new WHERE new.id = customers.id RETURNING new.tier`,
    `UPDATE customers SET tier = old.tier FROM ${disguised} old WHERE old.id = customers.id`,
    'SELECT tier FROM customers',
  ]) {
    const got = await query(c, sql)
    assert.equal(got.leaks, [], sql)
    assert.ok(got.rows.flat().every((v) => v === '[redacted]' || ['gold', 'silver', 'bronze'].includes(v ?? '')), sql)
  }
  c.close()
})

test('a name the policy trusts as a built-in that the server\'s pg_catalog lacks calls the database\'s function of that name', async () => {
  const c = await session()
  for (const sql of ['SELECT date_add(1)', 'SELECT id, uuid_generate_v4() FROM customers', 'SELECT "greatest"(1)', "SELECT inet('10.0.0.1')"]) {
    const got = await query(c, sql)
    assert.equal([got.leaks, got.rows], [[], []], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: /, sql)
  }
  c.close()
})

test('every name the shipped policy trusts as a built-in is a pg_catalog function of the server, or is listed as not one', async () => {
  const data = JSON.parse(readFileSync(new URL('../../policies/warden/catalog/sql/data.json', import.meta.url), 'utf8')) as Record<string, Record<string, string>>
  const builtins = new Set((await h.cluster.query<{ proname: string }>("SELECT proname FROM pg_proc WHERE pronamespace = 'pg_catalog'::regnamespace")).map((r) => r.proname))
  const trusted = Object.keys({ ...data.safe_functions, ...data.side_effect_functions }).filter((n) => !n.includes('.'))
  assert.equal(trusted.filter((n) => !builtins.has(n) && !TRUSTED_BY_NAME.includes(n)), [])
})

test('a temporary type named like a built-in one is refused: ::text would run its CHECK on a masked value', async () => {
  const c = await session()
  for (const sql of [
    'CREATE TABLE loot (v text)',
    "CREATE FUNCTION keep_it(v text) RETURNS bool LANGUAGE sql AS $$ INSERT INTO loot VALUES (replace(v, '@', ' at ')) RETURNING true $$",
  ]) assert.equal((await query(c, sql)).errors, [], sql)
  for (const sql of ['CREATE DOMAIN pg_temp.text AS pg_catalog.text CHECK (keep_it(VALUE))', 'CREATE TEMP TABLE uuid (a int)', 'ALTER TABLE loot RENAME TO jsonb']) {
    assert.match((await query(c, sql)).errors.join(), /^42501: warden: denied: .*may be temporary: the server looks unqualified type names up in the temporary schema/, sql)
  }
  for (const sql of ['SELECT email::text FROM customers', 'SELECT v FROM loot']) {
    const got = await query(c, sql)
    assert.equal(got.leaks, [], sql)
  }
  c.close()
})

test('an unqualified type named like a built-in one is refused: after SET search_path = pg_temp it is created temporary', async () => {
  const c = await session()
  for (const sql of [
    'CREATE TABLE loot2 (v text)',
    "CREATE FUNCTION keep_it2(v text) RETURNS bool LANGUAGE sql AS $$ INSERT INTO loot2 VALUES (replace(v, '@', ' at ')) RETURNING true $$",
    'SET search_path = pg_temp, public',
  ]) assert.equal((await query(c, sql)).errors, [], sql)
  assert.match((await query(c, 'CREATE DOMAIN text AS pg_catalog.text CHECK (public.keep_it2(VALUE))')).errors.join(),
    /^42501: warden: denied: .*an unqualified name is created there when the search_path starts with pg_temp/)
  for (const sql of ['RESET search_path', 'SELECT email::text FROM public.customers', 'SELECT v FROM public.loot2']) {
    const got = await query(c, sql)
    assert.equal(got.leaks, [], sql)
  }
  c.close()
})

test('the server\'s own syntax for the same works: json_build_array, current_user, pg_catalog.json_object(text[])', async () => {
  const c = await session()
  const got = await query(c, "SELECT json_build_array(1, 2)::text, current_user = current_user, pg_catalog.json_object(ARRAY['a', 'b'])::text")
  assert.equal(got.errors, [])
  assert.equal(got.rows, [['[1, 2]', 't', '{"a" : "b"}']])
  c.close()
})

test.run()
