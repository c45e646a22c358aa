// The fourth attacker's review (attacks-4.test.ts), reads that reach masked values through what the server
// rewrites or keeps on the side, against a real PostgreSQL 15. All held before the review; they stay as
// regressions. An agent in production, default policy:
// - whole-row references (u, u::text, row_to_json, to_jsonb), TABLE, SELECT * FROM ONLY, a partitioned table and
//   its partition, an inheritance child with a masked column, views WITH (security_barrier) and
//   (security_invoker), a materialized view, a masked column of a domain type;
// - statistics and settings that hold values: extended statistics on expressions and MCV lists
//   (pg_stats_ext_exprs, pg_statistic_ext_data, pg_mcv_list_items), a user mapping's password, a setting stored
//   for the gateway's role (pg_db_role_setting, pg_settings, SHOW);
// - server files and large objects (lo_import, lo_get, pg_largeobject, pg_read_file, pg_ls_dir) and COPY … TO
//   STDOUT, of a table or a query;
// - MERGE and pg_notify are judged: each waits for approval, and is refused when none comes.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions, outcomeOf } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { rawMessages as m } from './testing/raw-client.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 2 })
  await h.cluster.query(LEAK_SEED_SQL)
  await h.cluster.query(`SET ROLE warden;
    CREATE TABLE events (id int, api_key text) PARTITION BY RANGE (id);
    CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (0) TO (100);
    INSERT INTO events SELECT id, api_key FROM credentials;
    CREATE TABLE notes (id int, body text);
    CREATE TABLE notes_secret (password text) INHERITS (notes);
    INSERT INTO notes_secret SELECT id, label, password FROM credentials;
    CREATE DOMAIN secret_text AS text;
    CREATE TABLE vaulted (id int, password secret_text);
    INSERT INTO vaulted SELECT id, password FROM credentials;
    CREATE VIEW barrier WITH (security_barrier) AS SELECT id, password AS pw FROM credentials;
    CREATE VIEW invoker WITH (security_invoker) AS SELECT id, client_secret AS cs FROM credentials;
    CREATE MATERIALIZED VIEW keys AS SELECT id, api_key AS k FROM credentials;
    CREATE STATISTICS customers_expr ON (lower(ssn)), (upper(email)) FROM customers;
    CREATE STATISTICS credentials_mcv (mcv) ON label, password FROM credentials;
    ANALYZE customers; ANALYZE credentials;
    RESET ROLE;
    CREATE FOREIGN DATA WRAPPER dummy;
    CREATE SERVER elsewhere FOREIGN DATA WRAPPER dummy;
    CREATE USER MAPPING FOR warden SERVER elsewhere OPTIONS (user 'svc', password 'Tangerine!Vortex#7782');
    ALTER ROLE warden SET app.token = 'tok_8HqW2eYc5KdJ7uFaZr';`)
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

test('held: the seeded values really are there on the server', async () => {
  const rows = await h.cluster.query(`SELECT (SELECT string_agg(concat(most_common_vals::text, histogram_bounds::text), ' ') FROM pg_stats_ext_exprs) AS exprs,
      (SELECT umoptions::text FROM pg_user_mappings) AS mapping`)
  const text = JSON.stringify(rows)
  for (const secret of ['536-22-8147', 'Tangerine!Vortex#7782']) assert.ok(text.includes(secret), secret)
})

const masked: [string, number][] = [
  ['SELECT k FROM credentials k', 3], ['TABLE credentials', 3], ['SELECT * FROM ONLY credentials', 3],
  ['SELECT * FROM events', 3], ['SELECT * FROM events_1', 3], ['SELECT * FROM notes_secret', 3], ['SELECT n FROM notes_secret n', 3],
  ['SELECT * FROM vaulted', 3], ['SELECT * FROM barrier', 3], ['SELECT cs FROM invoker', 3],
  ['SELECT k FROM keys', 3], ['SELECT * FROM notes', 3],
]

test('held: whole rows, partitions, inheritance, views and domains come back masked', async () => {
  const c = await session()
  for (const [sql, rows] of masked) {
    const got = await query(c, sql)
    assert.equal(got.errors, [], sql)
    assert.is(got.rows.length, rows, sql)
    assert.equal(got.leaks, [], sql)
  }
  c.close()
})

const refused = [
  'SELECT * FROM pg_stats_ext_exprs', 'SELECT histogram_bounds::text FROM pg_stats_ext_exprs', 'SELECT * FROM pg_stats_ext',
  'SELECT * FROM pg_statistic_ext_data', 'SELECT m.* FROM pg_statistic_ext_data d, pg_mcv_list_items(d.stxdmcv) m',
  'SELECT * FROM pg_user_mappings', 'SELECT umoptions FROM pg_user_mapping', 'SELECT * FROM information_schema.user_mapping_options',
  'SELECT * FROM pg_db_role_setting', "SELECT name, setting FROM pg_settings WHERE name LIKE 'app.%'", 'SHOW app.token', 'SHOW ALL',
  "SELECT current_setting('app.token')", 'SELECT * FROM pg_file_settings',
  "SELECT lo_import('/etc/hostname')", 'SELECT lo_get(1)', 'SELECT * FROM pg_largeobject', "SELECT pg_read_file('/etc/hostname')",
  "SELECT * FROM pg_ls_dir('.')", 'COPY credentials TO STDOUT', 'COPY (SELECT password FROM credentials) TO STDOUT',
  // Values computed from columns masked whole (warden.rules.sql.probe): they would come back redacted anyway.
  'SELECT k::text FROM credentials k', 'SELECT row_to_json(k) FROM credentials k', 'SELECT to_jsonb(k) FROM credentials k',
  'SELECT password::text FROM vaulted',
]

test('held: statistics, settings, files, large objects and COPY out are refused with 42501, no value in the error', async () => {
  const c = await session()
  for (const sql of refused) {
    const got = await query(c, sql)
    assert.equal(got.rows, [], sql)
    assert.match(got.errors.join(), /^42501/, sql)
    assert.equal(got.leaks, [], sql)
  }
  c.close()
})

test('held: MERGE and pg_notify are held for approval, and refused when none comes', async () => {
  const c = await session()
  // A MERGE copying a masked column into a harmless one, or a notification of one, is denied outright (attacks-5.test.ts).
  for (const sql of ['MERGE INTO orders o USING credentials k ON o.id = k.id WHEN MATCHED THEN UPDATE SET status = k.label', "SELECT pg_notify('c', label) FROM credentials"]) {
    c.take()
    c.send(m.query(sql))
    const got = outcomeOf(await c.readyCount(1, 15_000))
    assert.match(got.errors.join(), /^42501: .*approval .* expired/, sql)
  }
  assert.equal(await h.cluster.query("SELECT count(*)::int AS n FROM orders WHERE status NOT IN ('paid', 'refunded', 'pending')"), [{ n: 0 }])
  c.close()
})

test('the server ran nothing the gateway did not allow', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
