import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { SqlOutput, SqlStatement } from '../../types.ts'
import type { CatalogRelation, SchemaCatalog } from './builder.ts'
import type { PgObject } from './ast.ts'
import { statementLineage } from './lineage.ts'
import { loadSqlParsers, parsePostgres } from './parse.ts'
import { functionsOf, one, pg } from './test-support.ts'
import { cpuTimed } from '../../testing/cpu-time.ts'

test.before(async () => {
  await loadSqlParsers()
})

const RELATIONS: CatalogRelation[] = [
  { schema: 'public', name: 'users', kind: 'table', columns: ['id', 'email', 'name', 'addr'], unique_keys: [['id']] },
  { schema: 'public', name: 'orders', kind: 'table', columns: ['id', 'user_id', 'total'] },
  { schema: 'public', name: 'user_mail', kind: 'view', columns: ['id', 'mail', 'who'], definition: 'SELECT id, lower(email), name FROM users' },
  { schema: 'public', name: 'mail_view', kind: 'view', columns: ['m'], definition: 'SELECT mail FROM user_mail' },
  { schema: 'public', name: 'opaque', kind: 'view', columns: ['a'] },
  { schema: 'public', name: 'meta_view', kind: 'view', columns: ['ctid'], definition: 'SELECT email AS ctid FROM users' },
  {
    schema: 'public', name: 'accounts', kind: 'table', columns: ['id', 'password', 'hint', 'twice', 'odd'],
    generated: { hint: "(id || ' / '::text) || password", twice: 'id * 2', odd: '' },
  },
  { schema: 'public', name: 'inbox', kind: 'table', columns: ['id', 'msg'], write_rules: true },
]

const catalog: SchemaCatalog = {
  relation: (schema, name) => RELATIONS.find((r) => r.name === name && (schema === null || r.schema === schema)),
}

const withCatalog = { catalog }

/** `name lineage table.column,…` plus `safe`, `star`, `fn=…` when set. */
function brief(o: SqlOutput): string {
  const sources = o.sources.map((s) => `${s.table ?? '?'}.${s.column}`).join(',')
  const extra = [o.safe ? 'safe' : '', o.star ? 'star' : '', o.functions ? `fn=${o.functions.join('+')}` : ''].filter(Boolean)
  return [o.name, o.lineage, sources, ...extra].join(' ').trim()
}

function outputs(text: string, ctx?: Parameters<typeof one>[1]): string[] {
  const s = one(text, ctx)
  assert.ok(s.outputs, `no outputs for ${text}`)
  return (s.outputs ?? []).map(brief)
}

function first(text: string, ctx?: Parameters<typeof one>[1]): string {
  return outputs(text, ctx)[0] as string
}

const EMAIL = 'users.email'
const derivedEmail = (name: string, fn: string) => `${name} derived ${EMAIL} fn=${fn}`

test('plain: a column, an alias, a qualified column', () => {
  assert.equal(outputs('SELECT email, u.email AS x FROM users u'), [`email plain ${EMAIL}`, `x plain ${EMAIL}`])
  assert.equal(outputs('SELECT email FROM users', withCatalog), ['email plain public.users.email'])
})

test('string functions, operators and encodings derive from the column', () => {
  assert.is(first('SELECT reverse(email) FROM users'), derivedEmail('reverse', 'reverse'))
  assert.is(first("SELECT split_part(email, '@', 1) FROM users"), derivedEmail('split_part', 'split_part'))
  assert.is(first("SELECT translate(email, 'abc', 'xyz') FROM users"), derivedEmail('translate', 'translate'))
  assert.is(first("SELECT email || '' FROM users"), `?column? derived ${EMAIL}`)
  assert.is(first("SELECT encode(email::bytea, 'base64') FROM users"), derivedEmail('encode', 'encode'))
  assert.is(first('SELECT to_tsvector(email) FROM users'), derivedEmail('to_tsvector', 'to_tsvector'))
  assert.is(first("SELECT CASE WHEN email LIKE 'a%' THEN 1 END FROM users"), `case derived ${EMAIL}`)
  assert.is(first('SELECT coalesce(email, name) FROM users'), 'coalesce derived users.email,users.name')
})

test('casts keep the column name and derive; casts to user types are reported as calls', () => {
  assert.is(first('SELECT email::text FROM users'), `email derived ${EMAIL}`)
  assert.is(first("SELECT '1'::int"), '?column? derived  safe'.replace('?column?', 'int4'))
  const s = one('SELECT email::public.leaky FROM users')
  assert.is(brief(s.outputs?.[0] as SqlOutput), derivedEmail('email', 'public.leaky'))
  assert.equal(s.detail.user_type_casts, ['public.leaky'])
})

test('aggregates and windows derive; count and IS NULL are safe', () => {
  assert.is(first('SELECT json_agg(email) FROM users'), derivedEmail('json_agg', 'json_agg'))
  assert.is(first('SELECT array_agg(email) FROM users'), derivedEmail('array_agg', 'array_agg'))
  assert.is(first("SELECT string_agg(email, ',') FROM users"), derivedEmail('string_agg', 'string_agg'))
  assert.is(first('SELECT lag(email) OVER (ORDER BY id) FROM users'), derivedEmail('lag', 'lag'))
  assert.is(first('SELECT lead(email, 2) OVER w FROM users WINDOW w AS (PARTITION BY name)'), derivedEmail('lead', 'lead'))
  assert.is(first('SELECT count(email) FROM users'), `count derived ${EMAIL} safe fn=count`)
  assert.is(first('SELECT count(DISTINCT email) FROM users'), `count derived ${EMAIL} safe fn=count`)
  assert.is(first('SELECT email IS NOT NULL FROM users'), `?column? derived ${EMAIL} safe`)
  assert.is(first('SELECT count(*) FROM users'), 'count derived  safe fn=count')
  assert.is(first('SELECT max(email) FROM users'), derivedEmail('max', 'max'))
  assert.is(first('SELECT length(email) FROM users'), derivedEmail('length', 'length'))
})

test('a built-in name another schema shares (catalog.functionSchema) is a call of that schema\'s function: count through it is not safe', () => {
  const shadowing: SchemaCatalog = { ...catalog, functionSchema: (name) => (name === 'count' || name === 'lower' ? 'public' : undefined) }
  const s = one('SELECT count(email), lower(name), upper(name), pg_catalog.count(email) AS n FROM users', { catalog: shadowing })
  assert.equal((s.outputs ?? []).map(brief), [
    'count derived public.users.email fn=public.count',
    'lower derived public.users.name fn=public.lower',
    'upper derived public.users.name fn=upper',
    'n derived public.users.email safe fn=pg_catalog.count',
  ])
  assert.equal(s.functions.map((f) => f.full_name).sort(), ['pg_catalog.count', 'public.count', 'public.lower', 'upper'])
  assert.is(first('SELECT count(email) FROM users'), `count derived ${EMAIL} safe fn=count`, 'without functionSchema: the built-in')
})

test('a built-in operator symbol another schema shares is a call of that schema\'s operator, passed through by every derived column', () => {
  const shadowing: SchemaCatalog = { ...catalog, functionSchema: (name) => (name === '=' ? 'public' : undefined) }
  const s = one("SELECT name = 'x' AS e, id, id + 1 AS n FROM users WHERE id > 1 AND id OPERATOR(pg_catalog.=) 2", { catalog: shadowing })
  assert.equal((s.outputs ?? []).map(brief), ['e derived public.users.name fn=public.=', 'id plain public.users.id', 'n derived public.users.id fn=public.='])
  assert.equal(s.functions.map((f) => f.full_name), ['public.='])
})

test('whole-row references derive from every column', () => {
  assert.equal(outputs('SELECT u, row_to_json(u), to_jsonb(u.*), ROW(u.id, u.email) FROM users u', withCatalog), [
    'u derived public.users.id,public.users.email,public.users.name,public.users.addr',
    'row_to_json derived public.users.id,public.users.email,public.users.name,public.users.addr fn=row_to_json',
    'to_jsonb derived public.users.id,public.users.email,public.users.name,public.users.addr fn=to_jsonb',
    'row derived public.users.id,public.users.email',
  ])
  // Without a catalog `u` may be a column or the row: both.
  assert.is(first('SELECT u FROM users u'), 'u derived users.*,users.u')
  assert.is(first('SELECT row_to_json(u) FROM users u'), 'row_to_json derived users.*,users.u fn=row_to_json')
})

test('stars: one entry per column with a catalog, one star entry without', () => {
  assert.equal(outputs('SELECT * FROM users'), ['* plain users.* star'])
  assert.equal(outputs('SELECT o.*, u.email FROM users u JOIN orders o ON o.user_id = u.id', withCatalog), [
    'id plain public.orders.id', 'user_id plain public.orders.user_id', 'total plain public.orders.total', 'email plain public.users.email',
  ])
  assert.equal(outputs('SELECT * FROM users', withCatalog).length, 4)
})

test('(t).* and (t.*).* expand as t.* when t is a relation and no column', () => {
  const star = outputs('SELECT o.* FROM orders o', withCatalog)
  assert.equal(star.length, 3)
  assert.equal(outputs('SELECT (o).* FROM orders o', withCatalog), star)
  assert.equal(outputs('SELECT (o.*).* FROM orders o', withCatalog), star)
  assert.equal(outputs('SELECT (orders).*, 1 AS n FROM orders', withCatalog), [...star, 'n derived  safe'])
  // Without a catalog `o` may be a column (a composite, read first): its fields are not known.
  assert.equal(outputs('SELECT (o).* FROM orders o').length, 1)
})

test('CTEs, subqueries, LATERAL and recursive CTEs carry lineage', () => {
  assert.equal(outputs('WITH c AS (SELECT email AS e FROM users) SELECT e, upper(e) FROM c'), [`e plain ${EMAIL}`, derivedEmail('upper', 'upper')])
  assert.equal(outputs('SELECT s.m FROM (SELECT reverse(email) AS m FROM users) s'), [derivedEmail('m', 'reverse')])
  assert.equal(outputs('SELECT l.v FROM users u, LATERAL (SELECT u.email AS v) l'), [`v plain ${EMAIL}`])
  assert.equal(outputs('SELECT x FROM (SELECT * FROM users) s(x)', withCatalog), ['x plain public.users.id'])
  assert.equal(outputs('SELECT email FROM (SELECT * FROM users) s'), [`email plain ${EMAIL}`])
  assert.equal(outputs('WITH RECURSIVE r(a, b) AS (SELECT 1, email FROM users UNION ALL SELECT b, a FROM r) SELECT a FROM r'), [`a derived ${EMAIL}`])
  assert.is(first('SELECT (SELECT email FROM users LIMIT 1)'), `email derived ${EMAIL}`, 'a scalar subquery is derived')
  assert.is(first('SELECT ARRAY(SELECT email FROM users)'), `array derived ${EMAIL}`)
  assert.is(first('SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)'), 'exists derived  safe')
})

test('set operations and VALUES merge each branch column by column', () => {
  assert.equal(outputs('SELECT id, email FROM users UNION SELECT id, name FROM users'), ['id plain users.id', 'email derived users.email,users.name'])
  assert.equal(outputs('SELECT email FROM users UNION ALL SELECT email FROM users'), [`email plain ${EMAIL}`])
  assert.equal(outputs("VALUES (1, 'a'), (2, 'b')"), ['column1 derived  safe', 'column2 derived  safe'])
  assert.equal(outputs('SELECT v.column1 FROM (VALUES ((SELECT email FROM users LIMIT 1))) v'), [`column1 derived ${EMAIL}`])
})

test('JOIN USING merges its columns; a FULL join derives them', () => {
  assert.equal(outputs('SELECT * FROM users JOIN orders USING (id)', withCatalog).slice(0, 2), ['id plain public.users.id', 'email plain public.users.email'])
  assert.is(first('SELECT id FROM users FULL JOIN orders USING (id)', withCatalog), 'id derived public.users.id,public.orders.id')
  assert.equal(outputs('SELECT * FROM users NATURAL JOIN orders', withCatalog).length, 6)
})

test('RETURNING: the new values, with assignments followed', () => {
  assert.equal(outputs('UPDATE users SET name = email WHERE id = 1 RETURNING name, id'), ['name derived users.name,users.email', 'id plain users.id'])
  assert.equal(outputs('DELETE FROM users WHERE id = 1 RETURNING email'), [`email plain ${EMAIL}`])
  assert.equal(outputs('INSERT INTO orders (total) SELECT length(email) FROM users RETURNING total'), ['total derived orders.total,users.email fn=length'])
  assert.equal(outputs('DELETE FROM users RETURNING old.email'), [`email plain ${EMAIL}`])
  assert.is(one('DELETE FROM users WHERE id = 1').outputs, undefined)
  assert.is(one('INSERT INTO orders VALUES (1)').outputs, undefined)
})

test('RETURNING old / new name a FROM item called so (and SET reads it), else the target row', () => {
  assert.equal(outputs('UPDATE users SET name = name FROM orders old RETURNING old.total, new.email'), ['total plain orders.total', `email plain ${EMAIL}`])
  assert.equal(outputs('DELETE FROM users USING orders o JOIN orders new ON true RETURNING new.total, old.email'), ['total plain orders.total', `email plain ${EMAIL}`])
  assert.equal(outputs('UPDATE users SET name = old.total FROM orders old RETURNING name'), ['name derived users.name,orders.total,orders.name'])
})

test('EXECUTE takes its prepared statement outputs; unknown when unresolved', () => {
  const prepared = new Map([['q', 'SELECT reverse(email) FROM users WHERE id = $1']])
  const [execute, child] = pg('EXECUTE q(1)', { prepared })
  assert.equal(execute?.outputs?.map(brief), [derivedEmail('reverse', 'reverse')])
  assert.is(child?.outputs, undefined, 'nested entries carry no outputs')
  assert.equal(child?.predicates, [{ table: 'users', column: 'email' }, { table: 'users', column: 'id', lookup: true }])
  assert.equal(outputs('EXECUTE nope'), ['* unknown  star'])
  // Its arguments are computed here and used where the statement puts each parameter.
  const args = new Map([['p', 'SELECT $1 AS a, upper($2) AS b, 1 AS c']])
  assert.equal(pg("EXECUTE p(get_key(), 'x')", { prepared: args })[0]?.outputs?.map(brief), ['a derived  safe fn=get_key', 'b derived  safe fn=upper', 'c derived  safe'])
  const kept = new Map([['k', 'INSERT INTO orders (total) VALUES ($1)']])
  assert.equal(pg('EXECUTE k(get_total(1))', { prepared: kept })[0]?.stored?.map((v) => `${v.name} ${v.functions?.join('+')}`), ['total get_total'])
  assert.is(one('EXECUTE nope').outputs?.[0]?.reason, 'prepared statement nope is not known')
})

test('a predicate column is a lookup only when every use compares the column itself for equality with given values', () => {
  const predicates = (sql: string) => (one(sql).predicates ?? []).map((p) => `${p.column}${p.lookup ? ' lookup' : ''}`)
  assert.equal(predicates("SELECT id FROM users WHERE email = 'a' AND phone IN ('1', '2') AND NOT (name <> $1) OR plan = ANY ('{a,b}') OR card_number IS NULL"),
    ['email lookup', 'phone lookup', 'name lookup', 'plan lookup', 'card_number lookup'])
  assert.equal(predicates("SELECT id FROM users WHERE 'a'::text = email AND id = ANY (ARRAY[1, 2])"), ['email lookup', 'id lookup'])
  // Anything else reveals more than whether a given value is there.
  for (const sql of [
    "SELECT id FROM users WHERE email LIKE 'a%'",
    "SELECT id FROM users WHERE email > 'm'",
    "SELECT id FROM users WHERE lower(email) = 'a'",
    "SELECT id FROM users WHERE email = name",
    "SELECT id FROM users WHERE email = (SELECT max(email) FROM users)",
    "SELECT id FROM users WHERE email IS DISTINCT FROM 'a'",
    "SELECT id FROM users WHERE email = 'a' || $1",
    "SELECT id FROM users WHERE email IN ('a', name)",
    // One parameter bound to a whole array: any number of guesses in one statement.
    'SELECT id FROM users WHERE email = ANY ($1)',
    'SELECT id FROM users WHERE email <> ALL ($1::text[])',
    'SELECT id FROM users WHERE email = ANY (ARRAY[$1])',
    "SELECT id FROM users WHERE email = ANY (ARRAY['a', $1::text])",
    'SELECT id FROM users ORDER BY email',
    'SELECT count(*) FROM users GROUP BY email',
    "SELECT id FROM users WHERE 1 / (CASE WHEN email = 'a' THEN 0 ELSE 1 END) = 1",
  ]) assert.equal(predicates(sql).filter((p) => p.startsWith('email')), ['email'], sql)
  // One use of another kind is enough.
  assert.equal(predicates("SELECT id FROM users WHERE email = 'a' ORDER BY email"), ['email'])
  assert.equal(predicates("SELECT id FROM users WHERE email LIKE 'a%' OR email = 'b'"), ['email'])
})

test('DDL that evaluates expressions over the rows a table holds (CHECK, EXCLUDE, index and statistics expressions, a trigger\'s WHEN, a rule\'s WHERE, a type change, a partition key) reads them as conditions', () => {
  const predicates = (sql: string) => (one(sql, withCatalog).predicates ?? []).map((p) => `${p.column}${p.lookup ? ' lookup' : ''}`)
  for (const sql of [
    "CREATE INDEX ON users ((CASE WHEN substr(email, 1, 1) = 'a' THEN 1 / 0 ELSE 1 END))",
    'CREATE UNIQUE INDEX ON users (id, (left(email, 1)))',
    'CREATE INDEX ON users (id) WHERE 1 / (ascii(email) - 97) > 0',
    "ALTER TABLE users ADD CONSTRAINT c CHECK (substr(email, 1, 1) <> 'a')",
    'ALTER TABLE users ADD COLUMN n int CHECK (length(email) > 3)',
    'ALTER TABLE users ADD CONSTRAINT x EXCLUDE USING btree ((left(email, 1)) WITH =)',
    "ALTER TABLE users ADD CONSTRAINT x EXCLUDE USING btree (id WITH =) WHERE (email > 'm')",
    'CREATE STATISTICS s ON (ascii(email)), id FROM users',
    "CREATE TRIGGER t BEFORE UPDATE ON users FOR EACH ROW WHEN (substr(NEW.email, 1, 1) = 'a') EXECUTE FUNCTION suppress_redundant_updates_trigger()",
    "CREATE RULE r AS ON UPDATE TO users WHERE substr(NEW.email, 1, 1) = 'a' DO INSTEAD NOTHING",
    'CREATE TABLE pp (LIKE users) PARTITION BY RANGE (email)',
    'CREATE TABLE pp (LIKE users) PARTITION BY LIST ((substr(email, 1, 1)))',
    'ALTER TABLE users ALTER COLUMN email TYPE varchar(5)',
    'ALTER TABLE users ALTER COLUMN email TYPE public.short_text',
    // A new table's constraints run on the rows written into it later (INSERT … SELECT of masked values).
    'CREATE TABLE t (email text CHECK (length(email) > 3))', "CREATE TABLE t (id int, email text, CHECK (substr(email, 1, 1) <> 'a'))",
    'CREATE TABLE t (id int, email text, EXCLUDE USING btree ((left(email, 1)) WITH =))',
  ]) assert.equal(predicates(sql), ['email'], sql)
  // Lookups stay lookups; plain columns compute nothing over stored rows.
  assert.equal(predicates("ALTER TABLE users ADD CONSTRAINT c CHECK (email <> 'x')"), ['email lookup'])
  assert.equal(predicates("CREATE TABLE t (email text CHECK (email <> 'x'))"), ['email lookup'])
  assert.equal(predicates('CREATE INDEX ON users (lower(name)) WHERE email IS NOT NULL'), ['name', 'email lookup'])
  for (const sql of ['ALTER TABLE users ALTER COLUMN email TYPE text', 'ALTER TABLE users ALTER COLUMN email TYPE character varying', 'CREATE UNIQUE INDEX ON users (email) INCLUDE (addr)', 'CREATE STATISTICS s ON email, id FROM users', 'CREATE TABLE t (email text NOT NULL, p text)']) {
    assert.equal(predicates(sql), [], sql)
  }
})

test('DDL that orders or checks rows by columns it does not show (CLUSTER, VALIDATE CONSTRAINT, a foreign key, a domain\'s CHECK) reads every column it may', () => {
  const s = (sql: string) => one(sql, withCatalog)
  const predicates = (sql: string) => (s(sql).predicates ?? []).map((p) => `${p.column}${p.lookup ? ' lookup' : ''}`)
  // CLUSTER sorts the table by an index the catalog does not describe: every column orders its rows.
  // VALIDATE CONSTRAINT checks every row; a table attached as a partition or made a child is checked against the
  // parent's bound and handed to its triggers.
  for (const sql of [
    'CLUSTER users USING users_email_idx', 'CLUSTER users', 'CLUSTER VERBOSE public.users', 'ALTER TABLE users VALIDATE CONSTRAINT c',
    'ALTER TABLE orders ATTACH PARTITION users FOR VALUES FROM (MINVALUE) TO (MAXVALUE)', 'ALTER TABLE orders ATTACH PARTITION public.users DEFAULT',
    'ALTER TABLE users INHERIT orders',
  ]) {
    assert.equal(predicates(sql), ['id', 'email', 'name', 'addr'], sql)
  }
  assert.equal(predicates('ALTER INDEX users_email_idx ATTACH PARTITION users_email_2026'), [])
  assert.match(String(s('CLUSTER').detail.predicate_unknown), /every table clustered before/)
  assert.match(String(s('CLUSTER fresh USING fresh_idx').detail.predicate_unknown), /relation fresh is not in the catalog/)
  // Without a catalog, any column may be one masked whole.
  assert.match(String(one('CLUSTER users USING users_pkey').detail.predicate_unknown), /the columns of users are not known/)
  // A foreign key joins its columns with the referenced table's, now (or, NOT VALID, at the next write of the row).
  for (const sql of [
    'ALTER TABLE users ADD CONSTRAINT f FOREIGN KEY (email) REFERENCES guesses (p)',
    'ALTER TABLE users ADD CONSTRAINT f FOREIGN KEY (id, email) REFERENCES guesses (n, p) NOT VALID',
    'CREATE TABLE t (id int, email text REFERENCES guesses (p))',
    'CREATE TABLE t (id int, email text, FOREIGN KEY (email) REFERENCES guesses (p))',
  ]) assert.equal(predicates(sql).filter((p) => p.startsWith('email')), ['email'], sql)
  // …and reads the referenced columns, which later writes look their values up in.
  assert.equal(predicates('ALTER TABLE orders ADD FOREIGN KEY (user_id) REFERENCES users (id)'), ['user_id', 'id'])
  // A domain's CHECK runs over the columns of its type, which no statement names.
  for (const sql of ["ALTER DOMAIN short_text ADD CONSTRAINT c CHECK (VALUE > 'm')", 'ALTER DOMAIN short_text VALIDATE CONSTRAINT c']) {
    assert.match(String(s(sql).detail.predicate_unknown), /domain short_text/, sql)
  }
  for (const sql of ["ALTER DOMAIN short_text ADD CONSTRAINT c CHECK (VALUE > 'm') NOT VALID", 'ALTER DOMAIN short_text SET NOT NULL', 'ALTER TABLE users CLUSTER ON users_pkey']) {
    assert.equal(s(sql).detail.predicate_unknown, undefined, sql)
    assert.equal(predicates(sql), [], sql)
  }
})

test('plain DISTINCT and set operations but UNION ALL group on every output column, as GROUP BY does', () => {
  const predicates = (sql: string) => (one(sql, withCatalog).predicates ?? []).map((p) => `${p.column}${p.lookup ? ' lookup' : ''}`)
  for (const sql of [
    'SELECT DISTINCT email, id FROM users', 'SELECT id FROM (SELECT DISTINCT email, id FROM users) s',
    'SELECT email, id FROM users UNION SELECT email, id FROM users', 'SELECT email, id FROM users INTERSECT ALL SELECT email, id FROM users',
    'SELECT email, id FROM users EXCEPT SELECT email, id FROM users WHERE id = 1',
  ]) assert.ok(predicates(sql).includes('email'), sql)
  for (const sql of ['SELECT email, id FROM users UNION ALL SELECT email, id FROM users', 'SELECT DISTINCT count(email) FROM users', 'SELECT count(DISTINCT email) FROM users']) {
    assert.not.ok(predicates(sql).includes('email'), sql)
  }
})

test('ON CONFLICT matches the columns of its unique index with the values written: a lookup for values the text gives, a condition for values a query reads', () => {
  const predicates = (sql: string) => (one(sql, withCatalog).predicates ?? []).filter((p) => p.table === 'public.users').map((p) => `${p.column}${p.lookup ? ' lookup' : ''}`)
  // The primary key (id) is matched too, by the write itself (uniqueWrites).
  assert.equal(predicates("INSERT INTO users (id, email) VALUES (1, 'a@b.c') ON CONFLICT (email) DO NOTHING"), ['email lookup', 'id lookup'])
  assert.equal(predicates('INSERT INTO users (id, email) VALUES ($1, $2) ON CONFLICT DO NOTHING'), ['id lookup', 'email lookup', 'name lookup', 'addr lookup'])
  assert.equal(predicates('INSERT INTO users (id, email) SELECT id, email FROM orders ON CONFLICT (id) DO NOTHING'), ['id'])
  for (const sql of [
    'INSERT INTO users (id, email) SELECT id, email FROM guesses ON CONFLICT (email) DO NOTHING',
    "INSERT INTO users (id, email) SELECT g, 'a' || g FROM generate_series(1, 9) g ON CONFLICT (email) DO UPDATE SET name = 'hit' RETURNING id",
    'INSERT INTO users (id, email) SELECT 1, (SELECT name FROM users LIMIT 1) ON CONFLICT ON CONSTRAINT users_email_key DO NOTHING',
  ]) assert.ok(predicates(sql).includes('email'), sql)
  // Not knowing the target's columns, any of them may be the index's.
  assert.match(String(one('INSERT INTO fresh SELECT * FROM guesses ON CONFLICT DO NOTHING', withCatalog).detail.predicate_unknown), /not in the catalog|columns are not known/)
})

test('a write into a column of a unique or exclusion index matches the values written with the stored rows: a lookup for values the text gives, a condition for values a query reads or COPY sends', () => {
  const relations: CatalogRelation[] = [
    { schema: 'public', name: 'vault', kind: 'table', columns: ['id', 'label', 'api_key', 'probe', 'note'], unique_keys: [['id'], ['api_key'], ['probe', 'note']] },
    { schema: 'public', name: 'loose', kind: 'table', columns: ['id', 'api_key'], unique_keys: [] },
    { schema: 'public', name: 'windows', kind: 'table', columns: ['id', 'secret_window'], unique_keys: [], exclusion_keys: [['secret_window']] },
    { schema: 'public', name: 'lowered', kind: 'table', columns: ['id', 'api_key', 'key_lower'], generated: { key_lower: 'lower(api_key)' }, unique_keys: [['key_lower']] },
    { schema: 'public', name: 'guesses', kind: 'table', columns: ['n', 'k'], unique_keys: [] },
    { schema: 'public', name: 'vault_view', kind: 'view', columns: ['id', 'secret'], definition: 'SELECT id, api_key AS secret FROM vault' },
  ]
  const ctx = { catalog: { relation: (schema: string | null, name: string) => relations.find((r) => r.name === name && (schema === null || r.schema === schema)) } }
  const s = (sql: string) => one(sql, ctx)
  const predicates = (sql: string) => (s(sql).predicates ?? []).filter((p) => p.column !== 'n' && p.column !== 'k').map((p) =>
    `${p.column}${p.lookup ? ' lookup' : ''}${p.against_candidates ? ' candidates' : ''}`).sort()
  // Values the text gives are looked up, as by api_key = '…' (parameters too, one value each).
  assert.equal(predicates("INSERT INTO vault (id, api_key) VALUES (1, 'wk_1'), (2, 'wk_2')"), ['api_key lookup', 'id lookup'])
  assert.equal(predicates("UPDATE vault SET api_key = $1 WHERE label = 'x'"), ['api_key lookup', 'label lookup'])
  // Values a query reads, or the client sends by COPY, are a condition on the column.
  for (const sql of [
    'INSERT INTO vault (id, api_key) SELECT n, k FROM guesses',
    'UPDATE vault SET api_key = g.k FROM guesses g WHERE vault.id = g.n',
    'UPDATE vault SET api_key = (SELECT k FROM guesses LIMIT 1) WHERE id = 1',
    "UPDATE vault SET api_key = api_key || 'x'",
    'MERGE INTO vault v USING guesses g ON v.id = g.n WHEN NOT MATCHED THEN INSERT (id, api_key) VALUES (g.n, g.k)',
    'MERGE INTO vault v USING guesses g ON v.id = g.n WHEN MATCHED THEN UPDATE SET api_key = g.k',
    'MERGE INTO vault v USING guesses g ON v.id = g.n WHEN NOT MATCHED THEN INSERT VALUES (g.n, NULL, g.k)',
    "INSERT INTO vault (id, api_key) SELECT n, k FROM guesses ON CONFLICT (id) DO UPDATE SET label = 'x'",
    'COPY vault (id, api_key) FROM STDIN',
    'COPY vault FROM STDIN',
    // A unique generated column computed from it (lower(api_key)).
    'INSERT INTO lowered (id, api_key) SELECT n, k FROM guesses',
    // Through a view, the base column it shows; the catalog does not say which indexes a view's writes meet.
    'INSERT INTO vault_view (id, secret) SELECT n, k FROM guesses',
  ]) assert.ok(predicates(sql).includes('api_key'), `${sql}: ${predicates(sql)}`)
  // Guesses the statement makes are matched against as candidates (partially masked columns are held to that).
  assert.ok(predicates("INSERT INTO vault (id, api_key) SELECT g, 'wk_' || g FROM generate_series(1, 9) g").includes('api_key candidates'))
  // An exclusion constraint may compare by any operator (`&&`): even a value the text gives is a condition.
  assert.equal(predicates("INSERT INTO windows (id, secret_window) VALUES (1, '[1,5)')"), ['secret_window'])
  // An UPDATE of one column of a composite key compares the other's stored value with the stored rows'.
  assert.equal(predicates("UPDATE vault SET probe = 5 WHERE id = 1"), ['id lookup', 'note', 'probe lookup'])
  assert.equal(predicates("INSERT INTO vault (id, probe) VALUES (1, 5)"), ['id lookup', 'probe lookup'])
  assert.equal(predicates("INSERT INTO vault (id, probe) VALUES (1, 5) ON CONFLICT (id) DO UPDATE SET label = 'x'"), ['id lookup', 'probe lookup'])
  assert.equal(predicates("INSERT INTO vault (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET probe = 5"), ['id lookup', 'note', 'probe lookup'])
  assert.equal(predicates('MERGE INTO vault v USING guesses g ON v.id = g.n WHEN MATCHED THEN UPDATE SET probe = 5'), ['id', 'note', 'probe lookup'])
  // No unique index on the column: nothing is matched, whatever is written.
  for (const sql of ['INSERT INTO loose (id, api_key) SELECT n, k FROM guesses', 'COPY loose FROM STDIN', 'UPDATE loose SET api_key = (SELECT k FROM guesses LIMIT 1)', 'INSERT INTO vault (id, label) VALUES (1, $1)']) {
    assert.not.ok(predicates(sql).some((p) => p.startsWith('api_key') || p.startsWith('label')), `${sql}: ${predicates(sql)}`)
    assert.is(s(sql).detail.predicate_unknown, undefined, sql)
  }
  // A relation the catalog does not know: any written column may be in an index; values not placed in a column are
  // matched with rows no mask follows. Values the text gives stay lookups.
  assert.ok(predicates('INSERT INTO fresh (id, api_key) SELECT n, k FROM guesses').length === 0)
  assert.match(String(s('INSERT INTO fresh (id, api_key) SELECT n, k FROM guesses').detail.predicate_unknown), /not in the catalog/)
  assert.match(String(s('INSERT INTO fresh SELECT * FROM guesses').detail.predicate_unknown), /not in the catalog|columns not known/)
  assert.match(String(s('COPY fresh FROM STDIN').detail.predicate_unknown), /columns not known/)
  assert.is(s("INSERT INTO fresh (id, api_key) VALUES (1, 'wk_1')").detail.predicate_unknown, undefined)
  // Without a catalog (a text judged offline), no index is known and none is assumed.
  assert.equal(one('INSERT INTO vault (id, api_key) SELECT n, k FROM guesses').predicates ?? [], [])
})

test('a write into a column the server checks first (CHECK, foreign key, trigger WHEN, partition key, domain CHECK) marks what it keeps there as checked', () => {
  const relations: CatalogRelation[] = [
    { schema: 'public', name: 'stash', kind: 'table', columns: ['id', 'password_copy', 'note'], unique_keys: [], checked_columns: ['password_copy'] },
    { schema: 'public', name: 'creds', kind: 'table', columns: ['id', 'password'], unique_keys: [], checked_columns: [] },
    { schema: 'public', name: 'stash_view', kind: 'view', columns: ['id', 'x'], definition: 'SELECT id, note AS x FROM stash' },
  ]
  const ctx = { catalog: { relation: (schema: string | null, name: string) => relations.find((r) => r.name === name && (schema === null || r.schema === schema)) } }
  const checked = (sql: string, catalog: typeof ctx | null = ctx) => (one(sql, catalog ?? undefined).stored ?? []).filter((v) => v.checked).map((v) => `${v.table}.${v.name}`)
  for (const sql of [
    'INSERT INTO stash (id, password_copy) SELECT id, password FROM creds',
    'INSERT INTO stash SELECT id, password FROM creds',
    'UPDATE stash SET password_copy = password_copy',
    'UPDATE stash SET password_copy = c.password FROM creds c WHERE c.id = stash.id',
    'MERGE INTO stash s USING creds c ON s.id = c.id WHEN MATCHED THEN UPDATE SET password_copy = c.password',
    "INSERT INTO stash (id, password_copy) VALUES (1, 'x') ON CONFLICT (id) DO UPDATE SET password_copy = EXCLUDED.password_copy",
  ]) assert.ok(checked(sql).includes('public.stash.password_copy'), `${sql}: ${checked(sql)}`)
  assert.equal(checked('INSERT INTO stash (id, note) SELECT id, password FROM creds'), [])
  assert.equal(checked('UPDATE creds SET password = password'), [])
  // Not known for a view (its base table's checks) or a relation the catalog does not know: any column may be checked.
  assert.equal(checked('INSERT INTO stash_view (id, x) SELECT id, password FROM creds'), ['public.stash.id', 'public.stash.note'])
  assert.ok(checked('INSERT INTO fresh (v) SELECT password FROM creds').length > 0)
  // Without a catalog (a text judged offline) none is assumed.
  assert.equal(checked('INSERT INTO stash (id, password_copy) SELECT id, password FROM creds', null), [])
  // A generated column added to a table with rows coerces each value to its type, whose checks run over it.
  assert.equal(checked('ALTER TABLE creds ADD COLUMN password_copy kept_text GENERATED ALWAYS AS (password) STORED', null), ['creds.password_copy'])
  assert.equal(checked('ALTER TABLE creds ADD COLUMN password_copy text GENERATED ALWAYS AS (password) STORED', null), [])
})

test('a foreign key reads the columns it references as a condition: later writes look their values up there', () => {
  const relations: CatalogRelation[] = [
    { schema: 'public', name: 'creds', kind: 'table', columns: ['id', 'password'], unique_keys: [['id'], ['password']] },
    { schema: 'public', name: 'keyed', kind: 'table', columns: ['api_key', 'label'], unique_keys: [['api_key']] },
  ]
  const ctx = { catalog: { relation: (schema: string | null, name: string) => relations.find((r) => r.name === name && (schema === null || r.schema === schema)) } }
  const read = (sql: string) => (one(sql, ctx).predicates ?? []).map((p) => `${p.table}.${p.column}`).sort()
  assert.ok(read('CREATE TABLE probe_fk (k text REFERENCES creds (password))').includes('public.creds.password'))
  assert.ok(read('ALTER TABLE t ADD FOREIGN KEY (k) REFERENCES creds (password)').includes('public.creds.password'))
  // No column list: the primary key, one of the unique keys the catalog lists.
  assert.ok(read('CREATE TABLE probe_fk (k text REFERENCES keyed)').includes('public.keyed.api_key'))
  assert.not.ok(read('CREATE TABLE probe_fk (k text REFERENCES keyed)').includes('public.keyed.label'))
  assert.equal(read('CREATE TABLE probe_fk (k int REFERENCES creds (id))').filter((c) => c.startsWith('public.creds')), ['public.creds.id'])
})

test('a condition reading a column with candidates the statement makes or with other columns marks it against them', () => {
  const against = (sql: string) => (one(sql, withCatalog).predicates ?? []).filter((p) => p.column === 'email').map((p) =>
    [p.against_candidates ? 'candidates' : '', ...(p.against ?? []).map((o) => o.column)].filter(Boolean).join(' '))
  // Candidates: a function's rows, VALUES, a CTE or subquery of constants, wherever the condition sits.
  for (const sql of [
    'SELECT id FROM users, generate_series(1, 40) g, generate_series(32, 126) n WHERE ascii(substr(email, g, 1)) = n',
    "SELECT id FROM users, (VALUES ('a'), ('b')) v(c) WHERE left(email, 1) = v.c",
    'SELECT id FROM users u JOIN generate_series(32, 126) n ON ascii(u.email) = n',
    'SELECT id, (SELECT max(n) FROM generate_series(32, 126) n WHERE n = ascii(u.email)) FROM users u',
    'SELECT n FROM generate_series(32, 126) n WHERE n IN (SELECT ascii(email) FROM users)',
    'SELECT n FROM generate_series(32, 126) n WHERE n = (SELECT ascii(email) FROM users LIMIT 1)',
    'SELECT n FROM generate_series(32, 126) n, users u ORDER BY abs(ascii(u.email) - n) LIMIT 1',
    'SELECT n FROM (SELECT ascii(email) = n AS hit, n FROM users, generate_series(32, 126) n ORDER BY 1 DESC LIMIT 1) s',
    'SELECT n FROM (SELECT ascii(email) = n AS hit, n FROM users, generate_series(32, 126) n) s WHERE hit',
    'SELECT string_agg(chr(n), \'\') FILTER (WHERE ascii(email) = n) FROM users, generate_series(32, 126) n',
    'SELECT g, count(*) FROM users u, generate_series(1, 40) g, LATERAL generate_series(1, ascii(substr(u.email, g, 1))) k GROUP BY g',
    "WITH c(x) AS (SELECT 'a' UNION ALL SELECT 'b') SELECT id FROM users, c WHERE email LIKE c.x || '%'",
    'SELECT u.id FROM users u JOIN unnest($1::text[]) x ON u.email = x',
    // A number of rows computed from it gives the number back: LIMIT and OFFSET (of a set operation and VALUES
    // too), frame offsets, generate_series' bounds.
    'SELECT n FROM generate_series(0, 200) n OFFSET (SELECT ascii(email) FROM users LIMIT 1) LIMIT 1',
    'SELECT 1 UNION ALL SELECT 2 ORDER BY 1 OFFSET (SELECT ascii(email) FROM users LIMIT 1)',
    'VALUES (1), (2) LIMIT (SELECT length(email) FROM users LIMIT 1)',
    'SELECT count(*) OVER (ROWS BETWEEN CURRENT ROW AND (SELECT ascii(email) FROM users LIMIT 1) FOLLOWING) FROM orders',
    'SELECT count(*) FROM generate_series(1, (SELECT ascii(email) FROM users LIMIT 1))',
    'SELECT count(*) FROM (SELECT generate_series(1, ascii(email)) FROM users) s',
    "SELECT count(*) FROM users, regexp_split_to_table(repeat('x', ascii(email)), '') x",
    // A column whose rows are partly a table's, partly made (a set operation, VALUES): a tag tells them apart.
    'WITH u AS (SELECT ascii(email) AS x, 0 AS tag FROM users UNION ALL SELECT n, n FROM generate_series(32, 126) n) SELECT b.tag FROM u a, u b WHERE a.tag = 0 AND a.x = b.x + 0',
    'SELECT s.t FROM (VALUES ((SELECT ascii(email) FROM users LIMIT 1), 0), (97, 97), (98, 98)) s(x, t), users u WHERE s.x = ascii(u.email) + 0',
  ]) assert.equal(against(sql), ['candidates'], sql)
  // Other columns: marked, for the policy to weigh by their masks; a join of two columns as they are is not.
  assert.equal(against('SELECT u.id FROM users u, orders o WHERE ascii(u.email) = o.total'), ['total'])
  assert.equal(against('SELECT u.id FROM users u WHERE position(u.name in u.email) > 0'), ['name'])
  assert.equal(against('SELECT u.id FROM users u JOIN orders o ON u.email = o.user_id'), [''])
  // A column computed elsewhere is no stored one: orders' ids would spell the email's code points.
  assert.equal(against('WITH a AS (SELECT ascii(email) AS v FROM users) SELECT o.id FROM orders o JOIN a ON o.id = a.v'), ['id'])
  assert.equal(against('SELECT o.id FROM orders o JOIN (SELECT ascii(email) AS id FROM users) a USING (id)'), ['id'])
  assert.equal(against('SELECT n FROM (SELECT ascii(email) AS n FROM users) a JOIN generate_series(32, 126) n USING (n)'), ['candidates'])
  assert.equal(against('SELECT id FROM users JOIN (SELECT id, email FROM users) a USING (email)'), [''])
  // Values the statement writes, and conditions on the column alone, are not candidates.
  for (const sql of [
    "SELECT id FROM users WHERE email ILIKE '%@example.com' AND name = 'x'",
    "SELECT id FROM users WHERE email = 'a' OR lower(email) LIKE $1",
    "SELECT id FROM users u WHERE EXISTS (SELECT 1 FROM orders o WHERE o.user_id = u.id) AND u.email LIKE 'a%'",
    'SELECT id FROM users ORDER BY email',
  ]) assert.equal(against(sql), [''], sql)
})

test('what count(x), x IS NULL and rank(x) WITHIN GROUP look at is a condition on what x is computed from: matched against candidates it is marked so', () => {
  const against = (sql: string) => (one(sql, withCatalog).predicates ?? []).some((p) => p.column === 'email' && p.against_candidates === true)
  for (const sql of [
    'SELECT n, count(NULLIF(ascii(email), n)) FROM users, generate_series(32, 126) n GROUP BY n',
    'SELECT n, count(CASE WHEN ascii(email) = n THEN 1 END) FROM users, generate_series(32, 126) n GROUP BY n',
    'SELECT n, NULLIF(ascii(email), n) IS NULL FROM users, generate_series(32, 126) n',
    'SELECT n, (CASE WHEN ascii(email) = n THEN NULL ELSE 1 END) IS NOT NULL FROM users, generate_series(32, 126) n',
    // A hypothetical-set aggregate places its arguments among the values it sorts: a comparison of both.
    'SELECT n, rank(n) WITHIN GROUP (ORDER BY ascii(email)) FROM users, generate_series(32, 126) n GROUP BY n',
    'SELECT n, cume_dist(n) WITHIN GROUP (ORDER BY email) FROM users, generate_series(32, 126) n GROUP BY n',
    // A set operation that compares rows (all but UNION ALL), and count(DISTINCT x), compare the branches' values.
    'SELECT n, (SELECT count(*) FROM (SELECT n INTERSECT SELECT ascii(email) FROM users) s) FROM generate_series(32, 126) n',
    'SELECT n, (SELECT count(*) FROM (SELECT generate_series(32, n) EXCEPT SELECT ascii(email) FROM users) s) FROM generate_series(32, 126) n',
    'SELECT n, (SELECT count(*) FROM (SELECT n UNION SELECT ascii(email) FROM users) s) FROM generate_series(32, 126) n',
    'SELECT n, (SELECT count(DISTINCT x) FROM (SELECT n AS x UNION ALL SELECT ascii(email) FROM users) s) FROM generate_series(32, 126) n',
    'SELECT n, (SELECT count(*) FROM (SELECT DISTINCT x FROM (SELECT n AS x UNION ALL SELECT ascii(email) FROM users) a) s) FROM generate_series(32, 126) n',
  ]) {
    assert.ok(against(sql), sql)
    // The output stays a safe derivation; the condition inside it is what the policy judges.
    assert.ok(one(sql, withCatalog).outputs?.at(-1)?.safe, sql)
  }
  // A condition with values the statement writes is not against candidates; bare columns are no condition.
  assert.not.ok(against("SELECT count(CASE WHEN email ILIKE '%@example.com' THEN 1 END) FROM users"))
  assert.not.ok(against("SELECT rank('m') WITHIN GROUP (ORDER BY email) FROM users"))
  assert.not.ok(against('SELECT n, (SELECT count(*) FROM (SELECT n AS x UNION ALL SELECT ascii(email) FROM users) s) FROM generate_series(32, 126) n'))
  assert.not.ok(against('SELECT email FROM users UNION SELECT email FROM users'))
  assert.not.ok(against('SELECT count(DISTINCT email) FROM users'))
  assert.not.ok(against('SELECT DISTINCT email FROM users'))
  assert.equal((one('SELECT count(email), email IS NULL, count(DISTINCT email) FROM users', withCatalog).predicates ?? []).map((p) => p.column), [])
})

test('functions a condition over candidates, or a number of rows, reads are listed as matched calls', () => {
  const matched = (sql: string) => one(sql, withCatalog).detail.matched_calls
  assert.equal(matched('SELECT n FROM generate_series(32, 126) n WHERE n = first_code(1)'), ['generate_series', 'first_code'])
  assert.equal(matched('SELECT n FROM generate_series(0, 200) n OFFSET first_code(1) LIMIT 1'), ['first_code'])
  assert.equal(matched('SELECT count(*) FROM generate_series(1, first_code(1))'), ['first_code'])
  assert.is(matched("SELECT id FROM users WHERE first_code(id) > 3 AND email LIKE 'a%'"), undefined)
})

test('a value the statement computes, anywhere in it, makes the columns it reads predicates; one carried as it is does not', () => {
  const predicates = (sql: string, at = 0) => (pg(sql)[at]?.predicates ?? []).map((p) => p.column)
  assert.equal(predicates("SELECT u, email, prefs->>'theme' AS t, jsonb_extract_path_text(prefs, 'k') AS k, jsonb_path_query(prefs, '$.email') AS e, count(phone), name IS NULL FROM users u"), [])
  for (const sql of [
    'SELECT lower(email) FROM users', 'SELECT email::int FROM users', "SELECT email || 'x' FROM users", "SELECT CASE WHEN email = 'a' THEN 1 END FROM users",
    "SELECT jsonb_path_query(prefs, '$.email ? (@ starts with \"a\")') FROM users", 'SELECT count(1 / length(email)) FROM users', 'SELECT (email::int) IS NULL FROM users',
    'SELECT count(*) FROM (SELECT upper(email) AS x FROM users) s', 'WITH w AS MATERIALIZED (SELECT 1 / length(email) AS v FROM users) SELECT count(*) FROM w',
    'SELECT count(*) FROM generate_series(1, (SELECT length(email) FROM users LIMIT 1))',
  ]) assert.ok(predicates(sql).includes('email'), sql)
  assert.ok(predicates('EXPLAIN ANALYZE SELECT 1 / length(email) FROM users', 1).includes('email'), 'EXPLAIN ANALYZE')
  assert.equal(predicates('SELECT email, count(*) FROM users GROUP BY 1'), ['email'])
  assert.equal(predicates('SELECT DISTINCT ON (1) email, id FROM users'), ['email'])
})

test('a LATERAL item on the right of a join reads the left side: its filters and outputs trace there', () => {
  const predicates = (sql: string) => (one(sql, withCatalog).predicates ?? []).map((p) => `${p.column}${p.lookup ? ' lookup' : ''}`)
  for (const sql of [
    "SELECT a.id FROM accounts a JOIN LATERAL (SELECT 1 WHERE a.password LIKE 'M%') s ON true",
    "SELECT a.id FROM accounts a CROSS JOIN LATERAL (SELECT 1 WHERE a.password LIKE 'M%') s",
    "SELECT a.id FROM users u JOIN accounts a ON a.id = u.id LEFT JOIN LATERAL (SELECT 1 WHERE a.password > 'm') s ON true",
  ]) assert.ok(predicates(sql).includes('password'), sql)
  assert.equal(outputs('SELECT a.id, s.x FROM accounts a CROSS JOIN LATERAL (SELECT a.password AS x) s', withCatalog),
    ['id plain public.accounts.id', 'x plain public.accounts.password'])
})

test('a function in FROM computes its rows from its arguments: the columns they read are predicates', () => {
  const predicates = (sql: string) => (one(sql, withCatalog).predicates ?? []).map((p) => p.column)
  for (const sql of [
    "SELECT a.id FROM accounts a, regexp_matches(a.password, '^M') m",
    'SELECT a.id FROM accounts a, generate_series(1, length(a.password)) g',
    'SELECT a.id FROM accounts a CROSS JOIN LATERAL generate_series(1, length(a.password)) g',
  ]) assert.ok(predicates(sql).includes('password'), sql)
  assert.equal(predicates('SELECT g FROM generate_series(1, 3) g'), [])
})

test('a window frame\'s offsets choose rows: the columns they read are predicates', () => {
  const predicates = (sql: string) => (one(sql, withCatalog).predicates ?? []).map((p) => p.column)
  for (const sql of [
    'SELECT id, count(*) OVER (ORDER BY id ROWS BETWEEN CURRENT ROW AND (SELECT length(password) FROM accounts WHERE id = 1) FOLLOWING) FROM accounts',
    'SELECT id, count(*) OVER w FROM accounts WINDOW w AS (ORDER BY id ROWS (SELECT ascii(password) FROM accounts WHERE id = 1) PRECEDING)',
  ]) assert.ok(predicates(sql).includes('password'), sql)
})

test('a recursive CTE\'s SEARCH and CYCLE order and compare its rows by the columns they name: predicates', () => {
  const predicates = (sql: string) => (one(sql, withCatalog).predicates ?? []).map((p) => p.column)
  const cte = 'WITH RECURSIVE r(id, p) AS (SELECT id, password FROM accounts UNION ALL SELECT id, p FROM r WHERE false)'
  for (const sql of [`${cte} SEARCH DEPTH FIRST BY p SET ord SELECT id FROM r ORDER BY ord`, `${cte} CYCLE p SET c USING path SELECT id, c FROM r`]) {
    assert.ok(predicates(sql).includes('password'), sql)
  }
  assert.equal(predicates(`${cte} SEARCH DEPTH FIRST BY id SET ord SELECT id FROM r ORDER BY ord`), ['id'])
})

test('views are followed through their definition', () => {
  assert.equal(outputs('SELECT * FROM user_mail', withCatalog), ['id plain public.users.id', 'mail derived public.users.email fn=lower', 'who plain public.users.name'])
  assert.equal(outputs('SELECT m FROM mail_view', withCatalog), ['m derived public.users.email fn=lower'])
  assert.equal(outputs('SELECT a FROM opaque', withCatalog), ['a unknown'])
})

test('a column a table under this one computes by a generation expression of its own is unknown: a read returns that table\'s rows', () => {
  const relations: CatalogRelation[] = [...RELATIONS, { schema: 'public', name: 'parent', kind: 'table', columns: ['id', 'note'], generated_under: ['note'] }]
  const ctx = { catalog: { relation: (schema: string | null, name: string) => relations.find((r) => r.name === name && (schema === null || r.schema === schema)) } }
  assert.equal(outputs('SELECT * FROM parent', ctx), ['id plain public.parent.id', 'note unknown'])
  // Taking a table out from under it leaves what a materialized view kept of its rows under a plain column.
  const left = (text: string) => (one(text, ctx).stored ?? []).map((v) => `${v.table}.${v.name} ${v.lineage}`)
  assert.equal(left('ALTER TABLE child NO INHERIT parent'), ['public.parent.note unknown'])
  assert.equal(left('ALTER TABLE parent DETACH PARTITION child'), ['public.parent.note unknown'])
  assert.equal(left('ALTER TABLE child NO INHERIT orders'), [])
})

test('a materialized view holds what the views it reads gave at its last refresh: their columns are unknown there, its tables\' are followed', () => {
  const relations: CatalogRelation[] = [
    ...RELATIONS,
    { schema: 'public', name: 'mail_mv', kind: 'materialized_view', columns: ['id', 'm', 'who'], definition: 'SELECT u.id, v.mail, u.name FROM users u JOIN user_mail v ON v.id = u.id' },
    { schema: 'public', name: 'user_mv', kind: 'materialized_view', columns: ['id', 'email'], definition: 'SELECT id, email FROM users' },
    { schema: 'public', name: 'over_mv', kind: 'view', columns: ['m'], definition: 'SELECT m FROM mail_mv' },
  ]
  const ctx = { catalog: { relation: (schema: string | null, name: string) => relations.find((r) => r.name === name && (schema === null || r.schema === schema)) } }
  assert.equal(outputs('SELECT * FROM mail_mv', ctx), ['id plain public.users.id', 'm unknown', 'who plain public.users.name'])
  assert.equal(outputs('SELECT m FROM over_mv', ctx), ['m unknown'])
  assert.equal(outputs('SELECT * FROM user_mv', ctx), ['id plain public.users.id', 'email plain public.users.email'])
  // The view read directly, in the same statement, is followed as it is now.
  assert.equal(outputs('SELECT v.mail, m.m FROM user_mail v, mail_mv m', ctx), ['mail derived public.users.email fn=lower', 'm unknown'])
})

test('a stored generated column is derived from the columns its expression names; unreadable ones are unknown', () => {
  assert.equal(outputs('SELECT hint, twice, odd FROM accounts', withCatalog), [
    'hint derived public.accounts.id,public.accounts.password', 'twice derived public.accounts.id', 'odd unknown',
  ])
  assert.equal(outputs('SELECT a.hint AS h FROM accounts a', withCatalog), ['h derived public.accounts.id,public.accounts.password'])
})

test('RETURNING from a relation whose writes the server rewrites (rules) is unknown, and asks for the catalog\'s current word', () => {
  const asked: string[] = []
  const spy: SchemaCatalog = { relation: (schema, name, lookup) => (asked.push(`${name}${lookup?.current ? ' current' : ''}`), catalog.relation(schema, name)) }
  for (const text of ["INSERT INTO inbox VALUES (1, 'x') RETURNING msg", "UPDATE inbox SET msg = 'x' RETURNING id, msg", 'DELETE FROM inbox RETURNING *', "UPDATE inbox SET msg = 'x' FROM users RETURNING users.name"]) {
    const got = outputs(text, { catalog: spy })
    assert.ok(got.length > 0 && got.every((o) => o.includes(' unknown')), `${text}: ${got.join('; ')}`)
  }
  assert.ok(asked.includes('inbox current'))
  asked.length = 0
  assert.equal(outputs("UPDATE users SET name = 'x' RETURNING id, name", { catalog: spy }), ['id plain public.users.id', 'name derived public.users.name'])
  assert.equal(asked, ['users', 'users current'])
  asked.length = 0
  one("INSERT INTO inbox VALUES (1, 'x')", { catalog: spy })
  assert.not.ok(asked.includes('inbox current'), 'without RETURNING nothing comes back: the cached word will do')
})

test('system columns of a stored relation are row metadata, not calls; a view column may take their names', () => {
  // psql's \dd reads o.tableoid of catalogs; agents read ctid to tell duplicate rows apart.
  const s = one('SELECT ctid, u.tableoid, xmin, u.cmax FROM users u WHERE u.xmax = 0', withCatalog)
  assert.equal(s.outputs?.map(brief), ['ctid plain public.users.ctid', 'tableoid plain public.users.tableoid', 'xmin plain public.users.xmin', 'cmax plain public.users.cmax'])
  assert.not.ok(functionsOf(s).includes('tableoid'))
  // A view has no system columns: its own column of that name carries its lineage (an email here).
  assert.equal(outputs('SELECT ctid, v.ctid AS c FROM meta_view v', withCatalog), ['ctid plain public.users.email', 'c plain public.users.email'])
  // A subquery or CTE has none either: attribute notation, a call.
  const sub = one('SELECT s.ctid FROM (SELECT id FROM users) s', withCatalog)
  assert.ok(functionsOf(sub).includes('ctid'))
  // A star leaves them out.
  assert.equal(outputs('SELECT * FROM orders', withCatalog), ['id plain public.orders.id', 'user_id plain public.orders.user_id', 'total plain public.orders.total'])
})

test('attribute notation with a catalog is a call of the function on the row', () => {
  const all = 'public.users.id,public.users.email,public.users.name,public.users.addr'
  for (const text of ['SELECT u.touch FROM users u', 'SELECT (u).touch FROM users u']) {
    const s = one(text, withCatalog)
    assert.equal(s.outputs?.map(brief), [`touch derived ${all} fn=touch`], text)
    assert.ok(functionsOf(s).includes('touch'), text)
  }
  assert.equal(outputs('SELECT (u).email FROM users u', withCatalog), ['email plain public.users.email'])
  // Field selection on a column may be a call too.
  const field = one('SELECT (u.addr).city FROM users u', withCatalog)
  assert.equal(field.outputs?.map(brief), ['city derived public.users.addr,public.users.city fn=city'])
  assert.ok(functionsOf(field).includes('city'))
  // A relation the catalog does not know: no guessing, and the name may be a call.
  const missing = one('SELECT x.a FROM nope x', withCatalog)
  assert.equal(missing.outputs?.map(brief), ['a unknown  fn=a'])
  assert.ok(functionsOf(missing).includes('a'))
  // Without a catalog the same text is a column.
  assert.equal(outputs('SELECT u.touch FROM users u'), ['touch plain users.touch'])
})

test('functions in FROM: builtins derive from their arguments, others are unknown', () => {
  assert.equal(outputs('SELECT x FROM unnest(ARRAY[1, 2]) AS x'), ['x derived  safe fn=unnest'])
  assert.equal(outputs('SELECT t FROM users u, jsonb_array_elements(to_jsonb(ARRAY[u.email])) t'), ['t derived users.email,users.t fn=jsonb_array_elements+to_jsonb'])
  // Every value of a document apart from its key: untraceable (lineage-keys.ts).
  assert.equal(outputs('SELECT t.value FROM users u, jsonb_each(to_jsonb(u)) t'), ['value unknown users.*,users.u fn=jsonb_each+to_jsonb'])
  const s = one('SELECT * FROM export_users()')
  assert.equal(s.outputs?.map(brief), ['* unknown  star fn=export_users'])
  assert.match(s.outputs?.[0]?.reason ?? '', /export_users in FROM/)
})

test('a name a function\'s rows in a subquery do not hold is read further out: its lineage is the outer column too', () => {
  // generate_series(1, 1) g has one column, g: the server reads x of s, an alias of email.
  for (const ctx of [undefined, withCatalog]) {
    const s = one('SELECT (SELECT x FROM generate_series(1, 1) g) FROM (SELECT email AS x FROM users) s', ctx)
    assert.ok(s.outputs?.[0]?.sources.some((c) => c.column === 'email'), JSON.stringify(s.outputs))
    assert.is(s.outputs?.[0]?.safe, undefined)
    // As a predicate too: filtering on it there is filtering on email.
    const p = one("SELECT (SELECT 1 FROM unnest(ARRAY[1]) n WHERE x LIKE 'a%') FROM (SELECT email AS x FROM users) s", ctx)
    assert.ok((p.predicates ?? []).some((c) => c.column === 'email'), JSON.stringify(p.predicates))
  }
  // A table known to have the name still wins, and without a catalog the innermost table is still the guess.
  assert.equal(outputs('SELECT (SELECT id FROM orders o LIMIT 1) FROM (SELECT email AS id FROM users) s', withCatalog), ['id derived public.orders.id'])
  assert.equal(outputs('SELECT (SELECT id FROM orders o LIMIT 1) FROM (SELECT email AS id FROM users) s'), ['id derived orders.id'])
})

test('other row-returning statements: EXPLAIN, SHOW, COPY, FETCH, CALL', () => {
  assert.equal(outputs('EXPLAIN SELECT email FROM users'), ['QUERY PLAN derived'])
  assert.equal(outputs('SHOW search_path'), ['search_path derived'])
  assert.equal(outputs('SHOW ALL'), ['name derived', 'setting derived', 'description derived'])
  assert.equal(outputs('COPY (SELECT upper(email) FROM users) TO STDOUT'), [derivedEmail('upper', 'upper')])
  assert.equal(outputs('COPY users (email) TO STDOUT'), [`email plain ${EMAIL}`])
  assert.is(one("COPY users TO '/tmp/x'").outputs, undefined)
  assert.equal(outputs('FETCH 1 FROM c'), ['* unknown  star'])
  assert.is(one('FETCH 1 FROM c').detail.cursor_declared, false)
  const [declare, fetch, move] = pg('DECLARE c CURSOR FOR SELECT md5(email) FROM users; FETCH 1 FROM c; MOVE 1 IN c')
  assert.equal(declare?.outputs?.map(brief), [derivedEmail('md5', 'md5')])
  assert.equal(fetch?.outputs?.map(brief), [derivedEmail('md5', 'md5')])
  assert.is(fetch?.detail.cursor_declared, true)
  assert.is(move?.outputs, undefined)
  // A protocol Bind and Execute of a SQL-prepared name returns the prepared statement's rows.
  const [prepare, inner] = pg('PREPARE p AS SELECT md5(email) FROM users')
  assert.equal(prepare?.outputs?.map(brief), [derivedEmail('md5', 'md5')])
  assert.is(inner?.outputs, undefined)
  assert.equal(pg('PREPARE p (int) AS UPDATE users SET plan = plan WHERE id = $1 RETURNING email')[0]?.outputs?.map(brief), [`email plain ${EMAIL}`])
  assert.is(pg('PREPARE p (int) AS DELETE FROM users WHERE id = $1')[0]?.outputs, undefined)
  assert.equal(outputs('CALL p()'), ['* unknown  star fn=p'])
  assert.is(one('CREATE TABLE t AS SELECT email FROM users').outputs, undefined)
  assert.is(one('SELECT email INTO t FROM users').outputs, undefined)
})

test('writable CTEs: the top-level statement carries the outputs', () => {
  const [top, cte] = pg('WITH d AS (DELETE FROM users WHERE id = 1 RETURNING email) SELECT reverse(email) FROM d')
  assert.equal(top?.outputs?.map(brief), [derivedEmail('reverse', 'reverse')])
  assert.is(cte?.outputs, undefined)
})

test('EXPLAIN ANALYZE: the plan is the output; the analyzed query, nested, has none', () => {
  const [explain, child] = pg('EXPLAIN ANALYZE SELECT u.touch FROM users u', withCatalog)
  assert.equal(explain?.outputs?.map(brief), ['QUERY PLAN derived'])
  assert.is(child?.outputs, undefined)
  assert.ok(functionsOf(explain as SqlStatement).includes('touch'), 'the implicit call is reported on the EXPLAIN too')
  assert.ok(functionsOf(child as SqlStatement).includes('touch'))
})

test('attribute notation on a CTE or subquery row is a call even without a catalog', () => {
  const s = one('WITH c AS (SELECT 1 AS a) SELECT c.touch FROM c')
  assert.equal(s.outputs?.map(brief), ['touch derived  safe fn=touch'])
  assert.ok(functionsOf(s).includes('touch'))
})

test('MERGE and ON CONFLICT RETURNING follow the assigned values', () => {
  assert.equal(outputs('MERGE INTO users u USING orders o ON o.user_id = u.id WHEN MATCHED THEN UPDATE SET name = o.total::text RETURNING merge_action(), u.name'), [
    'merge_action derived  safe', 'name derived users.name,orders.total',
  ])
  assert.equal(outputs("INSERT INTO users (id, email) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET name = excluded.email RETURNING name"), ['name derived users.name,users.email'])
})

test('relations created earlier in the same text are followed', () => {
  const [, fromTable, , fromView, , fromNew] = pg(`CREATE TEMP TABLE t AS SELECT reverse(email) AS r FROM users; SELECT * FROM t;
    CREATE VIEW v (x) AS SELECT email FROM users; SELECT x FROM v; CREATE TABLE n (a int); SELECT * FROM n`, withCatalog)
  assert.equal(fromTable?.outputs?.map(brief), ['r derived public.users.email fn=reverse'])
  assert.equal(fromView?.outputs?.map(brief), ['x plain public.users.email'])
  assert.equal(fromNew?.outputs?.map(brief), ['a plain n.a'])
})

test('output names follow FigureColname', () => {
  assert.equal(
    outputs("SELECT 1, 'a'::text, CASE WHEN true THEN 1 END, now(), current_user, ARRAY[1], NULLIF(1, 2), greatest(1, 2), (SELECT 1 AS one), EXISTS (SELECT 1), x.y FROM t x").map((o) => o.split(' ')[0]),
    ['?column?', 'text', 'case', 'now', 'current_user', 'array', 'nullif', 'greatest', 'one', 'exists', 'y'],
  )
})

test('mode() and percentile_disc() give back a value their WITHIN GROUP (ORDER BY …) sorts: it is derived from that column', () => {
  assert.equal(outputs('SELECT mode() WITHIN GROUP (ORDER BY email) FROM users', withCatalog), ['mode derived public.users.email fn=mode'])
  assert.equal(outputs('SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY u.total) FROM orders u', withCatalog), ['percentile_disc derived public.orders.total fn=percentile_disc'])
  // A hypothetical-set aggregate gives a rank: the sorted column only orders.
  assert.equal(outputs("SELECT rank('x') WITHIN GROUP (ORDER BY email) FROM users", withCatalog), ['rank derived  safe fn=rank'])
})

test('predicates: WHERE, JOIN, GROUP BY, HAVING, ORDER BY, DISTINCT ON, windows, FILTER', () => {
  const s: SqlStatement = one(`SELECT DISTINCT ON (u.name) count(*) FILTER (WHERE u.addr IS NULL),
      row_number() OVER (PARTITION BY o.total ORDER BY o.id)
    FROM users u JOIN orders o ON o.user_id = u.id
    WHERE u.email LIKE 'a%' GROUP BY u.name, o.total, o.id HAVING max(u.id) > 1 ORDER BY u.name`, withCatalog)
  const refs = (s.predicates ?? []).map((p) => `${p.table}.${p.column}`).sort()
  assert.equal(refs, ['public.orders.id', 'public.orders.total', 'public.orders.user_id', 'public.users.addr', 'public.users.email', 'public.users.id', 'public.users.name'])
  // ORDER BY an output position or name sorts by that output's sources.
  assert.equal(one('SELECT lower(email) AS e FROM users ORDER BY e').predicates, [{ table: 'users', column: 'email' }])
  const sub = one('SELECT id FROM users WHERE id IN (SELECT user_id FROM orders WHERE total > 5)').predicates ?? []
  assert.equal(sub.map((p) => `${p.table}.${p.column}`).sort(), ['orders.total', 'orders.user_id', 'users.id'])
})

test('unknown relations with a catalog are unknown, not guessed', () => {
  const s = one('SELECT email FROM nope', withCatalog)
  assert.is(s.outputs?.[0]?.lineage, 'unknown')
  assert.is(s.outputs?.[0]?.reason, 'relation nope is not in the catalog')
})

test('a condition, ordering, grouping or number of rows over values of an untraced source is reported; a lookup by a given value is not', () => {
  const why = (sql: string) => one(sql, withCatalog).detail.predicate_unknown
  for (const sql of [
    "SELECT count(*) FROM nope WHERE secret > 'M'",
    "SELECT count(*) FROM nope AS q(z) WHERE z LIKE 'M%'",
    'SELECT count(*) FROM nope GROUP BY secret',
    'SELECT id FROM users ORDER BY (SELECT length(secret) FROM nope LIMIT 1)',
    'SELECT id FROM users LIMIT (SELECT length(secret) FROM nope LIMIT 1)',
    "SELECT count(*) FROM (SELECT * FROM nope) s WHERE secret > 'M'",
    "DELETE FROM nope WHERE secret > 'M'",
    "SELECT count(*) FROM opaque WHERE a > 'M'",
    "SELECT count(*) FROM users u JOIN nope n ON n.secret > u.name",
  ]) assert.ok(typeof why(sql) === 'string', sql)
  assert.is(why("SELECT count(*) FROM nope WHERE secret > 'M'"), 'relation nope is not in the catalog')
  assert.is(why("SELECT count(*) FROM opaque WHERE a > 'M'"), 'view public.opaque has no definition in the catalog')
  for (const sql of [
    "SELECT count(*) FROM nope WHERE secret = 'x' AND id IN (1, 2) AND note IS NULL",
    'SELECT count(*) FROM nope',
    "SELECT count(*) FROM users WHERE email > 'M'",
  ]) assert.is(why(sql), undefined, sql)
})

test('a wide select stays linear', () => {
  const cols = Array.from({ length: 800 }, (_, i) => `c${i}`)
  const text = `SELECT ${cols.map((c) => `lower(${c})`).join(', ')}, ${cols.join(', ')} FROM t JOIN u USING (c1) ORDER BY ${cols.slice(0, 500).join(', ')}`
  const body = (parsePostgres(text)[0]?.stmt as { SelectStmt: PgObject }).SelectStmt
  const ctx = () => ({ cursors: new Map(), created: new Map(), views: new Map() })
  statementLineage('SelectStmt', body, ctx())
  const { value: lineage, cpuMs } = cpuTimed(() => statementLineage('SelectStmt', body, ctx()))
  assert.is(lineage?.outputs?.length, 1600)
  // Generous, far below what quadratic work on 1600 outputs takes.
  assert.ok(cpuMs < 1500, `${cpuMs} ms`)
})

test('stars cannot multiply past the target-list limit: chained CTEs of stars stop at the first too-wide one', () => {
  const base = `SELECT ${Array.from({ length: 250 }, (_, i) => `1 AS c${i}`).join(', ')}`
  const level = (from: string) => `SELECT * FROM ${Array.from({ length: 7 }, (_, i) => `${from} a${i}`).join(', ')}`
  const text = `WITH l0 AS (${base}), l1 AS (${level('l0')}), l2 AS (${level('l1')}), l3 AS (${level('l2')}) SELECT * FROM l3`
  const body = (parsePostgres(text)[0]?.stmt as { SelectStmt: PgObject }).SelectStmt
  const lineage = statementLineage('SelectStmt', body, { cursors: new Map(), created: new Map(), views: new Map() })
  assert.is(lineage?.outputs?.length, 1)
  assert.match(lineage?.outputs?.[0]?.reason ?? '', 'at most 1664 entries')
})

test('a target list longer than PostgreSQL allows (1664) stops expanding: its lineage is unknown', () => {
  const text = `SELECT ${Array.from({ length: 1700 }, (_, i) => `c${i}`).join(', ')} FROM t`
  const body = (parsePostgres(text)[0]?.stmt as { SelectStmt: PgObject }).SelectStmt
  const lineage = statementLineage('SelectStmt', body, { cursors: new Map(), created: new Map(), views: new Map() })
  assert.is(lineage?.outputs?.length, 1)
  assert.is(lineage?.outputs?.[0]?.lineage, 'unknown')
  assert.match(lineage?.outputs?.[0]?.reason ?? '', 'at most 1664 entries')
})

/** `into:table.name lineage sources` of every value a statement keeps. */
function kept(text: string): string[] {
  return pg(text, withCatalog).flatMap((s) => (s.stored ?? []).map((v) => `${v.into}:${v.table ?? ''}.${brief(v)}`.replace(/ +/g, ' ')))
}

test('stored: columns written by UPDATE, INSERT … SELECT, ON CONFLICT, MERGE, CREATE TABLE AS and SELECT INTO carry their values\' lineage', () => {
  assert.equal(kept("UPDATE users SET name = email, addr = 'x' WHERE id = 1"), ['column:public.users.name plain public.users.email', 'column:public.users.addr derived safe'])
  assert.equal(kept('INSERT INTO orders (id, total) SELECT id, length(email) FROM users'), ['column:public.orders.id plain public.users.id', 'column:public.orders.total derived public.users.email fn=length'])
  assert.equal(kept('INSERT INTO orders SELECT * FROM users'), ['column:public.orders.id plain public.users.id', 'column:public.orders.user_id plain public.users.email', 'column:public.orders.total plain public.users.name'])
  assert.equal(kept('INSERT INTO nowhere SELECT id, email FROM users'), ['column:nowhere.* derived public.users.id,public.users.email'], 'columns not known: every value in any column')
  assert.equal(kept('INSERT INTO users (id, name) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET addr = EXCLUDED.email'), ['column:public.users.id derived safe', 'column:public.users.name derived safe', 'column:public.users.addr plain public.users.email'])
  assert.equal(kept('MERGE INTO orders o USING users u ON o.id = u.id WHEN MATCHED THEN UPDATE SET total = u.email'), ['column:public.orders.total plain public.users.email'])
  assert.equal(kept('MERGE INTO users t USING users s ON t.id = s.id WHEN NOT MATCHED THEN INSERT (id, email) VALUES (s.id, s.email)'), ['column:public.users.id plain public.users.id', 'column:public.users.email plain public.users.email'])
  assert.equal(kept('MERGE INTO orders t USING users s ON t.id = s.id WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.email)'), ['column:public.orders.* derived public.users.id,public.users.email'])
  assert.equal(kept('CREATE TABLE copy (a, b) AS SELECT id, email FROM users'), ['column:copy.a plain public.users.id', 'column:copy.b plain public.users.email'])
  assert.equal(kept('SELECT email AS m INTO TEMP t FROM users'), ['column:t.m plain public.users.email'])
  assert.equal(kept('WITH w AS (UPDATE users SET name = email RETURNING id) SELECT id FROM w'), ['column:public.users.name plain public.users.email', 'column:public.users.name plain public.users.email'], 'the parent entry and the nested one')
  // A materialized view keeps its query, which the catalog follows as a view's: nothing is stored apart from it.
  assert.equal(kept('CREATE MATERIALIZED VIEW mv AS SELECT email AS m FROM users'), [])
  assert.equal(kept('SELECT email FROM users WHERE id = 1'), [])
})

test('stored: arguments of calls that keep them (setval, advisory locks), wherever the call is', () => {
  assert.equal(kept("SELECT setval('s', ascii(email)) FROM users"), ['function:.setval derived public.users.email fn=ascii'])
  assert.equal(kept('SELECT id FROM users WHERE pg_catalog.pg_try_advisory_lock(hashtext(email), 1)'), ['function:.pg_try_advisory_lock derived public.users.email fn=hashtext'])
  assert.equal(kept("SELECT pg_notify('c', json_build_object('note', email)::text) FROM users"), ['function:.pg_notify derived public.users.email fn=json_build_object'])
  assert.equal(kept("SELECT nextval('s'), pg_advisory_unlock(id), public.setval('s', id) FROM users"), [])
})

test('stored: what a statement in a function body reads is kept in the routine', () => {
  assert.equal(kept('CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT email FROM users $$'), ['routine:.f plain public.users.email'])
  assert.equal(kept('CREATE FUNCTION t() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.name := (SELECT lower(email) FROM users LIMIT 1); RETURN NEW; END $$'), ['routine:.t derived public.users.email fn=lower'])
  // A top-level statement's rows go to the client, where they are masked: nothing is kept.
  assert.equal(kept('SELECT email FROM users'), [])
})

test('stored: a write through an updatable view stores into the base column the view shows; ALTER COLUMN TYPE … USING stores its expression', () => {
  assert.equal(kept("UPDATE user_mail SET who = 'x' WHERE id = 1"), ['column:public.users.name derived safe'])
  assert.equal(kept('INSERT INTO user_mail (id, who) SELECT id, email FROM users'), ['column:public.users.id plain public.users.id', 'column:public.users.name plain public.users.email'])
  assert.equal(kept('ALTER TABLE users ALTER COLUMN name TYPE text USING name || email, ALTER COLUMN id TYPE bigint'), ['column:public.users.name derived public.users.name,public.users.email'])
  assert.equal(kept('ALTER TABLE users ADD COLUMN note text'), [])
  // A partition's bounds and a domain's default are computed and kept: as a column default is.
  assert.equal(kept("CREATE TABLE p1 PARTITION OF parts FOR VALUES IN ('a', get_total(1))"), ['column:p1.* derived safe', 'column:p1.* derived safe fn=get_total'])
  assert.equal(kept("ALTER TABLE parts ATTACH PARTITION p2 FOR VALUES FROM (MINVALUE) TO (upper('m'))"), ['column:p2.* derived safe fn=upper'])
  assert.equal(kept('CREATE DOMAIN d AS text DEFAULT get_total(1)'), ['column:d.* derived safe fn=get_total'])
  assert.equal(kept('ALTER DOMAIN d SET DEFAULT get_total(2)'), ['column:d.* derived safe fn=get_total'])
  // DROP EXPRESSION keeps a generated column's values as its own: what its expression read until then.
  assert.equal(kept('ALTER TABLE accounts ALTER COLUMN hint DROP EXPRESSION'), ['column:public.accounts.hint derived public.accounts.id,public.accounts.password'])
  assert.equal(kept('ALTER TABLE accounts ALTER COLUMN twice DROP EXPRESSION IF EXISTS'), ['column:public.accounts.twice derived public.accounts.id'])
  // The catalog does not tell the base column: any.
  assert.equal(kept('UPDATE unknown_view SET password = email FROM users'), ['column:unknown_view.* plain public.users.email'])
  assert.equal(kept("UPDATE opaque SET a = 'x'"), ['column:public.opaque.* derived safe'])
  assert.equal(kept("UPDATE users SET not_cached = 'x'"), ['column:public.users.* derived safe'])
})

test('stored: CREATE TABLE … AS EXECUTE stores its prepared statement\'s rows; unknown when the statement is not known', () => {
  const kept = (text: string, prepared?: Map<string, string>) =>
    pg(text, { ...withCatalog, prepared }).flatMap((s) => (s.stored ?? []).map((v) => `${v.table}.${brief(v)}`.replace(/ +/g, ' ')))
  assert.equal(kept('CREATE TABLE copy AS EXECUTE p', new Map([['p', 'SELECT id, email AS m FROM users']])), ['copy.id plain public.users.id', 'copy.m plain public.users.email'])
  assert.equal(kept('CREATE TABLE copy (a) AS EXECUTE p', new Map([['p', 'SELECT email FROM users']])), ['copy.a plain public.users.email'])
  assert.equal(kept('CREATE TABLE copy AS EXECUTE p'), ['copy.* unknown star'])
})

test('stored: a built-in name another schema shares is reported schema-qualified in stored values too', () => {
  const shadowing: SchemaCatalog = { ...catalog, functionSchema: (name) => (name === 'lower' ? 'public' : undefined) }
  assert.equal(one('UPDATE users SET name = lower(name), addr = upper(name) WHERE id = 1', { catalog: shadowing }).stored?.map((v) => v.functions), [['public.lower'], ['upper']])
})

test('stored: column DEFAULT and GENERATED expressions (CREATE TABLE, ADD COLUMN, SET DEFAULT) keep what they call', () => {
  assert.equal(kept('ALTER TABLE orders ALTER COLUMN total SET DEFAULT get_total(1), ADD COLUMN k text GENERATED ALWAYS AS (imm(id)) STORED, ADD COLUMN j text DEFAULT now()::text NOT NULL'), [
    'column:public.orders.total derived safe fn=get_total', 'column:public.orders.k derived fn=imm', 'column:public.orders.j derived safe fn=now',
  ])
  // A generated column's reads of its row are followed when it is read: only its calls are kept.
  assert.equal(kept("CREATE TABLE t (id int, secret text, g text GENERATED ALWAYS AS (upper(secret)) STORED, v text DEFAULT 'x' CHECK (v <> ''))"), ['column:t.g derived fn=upper', 'column:t.v derived safe'])
  assert.equal(kept('ALTER TABLE orders ADD COLUMN note text, ALTER COLUMN total DROP DEFAULT'), [])
})

test('EXPLAIN lists what its plan carries (every query level, conditions, a view\'s inner levels) and whether it prints sizes', () => {
  const plan = (text: string) => {
    const s = pg(text, withCatalog)[0] as SqlStatement
    const columns = (s.detail.plan_columns as { table: string | null; column: string }[]).map((c) => `${c.table}.${c.column}`)
    return { sizes: s.detail.prints_sizes, columns: columns.sort(), ...(s.detail.plan_unknown ? { unknown: true } : {}) }
  }
  assert.equal(plan('EXPLAIN SELECT * FROM orders'), { sizes: true, columns: ['public.orders.id', 'public.orders.total', 'public.orders.user_id'] })
  assert.equal(plan('EXPLAIN (COSTS OFF) SELECT count(password) FROM accounts'), { sizes: false, columns: ['public.accounts.password'] })
  assert.equal(plan('EXPLAIN (COSTS false, ANALYZE) WITH w AS MATERIALIZED (SELECT password FROM accounts) SELECT 1 FROM w'), { sizes: true, columns: ['public.accounts.password'] })
  assert.equal(plan("EXPLAIN (COSTS OFF, COSTS ON) SELECT id FROM accounts WHERE password = 'x'"), { sizes: true, columns: ['public.accounts.id', 'public.accounts.password'] })
  // A view's plain columns the query does not select are not carried (the planner drops them); what it computes or
  // filters on counts, as a condition does.
  assert.equal(plan('EXPLAIN SELECT id FROM user_mail'), { sizes: true, columns: ['public.users.email', 'public.users.id'] })
  assert.equal(plan('EXPLAIN SELECT who FROM user_mail'), { sizes: true, columns: ['public.users.email', 'public.users.name'] })
  assert.equal(plan('EXPLAIN EXECUTE p'), { sizes: true, columns: [], unknown: true })
  assert.equal(plan('EXPLAIN SELECT * FROM nowhere'), { sizes: true, columns: [], unknown: true })
  // A plan lineage cannot follow (a target list past PostgreSQL's 1,664 entries) is unknown as a whole.
  assert.equal(plan(`EXPLAIN SELECT ${Array.from({ length: 1700 }, () => 'id').join(', ')} FROM orders`).unknown, true)
})

test.run()
