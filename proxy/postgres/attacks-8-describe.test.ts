// An eighth attacker's review, of the psql describe change (system columns of stored relations as row metadata;
// catalog info functions on the known-safe list; pg_partition_tree / pg_options_to_table rows traced from their
// arguments), with raw wire clients against a real PostgreSQL 15. Tests named "held" passed before any fix.
// - Fixed: a scalar subquery over a function's rows (`(SELECT x FROM generate_series(1, 1) g)`) took any name it
//   read for a column of those rows (constants, safe), while the server, finding no such column there, reads the
//   outer one: a password aliased x in the outer query came back whole (lineage-scope.ts). The name now carries
//   the outer lineage too; filtering on it there is filtering on the password.
// - Fixed: a view over a sensitive catalog (CREATE VIEW servers AS SELECT srvname, srvoptions FROM
//   pg_foreign_server) was read as any view: its array came back with a detector masking `password=…`, but
//   pg_options_to_table (or split_part) splits the key from the value and the server's password came back whole;
//   views over pg_authid and pg_stat_activity.query passed as well. A result or filter whose lineage reaches a
//   sensitive catalog now reads it (rules/sql/calls.rego).
// - Held: a view, subquery or CTE column named ctid / xmin carries its own lineage (masked); column aliases that
//   rename a table column to ctid win over the system column, as on the server; a table dropped and recreated
//   as a view with a ctid column unseen fails closed, then is masked; pg_options_to_table / pg_partition_* over
//   masked values are denied (a function of a masked column); over foreign server, user mapping, role and
//   foreign table options they are denied as reads of those catalogs.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness
const SRV_SECRET = 'SrvOpt-Quasar-Lemur-4417'
const UM_SECRET = 'UmOpt-Rhubarb-Jackal-8824'
const FT_SECRET = 'FtOpt-Gravel-Otter-7753'
const ROLE_SECRET = 'RolCfg-Mango-Badger-6612'

test.before(async () => {
  h = await startHarness({ holdSeconds: 20 })
  await h.cluster.query(LEAK_SEED_SQL)
  await h.cluster.query(`
    CREATE FOREIGN DATA WRAPPER dummy_fdw;
    CREATE SERVER vault_srv FOREIGN DATA WRAPPER dummy_fdw OPTIONS (host 'db', password '${SRV_SECRET}');
    CREATE USER MAPPING FOR warden SERVER vault_srv OPTIONS (user 'u', password '${UM_SECRET}');
    CREATE FOREIGN TABLE ftab (id int) SERVER vault_srv OPTIONS (secret '${FT_SECRET}');
    ALTER ROLE warden SET application_name = '${ROLE_SECRET}';
    CREATE VIEW meta_v AS SELECT id, password AS ctid, api_key AS xmin FROM credentials;
    CREATE TABLE swap (id int PRIMARY KEY, note text); INSERT INTO swap VALUES (1, 'n');
    CREATE VIEW servers AS SELECT srvname, srvoptions FROM pg_foreign_server;
    CREATE VIEW logins AS SELECT rolname, rolpassword AS hash FROM pg_authid;
    CREATE VIEW activity AS SELECT pid, query FROM pg_stat_activity;
    GRANT SELECT ON meta_v, swap, servers, logins, activity TO warden`)
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

test('a name a function\'s rows in a subquery do not hold is read from the outer query: its secret stays masked', async () => {
  const c = await session()
  for (const sql of [
    'SELECT (SELECT ctid FROM generate_series(1, 1) g) FROM (SELECT password AS ctid FROM credentials) s',
    'SELECT (SELECT x FROM unnest(ARRAY[1]) n) FROM (SELECT api_key AS x FROM credentials) s',
    'WITH s AS (SELECT client_secret AS x FROM credentials) SELECT (SELECT x FROM generate_series(1, 1) g) FROM s',
  ]) {
    const o = await query(c, sql)
    assert.equal(o.leaks, [], sql)
    assert.ok(o.rows.length === 0 || o.rows.every((r) => r[0] === '[redacted]'), `${sql}: ${JSON.stringify(o)}`)
  }
  // Filtering on it there is a probe of the password.
  const probe = await query(c, "SELECT (SELECT 1 FROM generate_series(1, 1) g WHERE x LIKE 'M%') FROM (SELECT password AS x FROM credentials) s")
  assert.match(probe.errors.join('\n'), /42501: warden: denied/)
})

test('held: columns named like system columns carry their own lineage; a table alias renaming one wins', async () => {
  const c = await session()
  for (const sql of [
    'SELECT ctid, xmin FROM meta_v', 'SELECT v.ctid FROM meta_v v', 'SELECT ctid FROM (SELECT password AS ctid FROM credentials) s',
    'WITH s AS (SELECT password AS ctid FROM credentials) SELECT ctid FROM s',
  ]) {
    const o = await query(c, sql)
    assert.equal(o.leaks, [], sql)
    assert.ok(o.rows.length > 0 && o.rows.every((r) => r.every((v) => v === '[redacted]')), `${sql}: ${JSON.stringify(o)}`)
  }
  // Both have a ctid: the server refuses, and its error text (which could quote values) is withheld.
  const both = await query(c, 'SELECT ctid FROM credentials, (SELECT password AS ctid FROM credentials) s')
  assert.equal(both.leaks, [])
  assert.match(both.errors.join('\n'), /42702/)
  // The alias renames id, and the server reads the alias, not the system column.
  assert.equal((await query(c, 'SELECT ctid FROM credentials AS k(ctid) ORDER BY 1')).rows, [['1'], ['2'], ['3']])
  assert.equal((await query(c, 'SELECT (k).ctid FROM credentials k ORDER BY 1 LIMIT 1')).rows, [['(0,1)']])
})

test('held: a table replaced unseen by a view with a ctid column fails closed, then masks', async () => {
  const c = await session()
  assert.equal((await query(c, 'SELECT ctid FROM swap')).rows, [['(0,1)']])
  await h.cluster.query('BEGIN; DROP TABLE swap; CREATE VIEW swap AS SELECT id, password AS ctid FROM credentials; GRANT SELECT ON swap TO warden; COMMIT')
  for (const sql of ['SELECT ctid FROM swap', 'SELECT s.ctid FROM swap s', 'SELECT ctid FROM swap']) {
    const o = await query(c, sql)
    assert.equal(o.leaks, [], sql)
    assert.ok(o.errors.length > 0 || o.rows.every((r) => r[0] === '[redacted]'), `${sql}: ${JSON.stringify(o)}`)
  }
})

test('held: pg_options_to_table and pg_partition_* over masked values, or over sensitive options, are denied', async () => {
  const c = await session()
  for (const sql of [
    "SELECT * FROM credentials k, pg_options_to_table(ARRAY['p=' || k.password]) o",
    "SELECT (pg_options_to_table(ARRAY['p=' || password])).option_value FROM credentials",
    "SELECT option_value FROM pg_options_to_table((SELECT array_agg('p=' || password) FROM credentials))",
    "SELECT o.option_name FROM credentials k CROSS JOIN LATERAL pg_options_to_table(ARRAY[k.api_key || '=x']) o",
    'SELECT * FROM credentials k, pg_partition_tree(k.password::regclass)',
    'SELECT pg_partition_root(password) FROM credentials',
    "SELECT pg_get_object_address('table', ARRAY[password], '{}') FROM credentials",
    'SELECT * FROM pg_foreign_server s, pg_options_to_table(s.srvoptions)',
    'SELECT * FROM pg_options_to_table((SELECT umoptions FROM pg_user_mappings LIMIT 1))',
    "SELECT * FROM pg_options_to_table((SELECT rolconfig FROM pg_roles WHERE rolname = 'warden'))",
    'SELECT * FROM pg_foreign_table t, pg_options_to_table(t.ftoptions)',
  ]) {
    const o = await query(c, sql)
    assert.equal(o.leaks, [], sql)
    assert.equal(o.rows, [], sql)
    assert.match(o.errors.join('\n'), /42501: warden: denied/, sql)
    for (const secret of [SRV_SECRET, UM_SECRET, FT_SECRET, ROLE_SECRET]) assert.not.ok(JSON.stringify(o).includes(secret), sql)
  }
})

test('a view over a sensitive catalog is a read of it: its values are not split out past the detectors', async () => {
  const c = await session()
  for (const sql of [
    'SELECT o.* FROM servers s, pg_options_to_table(s.srvoptions) o',
    "SELECT split_part(array_to_string(srvoptions, ','), 'password=', 2) FROM servers",
    'SELECT * FROM servers',
    "SELECT srvname FROM servers WHERE srvoptions::text LIKE '%password=S%'",
    'SELECT * FROM logins',
    'SELECT query FROM activity',
  ]) {
    const o = await query(c, sql)
    assert.equal(o.rows, [], sql)
    assert.match(o.errors.join('\n'), /42501: warden: denied: statement 1 \(select\): reads pg_catalog\.pg_\w+ through a view/, sql)
    assert.not.ok(JSON.stringify(o).includes(SRV_SECRET), sql)
  }
  // Its harmless columns, and the catalogs' own, still read.
  assert.equal((await query(c, 'SELECT srvname FROM servers')).rows, [['vault_srv']])
  assert.equal((await query(c, 'SELECT srvname FROM pg_foreign_server')).rows, [['vault_srv']])
  assert.equal((await query(c, "SELECT pid FROM activity WHERE pid = pg_backend_pid()")).errors, [])
})

test('nothing reached the server without an allow decision', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
