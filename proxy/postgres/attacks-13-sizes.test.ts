// A thirteenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: sizes the server prints that measure masked values (EXPLAIN's plans, the WAL's volume).
// - Fixed: EXPLAIN's estimated width of a node is the average stored size of the columns its rows carry, from the
//   column statistics (ANALYZE, or autovacuum): `EXPLAIN SELECT password FROM vault_one` printed width=32 for a table
//   of one row whose password has 31 characters. With ANALYZE and COSTS OFF, a sort's memory measured a row repeated
//   2,000 times (`… FROM credentials c, generate_series(1, 2000) g WHERE c.id = 1 ORDER BY g`): palloc rounds each
//   tuple to a power of two, so padding the row with a known length until the figure jumps gives the secret's length.
//   The plan's text was judged as server text without values. The normalizer now lists what the plan carries
//   (every query level's rows, conditions, values written: detail.plan_columns), and where column masking applies a
//   plan carrying a column masked whole is explained only with COSTS OFF and without ANALYZE (masks_lineage.rego).
// - Fixed: the WAL's volume and position (pg_stat_wal.wal_bytes, pg_current_wal_lsn()) grow with every session's
//   writes by the bytes the new row versions differ in: another session's UPDATE of a password to 7, 39 or 69
//   characters moved wal_bytes by 110, 142 and 172, a length oracle on values the agent cannot read. They are
//   sensitive catalogs now (pg_stat_wal, pg_stat_get_wal, pg_current_wal_lsn / _insert_lsn / _flush_lsn), as
//   pg_stat_activity's statement text is. So are the same positions where replication shows them
//   (pg_replication_slots.restart_lsn / confirmed_flush_lsn / safe_wal_size, pg_stat_replication's and
//   pg_stat_subscription's LSNs, pg_last_wal_receive_lsn / _replay_lsn on a standby) and the bytes a logical slot
//   decoded (pg_stat_replication_slots' *_bytes); their other columns stay readable.
// - Fixed: the temporary file volume (pg_stat_database.temp_bytes, temp_files): with work_mem at 64kB, a sort of a
//   password row repeated 100,000 times (`SELECT c.password … generate_series(1, 100000) g WHERE c.id = 1 ORDER BY
//   g * c.customer_id OFFSET 99999`, one masked row back) spilled 5,250,240 bytes for 20 characters where repeat('x',
//   4) spilled 3,644,608 and repeat('x', 40) 7,281,856: about 100 kB a character. Both columns, and
//   pg_stat_get_db_temp_bytes / _files, are sensitive now; the database's other counters stay readable.
// - Fixed: the order rows come back in. An index scan returns its rows in its key's order, and a masked column may be
//   that key (UNIQUE (api_key), UNIQUE (tenant, api_key)). `SET enable_seqscan = off` (enable_* counted as ordinary
//   settings) or a lowered random_page_cost, then `WHERE tenant = 1` or `WHERE api_key IS NOT NULL` (both allowed)
//   returned every row in api_key order, and LIMIT 1 the row with the least key, which ORDER BY api_key or min() are
//   denied for. Such planner settings (enable_*, *_cost, effective_cache_size, cursor_tuple_fraction) are held for
//   approval in production now (warden.rules.sql.planner_setting); a plan the server picks by itself still may use
//   such an index (left open, README).
// - Held: a view's columns a query does not select are not carried (EXPLAIN SELECT who FROM customer_directory).
// - Held (other sessions, the server's memory): pg_stat_activity.query however reached (pg_stat_get_activity,
//   pg_stat_get_backend_activity over pg_stat_get_backend_idset, a view a DBA made over it, a CTE, CREATE VIEW / TABLE
//   AS, a function body); pg_locks, pg_prepared_statements, pg_cursors, pg_stat_progress_* show no other session's
//   text; pg_stats / pg_statistic_ext after ANALYZE of a copy; lo_from_bytea / lo_get / loread; a masked integer passed
//   whole to setval, an advisory lock or pg_notify (tested below), or through a trigger function's NEW; length,
//   octet_length and pg_column_size of a masked value or its row.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions, outcomeOf } from './testing/attack-session.ts'
import { type RawClient, rawMessages as m } from './testing/raw-client.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

const SECRET = 'Correct-Horse-Battery-Staple-42'

test.before(async () => {
  h = await startHarness({
    holdSeconds: 5,
    seed: [
      LEAK_SEED_SQL,
      `SET ROLE warden;
       CREATE TABLE pins (id int PRIMARY KEY, secret_code int NOT NULL, ssn bigint);
       INSERT INTO pins VALUES (1, 4711, 536228147);
       CREATE SEQUENCE pin_seq;
       CREATE TABLE tenant_keys (id int PRIMARY KEY, tenant int NOT NULL, api_key text NOT NULL, UNIQUE (tenant, api_key));
       INSERT INTO tenant_keys SELECT g, 1, 'wk_' || md5(g::text) FROM generate_series(1, 300) g;
       ANALYZE tenant_keys;
       RESET ROLE;
       CREATE FUNCTION tenant_ids_through_index() RETURNS SETOF int LANGUAGE sql SET enable_seqscan = off SET enable_bitmapscan = off
         AS 'SELECT id FROM tenant_keys WHERE tenant = 1'`,
      `SET ROLE warden;
       CREATE TABLE vault_one (id int PRIMARY KEY, password text NOT NULL);
       INSERT INTO vault_one VALUES (1, '${SECRET}');
       ANALYZE vault_one;
       ANALYZE credentials;
       RESET ROLE`,
    ],
  })
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

test('the server prints a masked column\'s length as the width of a plan that carries it (what the gateway withholds)', async () => {
  const rows = await h.cluster.query('EXPLAIN SELECT password FROM vault_one') as { 'QUERY PLAN': string }[]
  assert.match(rows[0]!['QUERY PLAN'], new RegExp(`width=${SECRET.length + 1}\\)`))
})

test('EXPLAIN with costs, or with ANALYZE, of a plan carrying a column masked whole is denied, in any format and however carried', async () => {
  const c = await session()
  for (const sql of [
    'EXPLAIN SELECT password FROM vault_one',
    'EXPLAIN (FORMAT JSON) SELECT password FROM vault_one',
    'EXPLAIN SELECT * FROM vault_one',
    'EXPLAIN SELECT v.* FROM vault_one v WHERE id = 1',
    'EXPLAIN SELECT count(password) FROM vault_one',
    'EXPLAIN WITH w AS MATERIALIZED (SELECT password FROM vault_one) SELECT 1 FROM w',
    'EXPLAIN SELECT 1 FROM (SELECT DISTINCT password FROM vault_one) s',
    'EXPLAIN SELECT passphrase FROM customer_directory',
    'EXPLAIN (COSTS on) SELECT api_key FROM credentials',
    'EXPLAIN (COSTS off, COSTS on) SELECT api_key FROM credentials',
    'EXPLAIN (ANALYZE, COSTS OFF) SELECT c.password FROM credentials c, generate_series(1, 2000) g WHERE c.id = 1 ORDER BY g',
    "EXPLAIN (ANALYZE, COSTS OFF) SELECT c.password, repeat('x', 9) FROM credentials c, generate_series(1, 2000) g WHERE c.id = 1 ORDER BY g",
  ]) {
    const got = await query(c, sql)
    assert.equal(got.rows, [], sql)
    assert.equal(got.leaks, [], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: statement 1 \(explain\): EXPLAIN prints the sizes of the rows its plan carries .*which measure the values of masked column/, sql)
  }
  c.close()
})

test('EXPLAIN without sizes, or of a plan that carries no column masked whole, still answers', async () => {
  const c = await session()
  for (const [sql, line] of [
    ['EXPLAIN (COSTS OFF) SELECT * FROM vault_one', /^Seq Scan on vault_one$/],
    ["EXPLAIN (COSTS OFF) SELECT id FROM credentials WHERE password = 'x'", /^Seq Scan on credentials$/],
    ['EXPLAIN SELECT id, label FROM credentials', /^Seq Scan on credentials {2}\(cost=[\d.]+ rows=3 width=\d+\)$/],
    ['EXPLAIN SELECT who FROM customer_directory', /^Hash Join {2}\(cost=/],
    ['EXPLAIN SELECT count(*) FROM vault_one', /^Aggregate {2}\(cost=/],
    ['EXPLAIN (ANALYZE, COSTS OFF) SELECT c.id FROM credentials c, generate_series(1, 2000) g WHERE c.id = 1 ORDER BY g', /^Sort \(actual time=/],
  ] as const) {
    const got = await query(c, sql)
    assert.equal(got.errors, [], sql)
    assert.match(got.rows[0]?.[0] ?? '', line, sql)
  }
  c.close()
})

test('the WAL volume and position, which grow with the size of another session\'s writes, are denied', async () => {
  // What they showed: the bytes another session's UPDATE wrote follow the length of the new password.
  const walBytes = async () => Number(((await h.cluster.query('SELECT wal_bytes::bigint AS b FROM pg_stat_wal')) as { b: string }[])[0]!.b)
  const written: number[] = []
  for (const password of ['short-1', 'a-much-longer-password-of-thirty-nine-x', 'a-much-longer-password-of-thirty-nine-x-and-thirty-more-1234567890']) {
    const before = await walBytes()
    await h.cluster.query(`UPDATE credentials SET password = '${password}' WHERE id = 3`)
    written.push((await walBytes()) - before)
  }
  assert.ok(written[0]! < written[1]! && written[1]! < written[2]!, `WAL bytes of the three updates: ${written.join(', ')}`)
  const c = await session()
  for (const sql of [
    'SELECT wal_bytes, wal_records FROM pg_stat_wal',
    'SELECT * FROM pg_catalog.pg_stat_wal',
    'SELECT pg_current_wal_lsn()',
    'SELECT pg_catalog.pg_current_wal_insert_lsn()',
    'SELECT pg_current_wal_flush_lsn()',
    'SELECT * FROM pg_stat_get_wal()',
  ]) {
    const got = await query(c, sql)
    assert.equal(got.rows, [], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: .*(the volume|the position) of WAL every session writes, which measures the values written/, sql)
  }
  // The other statistics views keep answering.
  assert.equal((await query(c, "SELECT n_live_tup FROM pg_stat_user_tables WHERE relname = 'credentials'")).errors, [])
  c.close()
})

test('replication\'s WAL positions and decoded volumes are denied; the other columns of those views answer', async () => {
  const c = await session()
  const unsafe: Record<string, string[]> = {
    pg_replication_slots: ['restart_lsn', 'confirmed_flush_lsn', 'safe_wal_size'],
    pg_stat_replication_slots: ['spill_bytes', 'stream_bytes', 'total_bytes'],
    pg_stat_replication: ['sent_lsn', 'write_lsn', 'flush_lsn', 'replay_lsn'],
    pg_stat_subscription: ['received_lsn', 'latest_end_lsn'],
  }
  for (const [view, columns] of Object.entries(unsafe)) {
    for (const sql of [...columns.map((col) => `SELECT ${col} FROM ${view}`), `SELECT * FROM ${view}`]) {
      const got = await query(c, sql)
      assert.match(got.errors.join(), /^42501: warden: denied: .*(the position of WAL|the volume of changes) every session writes/, sql)
    }
    // Every other column of the view, as this server has it, is on its safe list.
    const rest = ((await h.cluster.query(`SELECT attname FROM pg_attribute WHERE attrelid = '${view}'::regclass AND attnum > 0 ORDER BY attnum`)) as { attname: string }[])
      .map((r) => r.attname).filter((n) => !columns.includes(n))
    assert.equal((await query(c, `SELECT ${rest.join(', ')} FROM ${view}`)).errors, [], view)
  }
  for (const sql of ['SELECT pg_last_wal_receive_lsn()', 'SELECT pg_last_wal_replay_lsn()', 'SELECT * FROM pg_get_replication_slots()']) {
    assert.match((await query(c, sql)).errors.join(), /^42501: warden: denied: /, sql)
  }
  c.close()
})

test('a masked integer passed whole to a call that keeps it where another read finds it (a sequence, an advisory lock, a notification) is denied', async () => {
  const c = await session()
  await query(c, 'LISTEN pins')
  for (const sql of [
    "SELECT setval('pin_seq', secret_code) FROM pins WHERE id = 1",
    'SELECT pg_advisory_lock(secret_code) FROM pins WHERE id = 1',
    'SELECT pg_try_advisory_xact_lock(1, secret_code) FROM pins',
    "SELECT pg_notify('pins', (SELECT secret_code::text FROM pins LIMIT 1))",
  ]) {
    const got = await query(c, sql)
    assert.match(got.errors.join(), /^42501: warden: denied: statement 1 \(select\): column (secret_code|ssn) is masked whole/, sql)
    assert.equal(got.notifications, [], sql)
  }
  assert.equal(await h.cluster.query("SELECT last_value::int AS v, is_called FROM pin_seq"), [{ v: 1, is_called: false }])
  assert.equal(await h.cluster.query("SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory'"), [{ n: 0 }])
  c.close()
})

test('planner settings that make an index over a masked column order the rows are held; rejected, rows come back as stored', async () => {
  // What they did: the rows of tenant 1, read through UNIQUE (tenant, api_key), come back in api_key order.
  const byKey = ((await h.cluster.query('SELECT id FROM tenant_keys ORDER BY api_key')) as { id: number }[]).map((r) => String(r.id))
  const forced = ((await h.cluster.query('SELECT id FROM tenant_ids_through_index() AS id')) as { id: number }[]).map((r) => String(r.id))
  assert.equal(forced, byKey)
  const c = await session()
  const unapproved = async (client: RawClient, sql: string) => {
    client.take()
    client.send(m.query(sql))
    await client.readyCount(1, 30_000)
    return outcomeOf(client.take())
  }
  for (const sql of ['SET enable_seqscan = off', 'SET LOCAL enable_bitmapscan TO off', 'SET random_page_cost = 0.001', 'SET seq_page_cost = 1000000', 'SET cursor_tuple_fraction = 0.0001']) {
    const got = await h.rejectingHeld('orders rows by a masked key', () => unapproved(c, sql))
    assert.match(got.errors.join(), /^42501: warden: .*rejected/i, sql)
  }
  const rows = (await query(c, 'SELECT id FROM tenant_keys WHERE tenant = 1')).rows.map((r) => r[0])
  assert.equal(rows.length, 300)
  assert.not.equal(rows, byKey)
  // Back to its default needs no approval.
  assert.equal((await unapproved(c, 'RESET enable_seqscan')).errors, [])
  c.close()
})

test('the temporary file volume, which a spilled sort of a masked value grows by its length, is denied; the other database counters answer', async () => {
  // What it showed: one sort of 100,000 copies of a row spills about 100 kB more a character.
  const spilled = async (value: string): Promise<number> => {
    const read = async () => Number(((await h.cluster.query("SELECT temp_bytes::bigint AS b FROM pg_stat_database WHERE datname = current_database()")) as { b: string }[])[0]!.b)
    const before = await read()
    await h.cluster.query(`SET work_mem = '64kB'; SELECT ${value} FROM credentials c, generate_series(1, 100000) g WHERE c.id = 1 ORDER BY g * c.customer_id OFFSET 99999`)
    // The server publishes a session's counters within a second of its transaction's end.
    for (let i = 0; i < 100; i++) {
      const now = await read()
      if (now !== before) return now - before
      await new Promise((r) => setTimeout(r, 50))
    }
    throw new Error('temp_bytes did not move')
  }
  const [short, secret, long] = [await spilled("repeat('x', 4)"), await spilled('c.password'), await spilled("repeat('x', 40)")]
  assert.ok(short < secret && secret < long, `temporary bytes for 4 characters, the password, 40 characters: ${short}, ${secret}, ${long}`)
  const c = await session()
  for (const sql of [
    "SELECT temp_files, temp_bytes FROM pg_stat_database WHERE datname = current_database()",
    'SELECT * FROM pg_catalog.pg_stat_database',
    'SELECT d FROM pg_stat_database d',
    'SELECT pg_stat_get_db_temp_bytes(oid) FROM pg_database',
  ]) {
    const got = await query(c, sql)
    assert.equal(got.rows, [], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: .*the temporary file volume of every session's sorts and hashes/, sql)
  }
  // Every other column of the view (as this server has it) is on the safe list.
  const columns = ((await h.cluster.query("SELECT attname FROM pg_attribute WHERE attrelid = 'pg_stat_database'::regclass AND attnum > 0 ORDER BY attnum")) as { attname: string }[])
    .map((r) => r.attname).filter((n) => !n.startsWith('temp_'))
  const rest = await query(c, `SELECT ${columns.join(', ')} FROM pg_stat_database WHERE datname = current_database()`)
  assert.equal(rest.errors, [])
  assert.equal(rest.rows.length, 1)
  c.close()
})

test.run()
