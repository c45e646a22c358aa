import net from 'node:net'
import pg from 'pg'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { connectBackend } from './backend.ts'
import { FUNCTIONS_FRESH_MS, UNVERIFIED_SCHEMA } from './catalog-functions.ts'
import { Catalog, VIEW_FRESH_MS } from './catalog.ts'
import { encodeAuthentication } from './messages/authentication.ts'
import { encodeBackendKeyData } from './messages/backend-key-data.ts'
import { encodeParameterStatus } from './messages/parameter-status.ts'
import { encodeReadyForQuery } from './messages/ready-for-query.ts'
import { startCluster, type TestCluster } from './testing/cluster.ts'

let cluster: TestCluster
let usersOid: number

test.before(async () => {
  cluster = await startCluster()
  usersOid = Number((await cluster.query<{ oid: string }>("SELECT 'users'::regclass::oid AS oid"))[0]!.oid)
})
test.after(async () => {
  await cluster?.stop()
})

const connector = () => connectBackend(cluster.upstream(), new Map([['application_name', 'warden-catalog']]))
const USERS_COLUMNS = ['id', 'name', 'email', 'phone', 'card_number', 'plan']

test('warm() loads every relation: columns in attnum order, kinds, and result columns by (table OID, attnum)', async () => {
  const catalog = new Catalog(connector)
  await catalog.warm()
  const users = catalog.relation(null, 'users')
  assert.equal(users, { schema: 'public', name: 'users', kind: 'table', columns: USERS_COLUMNS, unique_keys: [['id']], checked_columns: [] }, 'plain data, nothing of the cache\'s own')
  assert.equal(catalog.relation('public', 'orders')?.columns, ['id', 'user_id', 'amount_cents', 'status', 'created_at'])
  assert.equal(catalog.column(usersOid, 3), { schema: 'public', table: 'users', column: 'email', kind: 'table', temp: false })
  assert.is(catalog.column(usersOid, 99), undefined)
  assert.is(catalog.column(0, 0), undefined)
  const apps = await cluster.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'warden-catalog'")
  assert.is(apps[0]!.n, 1)
  catalog.close()
})

test('columns of type json or jsonb are listed as documents (by type OID, not name), those of a composite type as composites', async () => {
  await cluster.query(`CREATE DOMAIN jsonb_like AS text; CREATE TYPE pair_probe AS (x text, y text);
    CREATE TABLE docs_probe (id int, a jsonb, b json, c text, d jsonb_like, e jsonb[], f pair_probe)`)
  try {
    const catalog = new Catalog(connector)
    await catalog.warm()
    const probe = catalog.relation(null, 'docs_probe')
    assert.equal([probe?.documents, probe?.composites], [['a', 'b'], ['f']])
    assert.equal([catalog.relation(null, 'users')?.documents, catalog.relation(null, 'users')?.composites], [undefined, undefined])
    catalog.close()
  } finally {
    await cluster.query('DROP TABLE docs_probe; DROP TYPE pair_probe; DROP DOMAIN jsonb_like')
  }
})

test('the columns each unique or exclusion index reads are listed: keys, expressions, predicates, the whole row, and the indexes of tables under it', async () => {
  await cluster.query(`CREATE EXTENSION IF NOT EXISTS btree_gist;
    CREATE TABLE keys_probe (id int PRIMARY KEY, a text, b text, c text, d text, e int, f text, g text, h text, plain text,
      UNIQUE (a, b), EXCLUDE USING gist (e WITH =));
    CREATE UNIQUE INDEX keys_probe_lower ON keys_probe (pg_catalog.lower(c));
    CREATE UNIQUE INDEX keys_probe_partial ON keys_probe (d) WHERE f IS NOT NULL;
    CREATE FUNCTION keys_probe_row(keys_probe) RETURNS text IMMUTABLE LANGUAGE sql AS 'SELECT $1.g';
    CREATE UNIQUE INDEX keys_probe_row ON keys_probe (keys_probe_row(keys_probe));
    CREATE INDEX keys_probe_not_unique ON keys_probe (plain);
    CREATE TABLE keys_parent (id int, k text, v text) PARTITION BY LIST (id);
    CREATE TABLE keys_part PARTITION OF keys_parent FOR VALUES IN (1);
    CREATE UNIQUE INDEX keys_part_k ON keys_part (k);
    CREATE VIEW keys_view AS SELECT id, a FROM keys_probe`)
  try {
    const catalog = new Catalog(connector)
    await catalog.warm()
    const sorted = (keys: string[][] | undefined) => keys?.map((k) => [...k].sort()).sort((x, y) => x.join().localeCompare(y.join()))
    const all = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'id', 'plain']
    assert.equal(sorted(catalog.relation(null, 'keys_probe')?.unique_keys), sorted([['id'], ['a', 'b'], ['c'], ['d', 'f'], all]))
    assert.equal(catalog.relation(null, 'keys_probe')?.exclusion_keys, [['e']])
    assert.equal(catalog.relation(null, 'keys_parent')?.unique_keys, [['k']], 'a partition\'s own unique index, through its parent')
    assert.equal(catalog.relation(null, 'orders')?.unique_keys, [['id']])
    assert.is(catalog.relation(null, 'keys_view')?.unique_keys, undefined, 'not known for a view')
    catalog.close()
  } finally {
    await cluster.query('DROP TABLE keys_probe, keys_parent CASCADE')
  }
})

test('the columns whose written values the server checks or hands on are listed: CHECK, foreign key, trigger WHEN, INSERT, UPDATE or DELETE trigger, a view with a rule or trigger reading it, index expression, generated column, partition key, rule, domain CHECK, limit or user cast in the type, and those of tables under it', async () => {
  await cluster.query(`CREATE DOMAIN checked_probe_d AS text CHECK (VALUE <> '');
    CREATE DOMAIN checked_probe_len AS varchar(5);
    CREATE TYPE checked_probe_pair AS (x int, y checked_probe_d);
    CREATE FUNCTION checked_probe_no() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';
    CREATE TYPE checked_probe_box AS (v text);
    CREATE FUNCTION checked_probe_to_box(t text) RETURNS checked_probe_box LANGUAGE sql AS 'SELECT ROW(t)::checked_probe_box';
    CREATE CAST (text AS checked_probe_box) WITH FUNCTION checked_probe_to_box(text) AS ASSIGNMENT;
    CREATE TABLE checked_probe (id int PRIMARY KEY, a text CHECK (a <> b), b text, c int REFERENCES checked_probe (id),
      d checked_probe_d, e checked_probe_d[], f checked_probe_pair, g checked_probe_len, h text, i text, j text,
      k text GENERATED ALWAYS AS (pg_catalog.upper(j)) STORED, l checked_probe_box, plain varchar(9));
    CREATE TRIGGER checked_probe_when BEFORE UPDATE ON checked_probe FOR EACH ROW WHEN (OLD.h > 'x') EXECUTE FUNCTION suppress_redundant_updates_trigger();
    CREATE TABLE checked_triggered (id int, v text);
    CREATE TRIGGER checked_triggered_rows AFTER UPDATE ON checked_triggered FOR EACH ROW EXECUTE FUNCTION checked_probe_no();
    CREATE TABLE checked_deleted (id int, v text);
    CREATE TRIGGER checked_deleted_rows AFTER DELETE ON checked_deleted REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION checked_probe_no();
    CREATE INDEX checked_probe_i ON checked_probe (pg_catalog.lower(i));
    CREATE TABLE checked_ruled (id int, v text);
    CREATE RULE checked_ruled_copy AS ON INSERT TO checked_ruled DO ALSO NOTIFY checked_ruled;
    CREATE TABLE checked_parent (id int, k text, v text) PARTITION BY LIST (id);
    CREATE TABLE checked_part PARTITION OF checked_parent FOR VALUES IN (1);
    ALTER TABLE checked_part ADD CHECK (v <> '');
    CREATE VIEW checked_view AS SELECT id, a FROM checked_probe;
    CREATE TABLE checked_shown (id int, v text, w text, x text);
    CREATE TABLE checked_shown_t (id int, v text);
    CREATE VIEW checked_shown_v AS SELECT id, v FROM checked_shown_t;
    CREATE TRIGGER checked_shown_instead INSTEAD OF UPDATE ON checked_shown_v FOR EACH ROW EXECUTE FUNCTION checked_probe_no();
    CREATE VIEW checked_shown_inner AS SELECT id, w, x FROM checked_shown;
    CREATE VIEW checked_shown_outer AS SELECT w FROM checked_shown_inner;
    CREATE RULE checked_shown_rule AS ON DELETE TO checked_shown_outer DO INSTEAD NOTHING;
    CREATE TABLE checked_whole (id int, v text);
    CREATE VIEW checked_whole_v AS SELECT id, checked_whole AS r FROM checked_whole;
    CREATE RULE checked_whole_rule AS ON DELETE TO checked_whole_v DO INSTEAD NOTHING;
    ALTER TABLE checked_whole ADD COLUMN later text;
    CREATE TABLE checked_read (id int, v text);
    CREATE TABLE checked_read_fn (id int, v text);
    CREATE TABLE checked_sink (id int);
    CREATE RULE checked_sink_copy AS ON INSERT TO checked_sink DO ALSO SELECT v FROM checked_read;
    CREATE FUNCTION checked_probe_body() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(v) FROM checked_read_fn; END`)
  try {
    const catalog = new Catalog(connector)
    await catalog.warm()
    assert.equal(catalog.relation(null, 'checked_probe')?.checked_columns, ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'l'])
    assert.equal(catalog.relation(null, 'checked_ruled')?.checked_columns, ['id', 'v'], 'a rule on the table: every column')
    assert.equal(catalog.relation(null, 'checked_triggered')?.checked_columns, ['id', 'v'], 'an INSERT or UPDATE trigger: every column')
    assert.equal(catalog.relation(null, 'checked_deleted')?.checked_columns, ['id', 'v'], 'a DELETE trigger gets the rows kept before: every column')
    assert.equal(catalog.relation(null, 'checked_parent')?.checked_columns, ['id', 'v'], 'the partition key, and a partition\'s own CHECK')
    assert.equal(catalog.relation(null, 'checked_shown')?.checked_columns, ['id', 'v', 'w', 'x'], 'read by a view with a trigger or rule, or through one: every column')
    assert.equal(catalog.relation(null, 'checked_shown_t')?.checked_columns, ['id', 'v'])
    assert.equal(catalog.relation(null, 'checked_read')?.checked_columns, ['id', 'v'], 'read by another table\'s rule')
    assert.equal(catalog.relation(null, 'checked_read_fn')?.checked_columns, ['id', 'v'], 'read by a SQL function\'s body')
    assert.equal(catalog.relation(null, 'checked_whole')?.checked_columns, ['id', 'v', 'later'], 'a whole row shown by such a view: every column')
    assert.equal(catalog.relation(null, 'users')?.checked_columns, [])
    assert.equal(catalog.relation(null, 'orders')?.checked_columns, ['user_id'])
    assert.is(catalog.relation(null, 'checked_view')?.checked_columns, undefined, 'not known for a view')
    catalog.close()
  } finally {
    await cluster.query(`DROP TABLE checked_probe, checked_parent, checked_ruled, checked_triggered, checked_deleted, checked_shown, checked_shown_t, checked_whole, checked_read, checked_read_fn, checked_sink CASCADE; DROP FUNCTION checked_probe_no();
      DROP TYPE checked_probe_pair; DROP DOMAIN checked_probe_d, checked_probe_len; DROP TYPE checked_probe_box CASCADE`)
  }
})

test('unqualified names resolve as the server would: pg_catalog first, then $user, then public', async () => {
  await cluster.query('CREATE TABLE public.pg_class (x int); CREATE SCHEMA warden AUTHORIZATION warden; CREATE TABLE warden.orders (mine int)')
  try {
    const catalog = new Catalog(connector)
    await catalog.warm()
    assert.is(catalog.relation(null, 'pg_class')?.schema, 'pg_catalog')
    assert.equal(catalog.relation('public', 'pg_class')?.columns, ['x'])
    assert.equal(catalog.relation(null, 'orders')?.columns, ['mine'], '"$user" (the gateway role, warden) comes before public')
    assert.equal(catalog.relation(null, 'pg_tables'), { schema: 'pg_catalog', name: 'pg_tables', kind: 'table', columns: ['schemaname', 'tablename', 'tableowner', 'tablespace', 'hasindexes', 'hasrules', 'hastriggers', 'rowsecurity'] }, 'system views are opaque')
    assert.is(catalog.relation('pg_temp', 'users'), undefined)
    catalog.close()
  } finally {
    await cluster.query('DROP TABLE public.pg_class; DROP SCHEMA warden CASCADE')
  }
})

test('after an empty search_path: an unqualified name is a relation of pg_catalog, unless some session has a temporary one of that name', async () => {
  const { host, port, database, user, password } = cluster.upstream()
  const holder = new pg.Client({ host, port, database, user, password })
  await holder.connect()
  try {
    await holder.query('CREATE TEMP TABLE pg_settings (name text)')
    const catalog = new Catalog(connector)
    await catalog.warm()
    assert.is(catalog.catalogRelation('pg_class')?.schema, 'pg_catalog')
    assert.is(catalog.catalogRelation('pg_settings'), undefined, 'a temporary pg_settings is searched before pg_catalog')
    assert.is(catalog.catalogRelation('users'), undefined, 'not in pg_catalog')
    catalog.close()
  } finally {
    await holder.end()
  }
})

test('relations created behind the gateway: a judgement\'s misses are recorded, loaded by name, absent names remembered', async () => {
  const catalog = new Catalog(connector)
  await catalog.warm()
  await cluster.query('CREATE VIEW contacts AS SELECT id, email AS contact FROM users')
  try {
    const { result, misses } = catalog.watch(() => [catalog.relation(null, 'contacts'), catalog.relation(null, 'users'), catalog.relation('public', 'nope')])
    assert.equal(result.map((r) => r?.name), [undefined, 'users', undefined])
    assert.equal(misses, [{ schema: null, name: 'contacts' }, { schema: 'public', name: 'nope' }])
    await catalog.load(misses)
    const view = catalog.relation(null, 'contacts')
    assert.equal([view?.kind, view?.columns], ['view', ['id', 'contact']])
    assert.match(view?.definition ?? '', /email AS contact/)
    assert.equal(catalog.watch(() => catalog.relation('public', 'nope')).misses, [], 'known absent: not looked up again for a while')
    // Names are client text: they reach the server hex-encoded, never as SQL.
    await catalog.loadNames([{ schema: null, name: "x'); DROP TABLE orders; --" }, { schema: null, name: 'Ünïcode "q"' }])
    assert.ok(catalog.relation(null, 'orders'))
    assert.is((await cluster.query("SELECT to_regclass('orders') IS NOT NULL AS ok"))[0]!.ok, true)
  } finally {
    await cluster.query('DROP VIEW contacts')
    catalog.close()
  }
})

test('functions named like built-ins: on the search_path or anywhere; extension members and other names left out; looked up again when due', async () => {
  let now = 1_000_000
  let down = false
  const catalog = new Catalog(() => (down ? Promise.reject(new Error('server down')) : connector()), 5_000, () => now)
  await cluster.query(`CREATE EXTENSION citext;
    CREATE SCHEMA elsewhere; CREATE FUNCTION elsewhere.upper(int) RETURNS int LANGUAGE sql AS 'SELECT 1';
    CREATE FUNCTION public.upper(int) RETURNS int LANGUAGE sql AS 'SELECT 2'; CREATE FUNCTION public.not_a_builtin() RETURNS int LANGUAGE sql AS 'SELECT 3'`)
  try {
    const ask = (name: string, anySchema = false) => catalog.functionSchema(name, anySchema)
    assert.is(ask('count'), UNVERIFIED_SCHEMA, 'never looked up: no built-in is known')
    await catalog.warm()
    assert.equal([ask('count'), ask('upper'), ask('lower'), ask('not_a_builtin')], [undefined, 'public', undefined, undefined], "citext's lower(citext) is an extension member")
    assert.equal([ask('count', true), ask('upper', true)], [undefined, 'public'])
    await cluster.query("DROP FUNCTION public.upper(int); CREATE AGGREGATE public.count(text) (sfunc = textcat, stype = text)")
    assert.equal(catalog.watch(() => ask('count')), { result: undefined, misses: [] }, 'fresh: not looked up again')
    now += FUNCTIONS_FRESH_MS
    const due = catalog.watch(() => ask('count'))
    assert.equal(due.misses, ['functions'])
    await catalog.load(due.misses)
    assert.equal([ask('count'), ask('upper'), ask('upper', true)], ['public', undefined, 'elsewhere'])
    now += 20_000
    assert.is(ask('count'), 'public', 'old, but no lookup failed: still the list (a judgement asks for a lookup first)')
    catalog.close()
    down = true
    now += 10_000
    await catalog.loadFunctions().catch(() => undefined)
    assert.is(ask('lower'), UNVERIFIED_SCHEMA, 'lookups failing for long: no built-in is known (fail closed)')
  } finally {
    catalog.close()
    await cluster.query('DROP EXTENSION citext; DROP SCHEMA elsewhere CASCADE; DROP FUNCTION public.not_a_builtin(); DROP AGGREGATE public.count(text)')
  }
})

test('a view is looked up again once VIEW_FRESH_MS old, and not known at all when it could not be for VIEW_TRUST_MS', async () => {
  let now = 1_000_000
  let down = false
  const catalog = new Catalog(() => (down ? Promise.reject(new Error('server down')) : connector()), 5_000, () => now)
  await cluster.query('CREATE VIEW contacts AS SELECT id, email AS contact FROM users')
  try {
    await catalog.warm()
    const fresh = catalog.watch(() => [catalog.relation(null, 'contacts'), catalog.relation(null, 'users')])
    assert.equal([fresh.result.map((r) => r?.name), fresh.misses], [['contacts', 'users'], []])
    now += VIEW_FRESH_MS
    const due = catalog.watch(() => [catalog.relation(null, 'contacts'), catalog.relation(null, 'users')])
    assert.equal([due.result.map((r) => r?.name), due.misses], [['contacts', 'users'], [{ schema: null, name: 'contacts' }]], 'still given, and looked up first')
    await catalog.load(due.misses)
    assert.equal(catalog.watch(() => catalog.relation(null, 'contacts')).misses, [], 'reloaded: fresh again')
    catalog.close()
    down = true
    now += VIEW_FRESH_MS
    await catalog.loadNames([{ schema: null, name: 'contacts' }]).catch(() => undefined)
    now += 10_000
    assert.is(catalog.relation(null, 'contacts'), undefined, 'lookups failing for long: unknown (fail closed)')
    assert.ok(catalog.relation(null, 'users'), 'tables are not affected')
  } finally {
    await cluster.query('DROP VIEW contacts')
    catalog.close()
  }
})

test('a table that could be turned into a view, and any relation asked for its current word, are looked up again once VIEW_FRESH_MS old', async () => {
  let now = 1_000_000
  const catalog = new Catalog(connector, 5_000, () => now)
  await cluster.query(`CREATE TABLE scratchpad (id int, note text, shout text GENERATED ALWAYS AS (upper(note)) STORED);
    CREATE RULE scratch_ins AS ON INSERT TO scratchpad DO INSTEAD NOTHING`)
  try {
    await catalog.warm()
    const pad = catalog.relation(null, 'scratchpad')
    assert.equal([pad?.generated, pad?.write_rules], [{ shout: 'upper(note)' }, true], 'generated expressions and write rules are read')
    assert.equal([catalog.relation(null, 'users')?.generated, catalog.relation(null, 'users')?.write_rules], [undefined, undefined])
    now += VIEW_FRESH_MS
    const due = catalog.watch(() => [catalog.relation(null, 'scratchpad'), catalog.relation(null, 'users'), catalog.relation(null, 'orders', { current: true })])
    assert.equal(due.misses, [{ schema: null, name: 'scratchpad' }, { schema: null, name: 'orders' }], 'users has a primary key: it cannot be turned into a view')
  } finally {
    await cluster.query('DROP TABLE scratchpad')
    catalog.close()
  }
})

test('loadOids replaces what was cached with what the server says now; the version moves', async () => {
  const catalog = new Catalog(connector)
  await catalog.warm()
  await cluster.query('ALTER TABLE users RENAME COLUMN plan TO plan_name')
  try {
    assert.is(catalog.column(usersOid, 6)?.column, 'plan')
    const before = catalog.version
    await catalog.loadOids([usersOid])
    assert.is(catalog.column(usersOid, 6)?.column, 'plan_name')
    assert.equal(catalog.relation(null, 'users')?.columns.at(-1), 'plan_name')
    assert.ok(catalog.version > before)
  } finally {
    await cluster.query('ALTER TABLE users RENAME COLUMN plan_name TO plan')
    catalog.close()
  }
})

test('invalidate() drops the cache and warms again', async () => {
  const catalog = new Catalog(connector)
  await catalog.warm()
  catalog.invalidate()
  assert.is(catalog.relation(null, 'users'), undefined)
  await catalog.warm()
  assert.ok(catalog.relation(null, 'users'))
  catalog.close()
})

test('judgements made before the catalog changed are stale: after invalidate(), or a relation looked up again and found different', async () => {
  await cluster.query('CREATE VIEW gen_v AS SELECT id, name AS x FROM users')
  const catalog = new Catalog(connector)
  await catalog.warm()
  const judgement = {}
  catalog.judged(judgement, catalog.generation)
  assert.not.ok(catalog.staleJudgement(judgement))
  assert.ok(catalog.staleJudgement({}), 'a judgement the catalog never saw is stale')
  // Looked up again unchanged: still current.
  await catalog.loadNames([{ schema: null, name: 'gen_v' }])
  assert.not.ok(catalog.staleJudgement(judgement))
  // Redefined on the server, then looked up again: stale.
  await cluster.query('CREATE OR REPLACE VIEW gen_v AS SELECT id, email AS x FROM users')
  await catalog.loadNames([{ schema: null, name: 'gen_v' }])
  assert.ok(catalog.staleJudgement(judgement))
  catalog.judged(judgement, catalog.generation)
  catalog.invalidate()
  assert.ok(catalog.staleJudgement(judgement), 'DDL passed')
  await cluster.query('DROP VIEW gen_v')
  catalog.close()
})

test('a failed connection fails the lookup; the next lookup connects again', async () => {
  let attempts = 0
  const catalog = new Catalog(() => (++attempts === 1 ? Promise.reject(new Error('server down')) : connector()))
  await catalog.loadOids([usersOid]).then(() => assert.unreachable(), (err: Error) => assert.match(err.message, 'server down'))
  await catalog.loadOids([usersOid])
  assert.is(catalog.column(usersOid, 3)?.column, 'email')
  assert.is(attempts, 2)
  catalog.close()
})

test('a lookup the server does not answer in time fails instead of stalling', async () => {
  // A server that completes startup, then never answers a query (like a lookup queued behind a transaction).
  const silent = net.createServer((s) => {
    const reported = [['client_encoding', 'UTF8'], ['standard_conforming_strings', 'on'], ['server_encoding', 'UTF8']].map(([name, value]) => encodeParameterStatus({ name: name!, value: value! }))
    s.once('data', () => s.write(Buffer.concat([encodeAuthentication({ kind: 'ok' }), ...reported, encodeBackendKeyData({ processId: 1, secret: Buffer.alloc(4) }), encodeReadyForQuery('I')])))
  })
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r))
  const port = (silent.address() as net.AddressInfo).port
  const catalog = new Catalog(() => connectBackend({ host: '127.0.0.1', port, database: 'x', user: 'x' }, new Map()), 100)
  await catalog.loadOids([12345]).then(() => assert.unreachable(), (err: Error) => assert.match(err.message, 'took longer than 100 ms'))
  await catalog.loadNames([{ schema: null, name: 'users' }]).then(() => assert.unreachable(), (err: Error) => assert.match(err.message, 'took longer than 100 ms'))
  assert.equal(catalog.watch(() => catalog.relation(null, 'users')).misses, [], 'a failed lookup is not retried by every statement')
  catalog.close()
  silent.close()
})

test.run()
