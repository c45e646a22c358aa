// Secrets stored under sensitive names inside harmless columns (agent identity, default policy, production target),
// against a real PostgreSQL 15. Masks follow where a value came from, its origin column; a jsonb column `prefs`
// holding {"api_key": …, "db": {"password": …}} was one harmless origin, so prefs->>'api_key', prefs #>> '{db,password}',
// jsonb_extract_path_text(prefs, 'api_key'), prefs['api_key'] and jsonb_path_query(prefs, '$.api_key') gave the values
// back as they are. A literal key, path or jsonpath is now read as a column named by each key
// (engine/normalize/sql/lineage-keys.ts), so the sensitive-column masks apply to it as to a column of that name. A key
// that is not a literal, a jsonpath reading any key ($.*) and jsonb_each / jsonb_to_record (every value apart from its
// key) make the value untraceable, which the default policy refuses where column masking applies.
// - Whole documents (SELECT prefs, prefs::text, prefs->'db', in text and binary format) went out as they are: the
//   detectors know a card or an email by its shape, not a password. A JSON document in a json, jsonb or text column is
//   now masked by its keys where column rules apply (document-values.ts).
// - A field of a composite column ((vault).secret, p.vault.password) was not given back: field selection is refused as
//   a possible call (held). Since the leak sweep (leak-sweep.test.ts) the whole composite value (SELECT vault,
//   SELECT *, vault::text) and a transform of a whole json/jsonb document (reverse(prefs::text), to_tsvector(prefs))
//   are untraceable, refused where column masking applies; to_jsonb(vault) is masked by its keys. Left as it is: a
//   transform of a text column holding JSON. A transform of a sub-document read by a key (reverse(prefs->>'db')) is
//   untraceable since attacks-14-copies.test.ts, as is a jsonpath spelling its keys with escapes ('$."\u0061pi_key"').
// Each test asserts that no seeded secret comes back (testing/leak-check.ts), from the raw bytes the client received.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions, outcomeOf } from './testing/attack-session.ts'
import { rawMessages as m } from './testing/raw-client.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { JSON_SEED_SQL, LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 20, seed: [LEAK_SEED_SQL, JSON_SEED_SQL] })
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

const ROWS = ' AS x FROM profiles ORDER BY id'

test('a value under a sensitive key of a json or jsonb column is masked as a column of that name', async () => {
  const c = await session()
  const text = ['[redacted]', '[redacted]']
  const json = ['"[redacted]"', '"[redacted]"']
  const cases: [string, string[]][] = [
    ["prefs->>'api_key'", text], ["prefs->'api_key'", json], ["prefs #>> '{db,password}'", text], ["prefs #> '{db,password}'", json],
    ["prefs #>> ARRAY['db', 'password']", text], ["prefs->'db'->>'password'", text], ["jsonb_extract_path_text(prefs, 'api_key')", text],
    ["jsonb_extract_path(prefs, 'db', 'password')", json], ["prefs['api_key']", json], ["prefs['db']['password']", json],
    ["settings->>'password'", text], ["json_extract_path_text(settings, 'password')", text],
    ["jsonb_path_query(prefs, '$.api_key')", json], ["jsonb_path_query_first(prefs, 'strict $.db.\"password\"')", json],
  ]
  for (const [expr, rows] of cases) {
    const got = await query(c, `SELECT ${expr}${ROWS}`)
    assert.equal(got.errors, [], expr)
    assert.equal(got.leaks, [], expr)
    assert.equal(got.rows.map((r) => r[0]), rows, expr)
  }
  c.close()
})

test('a value computed from one under a secret key (a function, a jsonpath that could filter, a cast that could fail) is refused before it runs', async () => {
  const c = await session()
  for (const sql of [
    `SELECT upper(prefs->>'api_key')${ROWS}`, `SELECT jsonb_path_query(prefs, '$.api_key ? (@ starts with "wk")')${ROWS}`,
    `SELECT jsonb_path_query_first(prefs, 'strict $.db ? (@.password like_regex "^T")')${ROWS}`, `SELECT (prefs->>'api_key')::int${ROWS}`,
    "SELECT 1 FROM profiles WHERE (prefs #>> '{db,password}')::date IS NULL", `SELECT (settings->>'password')::numeric${ROWS}`,
  ]) {
    const got = await query(c, sql)
    assert.equal([got.rows, got.leaks], [[], []], sql)
    assert.is(got.errors.length, 1, sql)
    assert.match(got.errors[0]!, /^42501: .*column (api_key|password) is masked whole/, sql)
  }
  c.close()
})

test('harmless keys come back as they are', async () => {
  const c = await session()
  const cases: [string, string[]][] = [
    ["prefs->>'theme'", ['dark', 'light']], ["prefs->'db'->>'host'", ['db-one', 'db-two']], ["prefs #>> '{db,host}'", ['db-one', 'db-two']],
    ["jsonb_extract_path_text(prefs, 'theme')", ['dark', 'light']], ["prefs['theme']", ['"dark"', '"light"']], ["settings->>'lang'", ['en', 'de']],
  ]
  for (const [expr, rows] of cases) {
    const got = await query(c, `SELECT ${expr}${ROWS}`)
    assert.equal(got.errors, [], expr)
    assert.equal(got.rows.map((r) => r[0]), rows, expr)
  }
  c.close()
})

test('a key that is not a literal, a path that reads any key, and every value apart from its key are refused where column masking applies', async () => {
  const c = await session()
  const notLiteral = ['prefs->>k', "prefs->>(SELECT 'api_key')", 'jsonb_extract_path_text(prefs, k)', "prefs #>> ARRAY['db', k]",
    "prefs #>> string_to_array('db.password', '.')", "jsonb_path_query(prefs, '$.*')", "jsonb_path_query(prefs, 'strict $.**')",
    "jsonb_path_query(prefs, '$.db.keyvalue()')"].map((expr) => `SELECT ${expr}${ROWS}`)
  const everyKey = ['SELECT jsonb_each_text(prefs) FROM profiles', 'SELECT value FROM profiles, jsonb_each_text(prefs)',
    'SELECT r.api_key FROM profiles, jsonb_to_record(prefs) AS r(api_key text)', "SELECT (SELECT string_agg(value, ',') FROM json_each_text(settings)) FROM profiles"]
  for (const sql of [...notLiteral, ...everyKey]) {
    const got = await query(c, sql)
    assert.equal(got.rows, [], sql)
    assert.equal(got.leaks, [], sql)
    assert.is(got.errors.length, 1, sql)
    assert.match(got.errors[0]!, /^42501: .*cannot trace \((a json key or path that is not a literal|\S+ gives back every value of a document apart from its key)/, sql)
  }
  c.close()
})

test('a whole document is masked by its keys, as json, jsonb, text and in binary format', async () => {
  const c = await session()
  for (const sql of ['SELECT id, prefs, settings FROM profiles ORDER BY id', 'SELECT prefs::text, settings::text FROM profiles ORDER BY id', `SELECT prefs->'db'${ROWS}`]) {
    const got = await query(c, sql)
    assert.equal(got.errors, [], sql)
    assert.equal(got.leaks, [], sql)
    assert.is(got.rows.length, 2, sql)
  }
  const whole = await query(c, 'SELECT prefs, settings FROM profiles WHERE id = 1')
  assert.equal(whole.rows, [['{"db":{"host":"db-one","password":"[redacted]"},"theme":"dark","api_key":"[redacted]"}', '{"lang":"en","password":"[redacted]"}']])
  c.take()
  c.send(m.parse('s', 'SELECT prefs, settings FROM profiles ORDER BY id'), m.bind('p', 's', 1), m.execute('p'), m.sync())
  await c.readyCount(1, 30_000)
  const binary = outcomeOf(c.take())
  assert.equal(binary.errors, [])
  assert.equal(binary.leaks, [])
  assert.is(binary.rows.length, 2)
  c.close()
})

test('a field of a composite column named like a sensitive column is not given back (held: refused as a possible call)', async () => {
  const c = await session()
  for (const sql of [`SELECT (vault).secret${ROWS}`, `SELECT p.vault.password AS x FROM profiles p`, `SELECT ((vault).password)::text${ROWS}`]) {
    const got = await query(c, sql)
    assert.equal(got.leaks, [], sql)
    assert.equal(got.rows, [], sql)
  }
  c.close()
})

test.run()
