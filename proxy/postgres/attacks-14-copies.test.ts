// A fourteenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: masked values copied to where the gateway cannot trace them, and read back another way.
// - Fixed: a copy of a column masked whole in a temporary table or view (`CREATE TEMP TABLE t AS SELECT password FROM
//   credentials`, `CREATE TEMP VIEW v AS SELECT password AS x …`, each approved once) was not readable, but answered
//   every filter on it without further approval: `SELECT count(*) FROM t AS q(z) WHERE z > 'M'` said how many
//   passwords sort after M, and about seven such counts give each character. A relation the catalog does not know
//   has columns of no known origin, and the normalizer listed no predicate for them. It now reports a condition,
//   ordering, grouping, number of rows or computed value over such values (detail.predicate_unknown), and where column
//   masking applies that is denied as a filter on a column masked whole is (masks_probes.rego). A lookup by a value the
//   statement gives (=, IN, IS NULL) still runs, as on the column it copies.
// - Fixed: the values a json document or composite column holds under sensitive keys are masked by those keys, and a
//   condition on them by key (`prefs->>'api_key' > 'x'`) is denied as on a column of that name; but a condition,
//   ordering or grouping on the whole document, or on its values apart from their keys, was allowed and answered for
//   them: `prefs::text LIKE '%wk_live_J%'`, `jsonb_each_text(prefs) e WHERE e.key = 'api_key' AND e.value > 'wk_live_G'`,
//   `prefs->>k > …` with k a column holding 'api_key', a jsonpath filter (`prefs @? '$.api_key ? (@ starts with …)'`),
//   `vault::text LIKE '%Saffron%'`, `prefs > '{"api_key": …}'`. Such values carry why no mask follows them
//   (Lin.untraced) into the same report and denial as above. Key existence (?, ?|, ?&), containment of a document
//   the text gives (@>, <@), equality and IS NULL still run.
// - Fixed: a value read by a key may be a document itself (`prefs->>'db'` holds a password under its own key). Carried
//   as it is, it is masked by its keys; computed on, it was traced as the key's value only, so
//   `split_part(prefs->>'db', '"', 8)`, `substr(prefs->>'db', 30)` or `reverse(…)` gave the nested password back in
//   clear, and `prefs->>'db' LIKE '%Helio%'` answered for it. A key's value is now a document as its column is
//   (lineage-keys.ts readKeys): computed on, it is untraceable (denied where column masking applies), but for a cast
//   to a number, date, boolean or uuid, which no document's text passes; equality with a given value is a lookup. A
//   jsonpath of keys only (`$.db.host`) reads them as `->` does; one that filters or computes computes. A cast to
//   varchar(n) cuts the text short, so it no longer keeps a document.
// - Fixed: PostgreSQL's jsonpath scanner decodes escapes in keys, quoted or not, and the normalizer read them as
//   written: jsonb_path_query(prefs, '$."\u0061pi_key"') was a read of key "u0061pi_key" and gave the API key back in
//   clear (so did '$.db."p\x61ssword"'). A jsonpath holding a backslash now reads any key (untraceable).
// - Held: aggregates, windows and ordered-set aggregates of a column masked whole (string_agg, array_agg, json_agg,
//   jsonb_object_agg, first_value, mode(), percentile_disc, max), whole rows (c::text, row_to_json(c), json_agg(c)),
//   format / concat_ws, regexp_matches, unnest(string_to_array(…)), substr over generate_series, CASE and range
//   comparisons are denied; errors of casts, to_number, make_date, jsonpath and regular expressions built from it are
//   refused before they run; copies into columns not masked as strictly (INSERT … SELECT, CREATE TABLE AS under
//   another name, a writable CTE) are denied, and errors of DDL over an untraced copy (a unique index, a type change,
//   a CHECK) tell their SQLSTATE only. Partially masked columns derived any way (casts to varchar(n), name, bpchar,
//   COALESCE, GREATEST, arrays, ROW(…)::text) come back redacted.
// - Held (session state): SET, SET LOCAL, RESET and set_config of client_encoding, standard_conforming_strings and
//   backslash_quote, in a SELECT, a CTE or a function's body or SET clause, ALTER ROLE / DATABASE … SET, SET ROLE and
//   SET SESSION AUTHORIZATION are refused; RESET ALL and DISCARD ALL keep the pinned settings.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { JSON_SEED_SQL, LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 5, seed: [LEAK_SEED_SQL, JSON_SEED_SQL] })
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

test('a copy of a column masked whole in a temporary table or view answers no filter, order or grouping on it: its value does not come back a bit at a time', async () => {
  const c = await session()
  // Each is held for approval in production; the session approves it, as a reviewer might.
  for (const sql of [
    'CREATE TEMP TABLE kept AS SELECT password FROM credentials',
    'CREATE TEMP VIEW renamed AS SELECT id, password AS x FROM credentials',
  ]) assert.equal((await query(c, sql)).errors, [], sql)
  // The copy itself is not readable.
  const read = await query(c, 'SELECT * FROM kept')
  assert.equal(read.rows, [])
  assert.match(read.errors.join(), /^42501: warden: denied: .*cannot trace \(relation kept is not in the catalog\)/)
  for (const sql of [
    "SELECT count(*) FROM kept WHERE password > 'M'",
    "SELECT count(*) FROM kept AS q(z) WHERE z > 'M'",
    "SELECT count(*) FROM pg_temp.kept WHERE password LIKE 'M%'",
    "SELECT count(*) FROM renamed WHERE x > 'M'",
    "SELECT count(*) FROM (SELECT * FROM renamed) s WHERE x BETWEEN 'M' AND 'N'",
    'SELECT count(*) FROM kept GROUP BY password',
    'SELECT 1 FROM kept ORDER BY password LIMIT 1',
    'SELECT count(*) FROM kept WHERE 1 / (ascii(password) - 77) = 1',
    'SELECT id FROM credentials LIMIT (SELECT length(x) FROM renamed LIMIT 1)',
    "DELETE FROM kept WHERE password > 'M'",
  ]) {
    const got = await query(c, sql)
    assert.equal(got.rows, [], sql)
    assert.equal(got.leaks, [], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: statement 1 \(\w+\): filters, orders, groups or computes on values no mask follows \(relation (kept|renamed|pg_temp.kept) is not in the catalog\)/, sql)
  }
  // Held: counting the copy's rows, or looking one up by a value the statement gives, confirms only what the caller has.
  for (const [sql, count] of [
    ['SELECT count(*) FROM kept', '3'],
    ["SELECT count(*) FROM kept WHERE password = 'Marzipan-Quokka-5113'", '1'],
    ["SELECT count(*) FROM renamed WHERE x IN ('a', 'b') OR x IS NULL", '0'],
  ] as const) {
    const got = await query(c, sql)
    assert.equal(got.errors, [], sql)
    assert.equal(got.rows, [[count]], sql)
  }
  c.close()
})

test('a filter, ordering or grouping on a whole json document or composite value, or on its values apart from their keys, is denied: what its keys mask does not come back a bit at a time', async () => {
  const c = await session()
  // What they answered: how many rows hold an API key (under a sensitive key of prefs) starting so.
  for (const sql of [
    "SELECT count(*) FROM profiles WHERE prefs::text LIKE '%wk_live_J%'",
    "SELECT count(*) FROM profiles WHERE position('wk_live_J' in prefs::text) > 0",
    "SELECT count(*) FROM profiles, jsonb_each_text(prefs) e WHERE e.key = 'api_key' AND e.value > 'wk_live_G'",
    "SELECT count(*) FROM profiles WHERE prefs->>k > 'wk_live_G'",
    "SELECT count(*) FROM profiles WHERE prefs @? '$.api_key ? (@ starts with \"wk_live_J\")'",
    "SELECT count(*) FROM profiles WHERE jsonb_path_exists(prefs, '$.* ? (@ starts with \"wk_live_J\")')",
    "SELECT count(*) FROM profiles WHERE prefs > '{\"api_key\": \"wk_live_G\"}'",
    "SELECT count(*) FROM profiles WHERE vault::text LIKE '%Saffron%'",
    "SELECT count(*) FROM profiles p WHERE p.vault > ROW('ops', 'S', '')::vault_entry",
    'SELECT id FROM profiles ORDER BY settings::text',
  ]) {
    const got = await query(c, sql)
    assert.equal(got.rows, [], sql)
    assert.equal(got.leaks, [], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: statement 1 \(select\): filters, orders, groups or computes on values no mask follows/, sql)
  }
  // Held: keys, containment of a document the text gives, equality and nullness.
  for (const [sql, count] of [
    ["SELECT count(*) FROM profiles WHERE prefs ? 'api_key'", '2'],
    ["SELECT count(*) FROM profiles WHERE prefs @> '{\"theme\": \"dark\"}'", '1'],
    ["SELECT count(*) FROM profiles WHERE prefs = '{}' OR settings IS NULL", '0'],
    ["SELECT count(*) FROM profiles WHERE prefs->>'theme' = 'light' AND (prefs #>> '{db,port}')::int IS NULL", '1'],
  ] as const) {
    const got = await query(c, sql)
    assert.equal(got.errors, [], sql)
    assert.equal(got.rows, [[count]], sql)
  }
  c.close()
})

test('a value read by a key that is a document itself is not computed on: the password it holds does not come back in clear, or a bit at a time', async () => {
  const c = await session()
  for (const sql of [
    "SELECT split_part(prefs->>'db', '\"', 8) FROM profiles",
    "SELECT substr(prefs->>'db', 30) FROM profiles",
    "SELECT reverse(prefs->>'db') FROM profiles",
    "SELECT replace(prefs->>'db', 'password', 'pw') FROM profiles",
    "SELECT (prefs->'db')::varchar(48) FROM profiles",
    'SELECT prefs::varchar(60) FROM profiles',
    `SELECT jsonb_path_query(prefs, '$."\\u0061pi_key"') FROM profiles`,
    `SELECT jsonb_path_query(prefs, 'strict $.api\\u005fkey') FROM profiles`,
    `SELECT jsonb_path_query_first(prefs, '$.db."p\\x61ssword"') FROM profiles`,
  ]) {
    const got = await query(c, sql)
    assert.equal(got.rows, [], sql)
    assert.equal(got.leaks, [], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: statement 1 \(select\): result column \S+ comes from a source Warden cannot trace \((computes on a whole json document, or a value read by a key that may be one|a json key or path that is not a literal or reads any key)/, sql)
  }
  const filtered = await query(c, "SELECT count(*) FROM profiles WHERE prefs->>'db' LIKE '%Helio%'")
  assert.equal(filtered.rows, [])
  assert.match(filtered.errors.join(), /^42501: warden: denied: .*filters, orders, groups or computes on values no mask follows/)
  // Held: the sub-document as it is is masked by its keys; its scalar values read by their paths come back.
  const whole = await query(c, "SELECT prefs->'db', prefs->>'db', jsonb_path_query(prefs, '$.db.host') FROM profiles WHERE id = 1")
  assert.equal(whole.errors, [])
  assert.equal(whole.leaks, [])
  assert.equal(whole.rows, [['{"host":"db-one","password":"[redacted]"}', '{"host":"db-one","password":"[redacted]"}', '"db-one"']])
  c.close()
})

test('the server ran nothing the gateway did not allow', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
