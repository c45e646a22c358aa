import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { SqlOutput } from '../../types.ts'
import type { SchemaCatalog } from './builder.ts'
import { arrayLiteral } from './lineage-keys.ts'
import { loadSqlParsers } from './parse.ts'
import { one } from './test-support.ts'

test.before(async () => {
  await loadSqlParsers()
})

const catalog: SchemaCatalog = {
  relation: (_schema, name) =>
    name === 'accounts' ? { schema: 'public', name: 'accounts', kind: 'table', columns: ['id', 'prefs', 'c', 'k', 'settings', 'vault'], documents: ['prefs', 'settings'], composites: ['vault'] } : undefined,
}

/** `lineage table.column,…` of the first output, plus `(reason)` when unknown. */
function lineage(sql: string): string {
  const o = one(sql, { catalog }).outputs?.[0] as SqlOutput
  const sources = o.sources.map((s) => `${s.table ?? '?'}.${s.column}`).join(',')
  return [o.lineage, sources, o.lineage === 'unknown' ? `(${o.reason})` : ''].join(' ').trim()
}

const PREFS = 'public.accounts.prefs'

test('a literal json key is read as a column of that name of the document\'s relation', () => {
  for (const sql of [
    "SELECT prefs->>'api_key' FROM accounts",
    "SELECT prefs->'api_key' FROM accounts",
    "SELECT a.prefs ->> 'api_key'::text AS x FROM accounts a",
    "SELECT prefs OPERATOR(pg_catalog.->>) 'api_key' FROM accounts",
    "SELECT jsonb_extract_path_text(prefs, 'api_key') FROM accounts",
    "SELECT pg_catalog.json_extract_path(prefs, 'api_key') FROM accounts",
    "SELECT prefs['api_key'] FROM accounts",
  ]) assert.is(lineage(sql), `derived ${PREFS},public.accounts.api_key`, sql)
})

test('every key of a literal path is read', () => {
  const both = `derived ${PREFS},public.accounts.db,public.accounts.password`
  for (const sql of [
    "SELECT prefs #>> '{db,password}' FROM accounts",
    "SELECT prefs #> '{ db , \"password\" }' FROM accounts",
    "SELECT prefs #>> ARRAY['db', 'password'] FROM accounts",
    "SELECT prefs->'db'->>'password' FROM accounts",
    "SELECT prefs['db']['password'] FROM accounts",
    "SELECT jsonb_extract_path_text(prefs, 'db', 'password') FROM accounts",
    "SELECT jsonb_extract_path_text(prefs, VARIADIC ARRAY['db', 'password']) FROM accounts",
  ]) assert.is(lineage(sql), both, sql)
})

test('array indexes and slices name no key', () => {
  assert.is(lineage('SELECT prefs->0 FROM accounts'), `derived ${PREFS}`)
  assert.is(lineage("SELECT prefs #>> '{0}' FROM accounts"), `derived ${PREFS},public.accounts.0`)
  assert.is(lineage('SELECT prefs[1:2] FROM accounts'), `derived ${PREFS}`)
  assert.is(lineage('SELECT prefs[1] FROM accounts'), `derived ${PREFS}`)
})

test('a key that is not a literal makes a document read from a relation untraceable', () => {
  for (const sql of [
    'SELECT prefs->>$1 FROM accounts',
    'SELECT prefs->>k FROM accounts',
    "SELECT prefs->>('api' || '_key') FROM accounts",
    "SELECT prefs #>> string_to_array('db.password', '.') FROM accounts",
    "SELECT prefs #>> ARRAY['db', k] FROM accounts",
    "SELECT jsonb_extract_path_text(prefs, 'db', $1) FROM accounts",
  ]) assert.match(lineage(sql), /^unknown .*\(a json key or path that is not a literal/, sql)
  // A constant document holds nothing a mask could cover.
  assert.is(lineage(`SELECT '{"a": 1}'::jsonb ->> $1`), 'derived')
})

test('a composite field is read as a column of that name', () => {
  assert.is(lineage('SELECT (c).secret FROM accounts'), 'derived public.accounts.c,public.accounts.secret')
  assert.is(lineage('SELECT a.c.secret FROM accounts a'), 'derived public.accounts.c,public.accounts.secret')
  assert.is(lineage('SELECT ((c).inner).password FROM accounts'), 'derived public.accounts.c,public.accounts.inner,public.accounts.password')
})

test('a literal jsonpath reads its member keys; wildcards and keyvalue() read any key', () => {
  assert.is(lineage("SELECT jsonb_path_query(prefs, '$.db.password') FROM accounts"), `derived ${PREFS},public.accounts.db,public.accounts.password`)
  assert.is(lineage(`SELECT jsonb_path_query_first(prefs, 'strict $."api_key"') FROM accounts`), `derived ${PREFS},public.accounts.api_key`)
  assert.is(lineage("SELECT jsonb_path_query_array(prefs, '$.items[*].name') FROM accounts"), `derived ${PREFS},public.accounts.items,public.accounts.name`)
  assert.is(lineage("SELECT jsonb_path_query(prefs, '$') FROM accounts"), `derived ${PREFS}`)
  for (const sql of [
    "SELECT jsonb_path_query(prefs, '$.*') FROM accounts",
    "SELECT jsonb_path_query(prefs, 'lax $.**') FROM accounts",
    "SELECT jsonb_path_query(prefs, '$.db.keyvalue()') FROM accounts",
    'SELECT jsonb_path_query(prefs, $1) FROM accounts',
  ]) assert.match(lineage(sql), /^unknown .*\(a json key or path that is not a literal or reads any key/, sql)
  // PostgreSQL's scanner decodes escapes in quoted and unquoted keys alike: such a path may read any key.
  for (const sql of [
    `SELECT jsonb_path_query(prefs, '$."\\u0061pi_key"') FROM accounts`,
    `SELECT jsonb_path_query(prefs, '$.api\\u005fkey') FROM accounts`,
    `SELECT jsonb_path_query(prefs, '$.db."p\\x61ssword"') FROM accounts`,
  ]) assert.match(lineage(sql), /^unknown .*\(a json key or path that is not a literal or reads any key/, sql)
  // An unquoted key is every character the scanner reads into one, not a prefix of it.
  assert.match(lineage("SELECT jsonb_path_query(prefs, '$.pässwörd~1') FROM accounts"), `${PREFS},public.accounts.pässwörd~1 `)
  // Variables can be returned as they are: they are read.
  assert.is(lineage(`SELECT jsonb_path_query('{}', '$x', jsonb_build_object('x', c)) FROM accounts`), 'derived public.accounts.c')
})

test('functions giving back every value of a document apart from its key make it untraceable', () => {
  for (const sql of [
    'SELECT jsonb_each_text(prefs) FROM accounts',
    'SELECT value FROM accounts, jsonb_each_text(prefs)',
    'SELECT e.value FROM accounts a, LATERAL json_each(a.prefs) e',
    'SELECT r.api_key FROM accounts, jsonb_to_record(prefs) AS r(api_key text)',
    'SELECT (jsonb_populate_record(null::creds, prefs)).password FROM accounts',
    'SELECT (SELECT string_agg(value, \',\') FROM jsonb_each_text(prefs)) FROM accounts',
  ]) assert.match(lineage(sql), /^unknown .*gives back every value of a document apart from its key/, sql)
  assert.is(lineage(`SELECT value FROM jsonb_each_text('{"a": "b"}')`), 'derived')
  assert.is(lineage('SELECT jsonb_object_keys(prefs) FROM accounts'), `derived ${PREFS}`)
})

test('a condition, ordering or grouping on a whole document, or on values read apart from their keys, is reported; key existence and containment of a given document are not', () => {
  const why = (sql: string) => one(sql, { catalog }).detail.predicate_unknown
  for (const sql of [
    "SELECT id FROM accounts WHERE prefs::text LIKE '%wk_live_J%'",
    "SELECT id FROM accounts WHERE prefs > '{\"api_key\": \"wk\"}'",
    'SELECT id FROM accounts ORDER BY prefs',
    'SELECT count(*) FROM accounts GROUP BY settings',
    "SELECT id FROM accounts WHERE prefs->>k > 'wk'",
    "SELECT id FROM accounts, jsonb_each_text(prefs) e WHERE e.value > 'wk'",
    "SELECT id FROM accounts WHERE prefs @? '$.api_key ? (@ starts with \"wk\")'",
    "SELECT id FROM accounts WHERE jsonb_path_exists(prefs, '$.* ? (@ starts with \"wk\")')",
    "SELECT id FROM accounts WHERE vault::text LIKE '%x%'",
    "SELECT id FROM accounts WHERE prefs->>'db' LIKE '%\"password\": \"H%'",
    "SELECT id FROM accounts ORDER BY prefs #>> '{db}'",
    "SELECT id FROM accounts WHERE prefs->>k = 'wk'",
    "SELECT id FROM accounts a WHERE a.vault > ROW('a', 'b', 'c')",
    "SELECT id FROM accounts WHERE position('wk' in prefs::text) > 0",
  ]) assert.is(typeof why(sql), 'string', sql)
  for (const sql of [
    "SELECT id FROM accounts WHERE prefs ? 'theme' AND prefs ?| array['a', 'b']",
    "SELECT id FROM accounts WHERE prefs @> '{\"theme\": \"dark\"}' AND '{}' <@ prefs",
    "SELECT id FROM accounts WHERE prefs = '{}' AND settings IS NOT NULL AND vault IS NULL",
    "SELECT id FROM accounts WHERE prefs->>'theme' = 'dark' AND prefs #>> '{db,host}' IN ('a', 'b') AND prefs->'x' IS NULL",
    "SELECT id FROM accounts WHERE prefs->>'theme'::text = 'dark' AND prefs->'db'->>'host' <> 'x'",
    "SELECT id FROM accounts WHERE (prefs->>'n')::int > 3 ORDER BY (prefs->>'since')::date",
    "SELECT count(prefs), count(DISTINCT prefs) FROM accounts",
  ]) assert.is(why(sql), undefined, sql)
  // Ordering by a key's value (which may be a document itself) is told what to do instead, not to read it by key again.
  for (const sql of ["SELECT id FROM accounts ORDER BY prefs->>'theme'", "SELECT prefs->>'theme' FROM accounts GROUP BY 1"]) {
    assert.match(String(why(sql)), /or a value read by a key that may be one, .*compare them for equality with values the statement gives, or cast them to a number, date or boolean/, sql)
  }
})

test('array literals are read as array_in reads them', () => {
  assert.equal(arrayLiteral('{}'), [])
  assert.equal(arrayLiteral('{a,b}'), ['a', 'b'])
  assert.equal(arrayLiteral('{ a , "b,c" , "d\\"e", f\\,g }'), ['a', 'b,c', 'd"e', 'f,g'])
  assert.equal(arrayLiteral('{NULL,"NULL"}'), ['NULL'])
  assert.is(arrayLiteral('{{a},{b}}'), undefined)
  assert.is(arrayLiteral('a,b'), undefined)
  assert.is(arrayLiteral('{"a}'), undefined)
})

test('a computation on a whole json/jsonb document (reverse(prefs::text), to_tsvector(prefs)) is untraceable: its values are masked by key only as a document', () => {
  for (const sql of [
    'SELECT reverse(prefs::text) FROM accounts',
    'SELECT to_tsvector(prefs) FROM accounts',
    "SELECT to_tsvector('simple', a.prefs) FROM accounts a",
    "SELECT prefs::text || 'x' FROM accounts",
    'SELECT convert_to(prefs::text, \'UTF8\') FROM accounts',
    'SELECT to_jsonb(prefs::text) FROM accounts',
    "SELECT jsonb_build_object('k', prefs::text) FROM accounts",
    'SELECT string_to_array(prefs::text, \',\') FROM accounts',
    'SELECT upper(x) FROM (SELECT prefs::text AS x FROM accounts) s',
    'SELECT quote_ident(max(settings::text)) FROM accounts',
    "SELECT reverse(COALESCE(prefs::text, '')) FROM accounts",
  ]) assert.match(lineage(sql), /^unknown .*\(computes on a whole json document, or a value read by a key that may be one \(read from public\.accounts\.(prefs|settings)/, sql)
})

test('a whole document carried as it is, cast to text or json, or built into JSON or an array keeps its keys, masked by them', () => {
  for (const sql of [
    'SELECT prefs FROM accounts',
    'SELECT prefs::text FROM accounts',
    'SELECT prefs::json::jsonb FROM accounts',
    'SELECT CAST(prefs AS varchar) FROM accounts',
    'SELECT jsonb_pretty(prefs) FROM accounts',
    "SELECT jsonb_set(prefs, '{theme}', '\"x\"') FROM accounts",
    'SELECT array_agg(prefs::text) FROM accounts',
    'SELECT jsonb_agg(prefs) FROM accounts',
    'SELECT ARRAY[prefs] FROM accounts',
    'SELECT max(prefs::text) FROM accounts',
    'SELECT count(prefs) FROM accounts',
    "SELECT COALESCE(prefs, '{}') FROM accounts",
    'SELECT COALESCE(prefs, settings)::text FROM accounts',
    "SELECT prefs->>'db' FROM accounts",
    "SELECT (prefs->>'n')::int + 1, (prefs #>> '{db,since}')::timestamptz FROM accounts",
    "SELECT jsonb_path_query(prefs, 'strict $.db.\"host\"[0]') FROM accounts",
  ]) assert.not.match(lineage(sql), /^unknown/, sql)
  // A column of another type computes as before.
  assert.is(lineage('SELECT reverse(c) FROM accounts'), 'derived public.accounts.c')
})

test('a value read by a key may be a document itself (prefs->>\'db\' holding a password): computed on, it is untraceable', () => {
  for (const sql of [
    "SELECT upper(prefs->>'theme') FROM accounts",
    "SELECT length(prefs #>> '{db,host}') FROM accounts",
    "SELECT split_part(prefs->>'db', '\"', 8) FROM accounts",
    "SELECT substr(prefs['db']::text, 30) FROM accounts",
    "SELECT (prefs->'db')::varchar(40) FROM accounts",
    "SELECT jsonb_path_query(prefs, '$.db ? (@.host starts with \"d\")') FROM accounts",
  ]) assert.match(lineage(sql), /^unknown .*\(computes on a whole json document/, sql)
})

test('a row holding a document goes out as record text: untraceable, as a row, cast, or gathered; as JSON it keeps its keys', () => {
  for (const sql of ['SELECT a FROM accounts a', 'SELECT a::text FROM accounts a', 'SELECT ROW(prefs) FROM accounts', 'SELECT ROW(prefs)::text FROM accounts', 'SELECT array_agg(a) FROM accounts a']) {
    assert.match(lineage(sql), /^unknown/, sql)
  }
  for (const sql of ['SELECT to_jsonb(a) FROM accounts a', 'SELECT row_to_json(a)::text FROM accounts a', 'SELECT jsonb_agg(a) FROM accounts a', 'SELECT count(a) FROM accounts a', 'SELECT a.* FROM accounts a']) {
    assert.not.match(lineage(sql), /^unknown/, sql)
  }
})

test('a composite column (fields named like sensitive columns) read whole, by a star, or computed on is untraceable; as JSON it keeps its field names as keys', () => {
  for (const sql of ['SELECT vault FROM accounts', 'SELECT vault::text FROM accounts', 'SELECT a.* FROM accounts a', 'SELECT mode() WITHIN GROUP (ORDER BY vault) FROM accounts']) {
    assert.ok(one(sql, { catalog }).outputs?.some((o) => o.lineage === 'unknown'), sql)
  }
  assert.equal(one('SELECT * FROM accounts', { catalog }).outputs?.map((o) => o.lineage), ['plain', 'plain', 'plain', 'plain', 'plain', 'unknown'])
  assert.not.match(lineage('SELECT to_jsonb(vault) FROM accounts'), /^unknown/)
  assert.not.match(lineage('SELECT count(vault) FROM accounts'), /^unknown/)
})

test.run()
