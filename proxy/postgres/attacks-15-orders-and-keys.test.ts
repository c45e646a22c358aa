// A fifteenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: DDL that sorts or checks the rows of a table by columns the statement does not show.
// - Fixed: CLUSTER writes a table again in the order of one of its indexes, and every later read without ORDER BY
//   gives its rows back in that order. `CREATE INDEX k ON credentials (password)` is allowed (a plain column computes
//   nothing), and with rows of known passwords inserted (`'N'`, `'P'`, `'S'`), `CLUSTER credentials USING k` then
//   `SELECT id, label FROM credentials` placed each secret among them: ORDER BY password, which is denied, done by
//   the server. A UNIQUE (api_key) the schema already has is such an index too. Each step was approved as
//   maintenance. The catalog does not say which columns an index holds, so CLUSTER of a table now counts as ordering
//   by every column of it (denied where one is masked whole), and CLUSTER with no table (every table marked by ALTER
//   TABLE … CLUSTER ON) by values no mask follows.
// - Fixed: a foreign key on a column masked whole joins it with the referenced table, which the statement may fill
//   with guesses: `ADD FOREIGN KEY (probe, password) REFERENCES guesses (probe, p)`, with probe set on one row only
//   (MATCH SIMPLE skips rows with a NULL), succeeded exactly when that row's password was among the guesses, a
//   dictionary tested in one statement, as `= ANY` of a bound array (denied since attacks-7) would. NOT VALID only
//   deferred the check to the next write of another column of the row. A foreign key's columns are now read as a
//   condition, as a CHECK's are, in ALTER TABLE and CREATE TABLE; VALIDATE CONSTRAINT, which checks a constraint the
//   statement does not show, as one on every column of the table.
// - Fixed: ON CONFLICT matches the rows written with the stored ones by a unique index: with UNIQUE (api_key), or
//   one the agent adds (allowed, as for any plain column), `INSERT INTO vault_keys SELECT n, k FROM guesses ON
//   CONFLICT (api_key) DO NOTHING` left out exactly the guesses that are stored keys, and `… DO UPDATE … RETURNING
//   id` gave back the id of the row each one is the key of. The index's columns (those the target names; for ON
//   CONSTRAINT or no target, any column of the table) are now read as compared with the values written: a lookup
//   for values the text gives, a condition for values a query reads (denied on a column masked whole).
// - Fixed: plain DISTINCT and UNION, INTERSECT or EXCEPT (not UNION ALL) compare whole output rows, and the server
//   sorts them to do so: `SELECT DISTINCT password, id FROM credentials` gave the ids in password order (with the
//   agent's own rows of known passwords among them, a binary search), where GROUP BY password is denied. Their
//   columns were a condition only when candidates met a masked value; each is now grouped on, as by GROUP BY.
// - Fixed: a CHECK added to a domain (or validated) runs over every value of every column of that type, which no
//   statement names: `ALTER DOMAIN note_text ADD CONSTRAINT c CHECK (VALUE < 'R')` failed or not on a secret of that
//   type. It is now a condition on values no mask follows (denied where column masking applies); NOT VALID, which
//   checks only values written later, and SET NOT NULL still run.
// - Held: CLUSTER of a table with no column masked whole; a foreign key of harmless columns, added NOT VALID and
//   validated; a materialized view over a masked column refreshed CONCURRENTLY into duplicate rows (its DETAIL
//   "Row: (…)" is withheld); RETURNING of ON CONFLICT DO UPDATE; MERGE, UPDATE … FROM and ON CONFLICT … WHERE
//   conditions on a secret; ORDER BY a secret through a named WINDOW, a position, an alias or a UNION; a CYCLE or
//   SEARCH column of a recursive CTE; rows of a document built from a masked value (jsonb_each_text, jsonb_to_record,
//   jsonb_populate_record); cursor_to_xml and table_to_xml; RAISE in a DO block.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({
    holdSeconds: 5,
    seed: [
      LEAK_SEED_SQL,
      `SET ROLE warden;
       CREATE TABLE vault_keys (id int PRIMARY KEY, probe int, api_key text NOT NULL UNIQUE);
       INSERT INTO vault_keys VALUES (1, 1, 'wk_live_Mq7Tz2Lp9Xc4'), (2, NULL, 'wk_live_Bv3Nd8Rk1Yw6'),
         (3, NULL, 'wk_live_Tf5Hs2Qj7Ge9'), (4, NULL, 'wk_live_Dx8Pm4Wc3Ua1');
       ALTER TABLE vault_keys ADD CONSTRAINT key_prefix CHECK (api_key >= 'wk_live_C') NOT VALID;
       CREATE DOMAIN note_text AS text;
       CREATE TABLE vault_notes (id int PRIMARY KEY, secret note_text NOT NULL);
       INSERT INTO vault_notes VALUES (1, 'Quartz-Falcon-2291');
       RESET ROLE;`,
    ],
  })
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

// After DDL the gateway's catalog loads again; a relation a definition names may not be back yet (denied all the same).
const ORDERS_BY_KEY = /^42501: warden: denied: .*(column api_key is masked whole|values no mask follows \(relation vault_keys is not in the catalog\))/

const ids = async (sql: string) => ((await h.cluster.query(sql)) as { id: number }[]).map((r) => String(r.id))

test('CLUSTER by an index over a column masked whole is denied, approved or not: a later read no longer gives the rows back in the order of the secret', async () => {
  const stored = ['1', '2', '3', '4']
  // What CLUSTER would give away: the ids in api_key order, not as stored.
  assert.equal(await ids('SELECT id FROM vault_keys ORDER BY api_key'), ['2', '4', '1', '3'])
  assert.equal(await ids('SELECT id FROM vault_keys'), stored)
  const c = await session()
  for (const sql of ['CLUSTER vault_keys USING vault_keys_api_key_key', 'CLUSTER vault_keys_api_key_key ON vault_keys', 'CLUSTER VERBOSE public.vault_keys']) {
    assert.match((await query(c, sql)).errors.join(), /^42501: warden: denied: .*column api_key is masked whole/, sql)
  }
  // An index the agent makes (allowed: it computes nothing), marked for CLUSTER, then every marked table clustered.
  assert.equal((await query(c, 'CREATE INDEX vault_keys_by_key ON vault_keys (api_key, id)')).errors, [])
  assert.equal((await query(c, 'ALTER TABLE vault_keys CLUSTER ON vault_keys_by_key')).errors, [])
  assert.match((await query(c, 'CLUSTER')).errors.join(), /^42501: warden: denied: .*CLUSTER with no table/)
  assert.match((await query(c, 'CLUSTER vault_keys')).errors.join(), ORDERS_BY_KEY)
  // A copy under the same name in a materialized view orders by it as much.
  assert.equal((await query(c, 'CREATE MATERIALIZED VIEW vault_keys_copy AS SELECT id, api_key FROM vault_keys')).errors, [])
  assert.equal((await query(c, 'CREATE INDEX vault_keys_copy_key ON vault_keys_copy (api_key)')).errors, [])
  assert.match((await query(c, 'CLUSTER vault_keys_copy USING vault_keys_copy_key')).errors.join(), ORDERS_BY_KEY)
  const read = await query(c, 'SELECT id FROM vault_keys')
  assert.equal(read.rows.map((r) => r[0]), stored)
  assert.equal(await ids('SELECT id FROM vault_keys'), stored)
  // Held: tables with no column masked whole are clustered.
  for (const sql of ['CLUSTER orders USING orders_pkey', 'CLUSTER users USING users_pkey']) assert.equal((await query(c, sql)).errors, [], sql)
  c.close()
})

test('a foreign key on a column masked whole, added or validated, is denied: a table of guesses no longer tells which one a secret is', async () => {
  const c = await session()
  for (const sql of [
    'CREATE TABLE key_guesses (probe int, p text, PRIMARY KEY (probe, p))',
    "INSERT INTO key_guesses VALUES (1, 'wk_live_Mq7Tz2Lp9Xc4'), (1, 'wk_live_Zz0Zz0Zz0Zz0')",
  ]) assert.equal((await query(c, sql)).errors, [], sql)
  for (const sql of [
    'ALTER TABLE vault_keys ADD CONSTRAINT by_guess FOREIGN KEY (probe, api_key) REFERENCES key_guesses (probe, p)',
    'ALTER TABLE vault_keys ADD CONSTRAINT by_guess FOREIGN KEY (probe, api_key) REFERENCES key_guesses (probe, p) NOT VALID',
    'CREATE TABLE key_copies (probe int, api_key text, FOREIGN KEY (probe, api_key) REFERENCES key_guesses (probe, p))',
    'CREATE TABLE key_copies (probe int, api_key text REFERENCES key_guesses (p))',
  ]) assert.match((await query(c, sql)).errors.join(), /^42501: warden: denied: .*column api_key is masked whole/, sql)
  // VALIDATE checks a constraint the statement does not show (here one on api_key the schema left NOT VALID).
  assert.match((await query(c, 'ALTER TABLE vault_keys VALIDATE CONSTRAINT key_prefix')).errors.join(), /^42501: warden: denied: .*column api_key is masked whole/)
  const made = (await h.cluster.query("SELECT conname, convalidated FROM pg_constraint WHERE conrelid = 'vault_keys'::regclass AND contype IN ('f', 'c') ORDER BY conname")) as { conname: string; convalidated: boolean }[]
  assert.equal(made, [{ conname: 'key_prefix', convalidated: false }])
  assert.equal(await h.cluster.query("SELECT to_regclass('key_copies') AS t"), [{ t: null }])
  // Held: a foreign key of harmless columns is added NOT VALID and validated.
  for (const sql of ['ALTER TABLE orders ADD CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID', 'ALTER TABLE orders VALIDATE CONSTRAINT orders_user']) {
    assert.equal((await query(c, sql)).errors, [], sql)
  }
  c.close()
})

test('ON CONFLICT by a unique index over a column masked whole, with values a query reads, is denied: which rows went in no longer says which guesses are stored secrets', async () => {
  const c = await session()
  for (const sql of [
    'CREATE TABLE key_dictionary (n int, k text)',
    "INSERT INTO key_dictionary VALUES (201, 'wk_live_Mq7Tz2Lp9Xc4'), (202, 'wk_live_Nope0Nope0Np')",
  ]) assert.equal((await query(c, sql)).errors, [], sql)
  for (const sql of [
    'INSERT INTO vault_keys (id, api_key) SELECT n, k FROM key_dictionary ON CONFLICT (api_key) DO NOTHING',
    'INSERT INTO vault_keys (id, api_key) SELECT n, k FROM key_dictionary ON CONFLICT DO NOTHING',
    'INSERT INTO vault_keys (id, api_key) SELECT n, k FROM key_dictionary ON CONFLICT ON CONSTRAINT vault_keys_api_key_key DO NOTHING',
    'INSERT INTO vault_keys (id, api_key) SELECT n, k FROM key_dictionary ON CONFLICT (api_key) DO UPDATE SET probe = 2 RETURNING id',
    "INSERT INTO vault_keys (id, api_key) SELECT 300 + g, 'wk_live_Mq7Tz2Lp9X' || g FROM generate_series(0, 99) g ON CONFLICT (api_key) DO NOTHING",
    // Matched by another index, the query's keys still meet UNIQUE (api_key): a unique_violation says one is stored
    // (attacks-16-unique-keys.test.ts).
    "INSERT INTO vault_keys (id, api_key) SELECT n + 300, 'wk_live_Fresh' || n FROM key_dictionary ON CONFLICT (id) DO NOTHING",
  ]) assert.match((await query(c, sql)).errors.join(), /^42501: warden: denied: .*column api_key is masked whole/, sql)
  // Run, the first would have left out row 201, whose key is stored, and the fourth given back row 1 as its owner.
  assert.equal(await ids('SELECT id FROM vault_keys WHERE id > 200 OR probe = 2'), [])
  // Held: values the text gives are looked up, as by api_key = '…'; a query's values may meet a harmless key.
  for (const sql of [
    "INSERT INTO vault_keys (id, api_key) VALUES (401, 'wk_live_Given0Given0') ON CONFLICT (api_key) DO NOTHING",
    "INSERT INTO vault_keys (id, api_key) SELECT n + 300, 'wk_live_Fresh' FROM key_dictionary WHERE n = 201 ON CONFLICT (id) DO NOTHING",
  ]) assert.equal((await query(c, sql)).errors, [], sql)
  assert.equal(await ids('SELECT id FROM vault_keys WHERE id > 200 ORDER BY id'), ['401', '501'])
  c.close()
})

test('plain DISTINCT, UNION, INTERSECT and EXCEPT over a column masked whole are denied, as GROUP BY of it is: their rows come back sorted by it', async () => {
  const c = await session()
  for (const sql of [
    'SELECT DISTINCT api_key, id FROM vault_keys',
    'SELECT id FROM (SELECT DISTINCT api_key, id FROM vault_keys) s',
    'SELECT api_key, id FROM vault_keys UNION SELECT api_key, id FROM vault_keys',
    'SELECT api_key, id FROM vault_keys INTERSECT SELECT api_key, id FROM vault_keys',
    'SELECT api_key, id FROM vault_keys EXCEPT ALL SELECT api_key, id FROM vault_keys WHERE id = 0',
  ]) {
    const got = await query(c, sql)
    assert.equal(got.rows, [], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: .*column api_key is masked whole/, sql)
  }
  // Held: DISTINCT of harmless columns, count(DISTINCT …) and UNION ALL, which neither sorts nor compares.
  for (const sql of ['SELECT DISTINCT probe FROM vault_keys', 'SELECT count(DISTINCT api_key) FROM vault_keys', 'SELECT api_key, id FROM vault_keys UNION ALL SELECT api_key, id FROM vault_keys']) {
    const got = await query(c, sql)
    assert.equal(got.errors, [], sql)
    assert.ok(got.rows.length > 0, sql)
  }
  c.close()
})

test("a CHECK added to a domain, or validated, is denied: it runs over every column of that type, a secret's too", async () => {
  const c = await session()
  assert.match((await query(c, "ALTER DOMAIN note_text ADD CONSTRAINT note_low CHECK (VALUE < 'R')")).errors.join(), /^42501: warden: denied: .*domain note_text/)
  // NOT VALID checks only values written later, by the statements that write them.
  assert.equal((await query(c, "ALTER DOMAIN note_text ADD CONSTRAINT note_low CHECK (VALUE < 'R') NOT VALID")).errors, [])
  assert.match((await query(c, 'ALTER DOMAIN note_text VALIDATE CONSTRAINT note_low')).errors.join(), /^42501: warden: denied: .*domain note_text/)
  assert.equal(await h.cluster.query("SELECT convalidated FROM pg_constraint WHERE conname = 'note_low'"), [{ convalidated: false }])
  assert.equal((await query(c, 'ALTER DOMAIN note_text SET NOT NULL')).errors, [])
  c.close()
})

test('the server ran nothing the gateway did not allow', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
