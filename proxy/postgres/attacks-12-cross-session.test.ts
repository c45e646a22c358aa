// A twelfth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: can one session reach another, or a value reach the client by a route the mask does not see?
// - Fixed: a foreign key's action writes a table the statement never names. `DELETE FROM tiers WHERE id = 1`,
//   approved, ran ON DELETE SET NULL on vault, whose NOT NULL failed with "Failing row contains (1, null,
//   <password>)"; `UPDATE tiers SET id = 200` cascaded into vault's CHECK the same way. Error texts were withheld only
//   for the masked columns of the tables the statement names; a text about a table (its table field) with masked
//   columns is now withheld too (message-screen.ts).
// - Fixed: DDL that computes over the rows a table holds. An approved CREATE INDEX on (CASE WHEN substr(password,
//   1, 1) = 'M' THEN 1 / 0 ELSE 1 END), a partial index's WHERE, an added CHECK or EXCLUDE constraint, CREATE
//   STATISTICS on an expression (at ANALYZE), a trigger's WHEN or a rule's WHERE (at each later write), ALTER COLUMN
//   … TYPE varchar(20) without USING (22001 once any password is longer), or a parent PARTITION BY RANGE (password)
//   that credentials is then attached to FOR VALUES FROM ('A') TO ('N') (refused while any row is outside) each
//   answered one bit of a secret a statement, where the same expression in a SELECT is denied as a probe. These
//   expressions and keys now count as predicates (engine/normalize/sql/lineage.ts), and the probe rule denies them.
// - Fixed: a trigger function handing on its row. Approved, `INSERT INTO stash(v) VALUES (NEW::text)` (or
//   json_each_text(to_json(NEW)), or `DECLARE x text := NEW.password` then x) on an AFTER UPDATE trigger of
//   credentials put every row another session wrote, passwords and keys included, into stash.v, which a plain
//   read gave back whole; `NEW.label := NEW.api_key` laundered keys into label. An expression reading a field of
//   NEW / OLD is now judged even with no table or function in it (nested.ts), and a body using the whole row is
//   denied where column masking applies (masks_stored.rego).
// - Held: each client has its own server session (no pooling): another session's prepared statements, cursors and
//   statement text are not in pg_prepared_statements, pg_cursors, pg_locks, pg_prepared_xacts or the readable
//   columns of pg_stat_activity (nor through a whole-row reference in LATERAL, NATURAL JOIN or to_jsonb); EXECUTE of
//   its statement is refused, FETCH of its cursor fails; the session's role cannot be switched (SET SESSION
//   AUTHORIZATION, SET ROLE NONE, RESET ROLE), and PREPARE TRANSACTION, currval and lastval are refused.
// Statements the default policy holds for approval are approved here by a human dba.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 5 })
  await h.cluster.query(LEAK_SEED_SQL)
  await h.cluster.query(`SET ROLE warden;
    CREATE TABLE tiers (id int PRIMARY KEY, title text NOT NULL);
    INSERT INTO tiers VALUES (1, 'gold'), (2, 'silver');
    CREATE TABLE vault (
      id int PRIMARY KEY,
      tier_id int NOT NULL REFERENCES tiers(id) ON DELETE SET NULL ON UPDATE CASCADE CHECK (tier_id < 100),
      password text NOT NULL
    );
    INSERT INTO vault VALUES (1, 1, 'Marzipan-Quokka-5113'), (2, 2, 'Tangerine!Vortex#7782');
    RESET ROLE`)
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

test('a foreign key action writing a table the statement does not name (ON DELETE SET NULL, ON UPDATE CASCADE): its failing row is withheld', async () => {
  const c = await session()
  for (const [sql, code] of [['DELETE FROM tiers WHERE id = 1', '23502'], ['UPDATE tiers SET id = 200 WHERE id = 2', '23514']] as const) {
    const got = await query(c, sql)
    assert.equal(got.leaks, [], sql)
    assert.match(got.errors.join(), new RegExp(`^${code}: warden: the server's error text was withheld because it is about table vault, whose row or key it may repeat, and that table has masked columns \\(password\\)`), sql)
  }
  // The session goes on, and a plain error about a table without masked columns still reads as the server wrote it.
  assert.equal((await query(c, 'SELECT 1 AS alive')).rows, [['1']])
  assert.match((await query(c, "INSERT INTO tiers VALUES (1, 'again')")).errors.join(), /^23505: duplicate key value violates unique constraint "tiers_pkey"$/)
  c.close()
  assert.equal(await h.cluster.query('SELECT count(*)::int AS n FROM vault WHERE tier_id IS NULL OR tier_id >= 100'), [{ n: 0 }])
})

test('DDL computing over the rows of a column masked whole (index and statistics expressions, CHECK, EXCLUDE, a trigger\'s WHEN, a rule\'s WHERE, a type change, a partition key) is denied, approved or not', async () => {
  const c = await session()
  // Each would answer one bit a statement: built (or valid) or not, whatever the reviewer saw.
  for (const sql of [
    "CREATE INDEX probe_ix ON credentials ((CASE WHEN substr(password, 1, 1) = 'M' THEN 1 / 0 ELSE 1 END))",
    'CREATE INDEX probe_ix ON credentials (id) WHERE 1 / (ascii(api_key) - 119) > 0',
    "ALTER TABLE credentials ADD CONSTRAINT probe_ck CHECK (substr(client_secret, 4, 1) <> 'X')",
    'ALTER TABLE credentials ADD CONSTRAINT probe_ex EXCLUDE USING btree ((left(password, 1)) WITH =)',
    'CREATE STATISTICS probe_st ON (ascii(access_token)) FROM credentials',
    // On every later write: the builtin trigger function runs only where WHEN holds, and WHEN divides by zero.
    'CREATE TRIGGER probe_tg BEFORE UPDATE ON credentials FOR EACH ROW WHEN (1 / (ascii(NEW.password) - 77) > 0) EXECUTE FUNCTION suppress_redundant_updates_trigger()',
    "CREATE RULE probe_rl AS ON UPDATE TO credentials WHERE substr(NEW.api_key, 9, 1) = 'Q' DO ALSO SELECT 1 / 0",
    // A parent credentials could be attached to FOR VALUES FROM ('M') TO ('N'): refused while any row is outside.
    'CREATE TABLE probe_pp (LIKE credentials) PARTITION BY RANGE (password)',
    // Fails (22001) once any password is longer than the limit: their longest length, by halving.
    'ALTER TABLE credentials ALTER COLUMN password TYPE varchar(20)',
    // A new table's constraints run on every row written later: INSERT INTO probe_cp SELECT id, password FROM
    // credentials then failed with division_by_zero (22012) or not.
    'CREATE TABLE probe_cp (id int, password text, CHECK (1 / (ascii(password) - 77) > 0))',
    'CREATE TABLE probe_cc (id int, password text CHECK (1 / (ascii(password) - 77) > 0))',
    'CREATE TABLE probe_ce (id int, password text, EXCLUDE USING btree ((left(password, 1)) WITH =))',
  ]) {
    const got = await query(c, sql)
    assert.equal(got.leaks, [], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: .*is masked whole/, sql)
  }
  // Plain columns and lookups by a given value still only need approval.
  for (const sql of ['CREATE INDEX plain_ix ON credentials (password) WHERE api_key IS NOT NULL', "ALTER TABLE credentials ADD CONSTRAINT plain_ck CHECK (password <> 'changeme')",
    'ALTER TABLE credentials ALTER COLUMN label TYPE varchar(40)', "CREATE TABLE plain_cp (id int, password text CHECK (password <> 'changeme'))"]) {
    assert.equal((await query(c, sql)).errors, [], sql)
  }
  c.close()
  assert.equal(await h.cluster.query("SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'probe%'"), [{ n: 0 }])
  assert.equal(await h.cluster.query("SELECT count(*)::int AS n FROM pg_constraint WHERE conname LIKE 'probe%'"), [{ n: 0 }])
  assert.equal(await h.cluster.query("SELECT count(*)::int AS n FROM pg_trigger WHERE tgname LIKE 'probe%'"), [{ n: 0 }])
  assert.equal(await h.cluster.query("SELECT count(*)::int AS n FROM pg_rewrite WHERE rulename LIKE 'probe%'"), [{ n: 0 }])
})

test('a trigger function handing on its row (NEW::text, to_json(NEW), a variable set from NEW.password) is denied: other sessions\' writes would land unmasked', async () => {
  const c = await session()
  assert.equal((await query(c, 'CREATE TABLE stash (v text)')).errors, [])
  const bodies = [
    'BEGIN INSERT INTO stash(v) VALUES (NEW::text); RETURN NEW; END',
    'BEGIN INSERT INTO stash(v) SELECT x FROM json_each_text(to_json(NEW)) AS j(k, x); RETURN NEW; END',
    'DECLARE x text := NEW.password; BEGIN INSERT INTO stash(v) VALUES (x); RETURN NEW; END',
    'BEGIN NEW.label := NEW.api_key; RETURN NEW; END',
    // The row under another name: an ALIAS of NEW, or NEW qualified by the function's name (its outer block's label).
    'DECLARE n ALIAS FOR new; BEGIN n.label := n.api_key; RETURN n; END',
    'BEGIN NEW.label := keep5.new.api_key; RETURN NEW; END',
  ]
  for (const [i, body] of bodies.entries()) {
    const got = await query(c, `CREATE FUNCTION keep${i}() RETURNS trigger LANGUAGE plpgsql AS $$ ${body} $$`)
    assert.match(got.errors.join(), /^42501: warden: denied: .*(whole row|keeps values of masked column)/, body)
  }
  // A trigger function that names harmless fields only still needs approval alone.
  assert.equal((await query(c, 'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.label := lower(NEW.label); RETURN NEW; END $$')).errors, [])
  c.close()
  assert.equal(await h.cluster.query("SELECT count(*)::int AS n FROM pg_proc WHERE proname LIKE 'keep%'"), [{ n: 0 }])
})

const MARKER = 'b-session-Zq8Vw3'

test('held: another session\'s prepared statements, cursors, locks and statement text are out of reach, and its role stays', async () => {
  const b = await session()
  // Its last statement (pg_stat_activity.query) carries the marker.
  for (const sql of [`PREPARE b1 AS SELECT '${MARKER}' AS note, password FROM credentials`, 'BEGIN', 'LOCK TABLE orders IN SHARE MODE',
    `DECLARE bc CURSOR WITH HOLD FOR SELECT '${MARKER}' AS note, api_key FROM credentials`]) {
    assert.equal((await query(b, sql)).errors, [], sql)
  }
  const a = await session()
  for (const sql of ['SELECT name, statement, parameter_types::text FROM pg_prepared_statements', 'SELECT name, statement FROM pg_cursors',
    'SELECT locktype, relation::regclass::text, pid, mode, classid, objid FROM pg_locks', 'SELECT gid, owner FROM pg_prepared_xacts',
    'SELECT pid, application_name, client_addr, state, backend_xid, query_id FROM pg_stat_activity']) {
    const got = await query(a, sql)
    assert.equal([got.errors, got.leaks], [[], []], sql)
    assert.not.ok(JSON.stringify(got.rows).includes(MARKER), `${sql}: another session's statement text came back`)
  }
  // The gateway knows each session's own names only; the server has no other session's either.
  assert.match((await query(a, 'EXECUTE b1')).errors.join(), /^42501: .*runs prepared statement b1, which Warden has not seen/)
  assert.match((await query(a, 'FETCH ALL bc')).errors.join(), /^34000: /)
  for (const sql of ['SELECT x FROM pg_stat_activity a, LATERAL (SELECT a) x', "SELECT 1 FROM pg_stat_activity NATURAL JOIN (SELECT 'x' AS query) q",
    'SELECT j FROM pg_stat_activity a, LATERAL (SELECT to_jsonb(a) AS j) x', 'SELECT query FROM pg_stat_activity a JOIN pg_stat_activity b USING (query)']) {
    const got = await query(a, sql)
    assert.match(got.errors.join(), /^42501: warden: denied: .*other sessions' statement text/, sql)
    assert.not.ok(JSON.stringify(got).includes(MARKER), sql)
  }
  assert.equal(await h.cluster.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%${MARKER}%' AND pid <> pg_backend_pid()`), [{ n: 1 }], 'the marker is there to find')
  for (const sql of ['SET SESSION AUTHORIZATION postgres', 'SET ROLE NONE', 'RESET ROLE', 'RESET SESSION AUTHORIZATION', "PREPARE TRANSACTION 'g1'", 'SELECT lastval()', "SELECT currval('orders_id_seq')"]) {
    const got = await query(a, sql)
    assert.match(got.errors.join(), /^42501: warden: denied/, sql)
  }
  assert.equal((await query(a, 'SELECT current_user AS u, session_user AS s')).rows, [['warden', 'warden']])
  a.close()
  b.close()
})

test.run()
