// A tenth attacker's review: session state that code the gateway cannot see into changes, against a real PostgreSQL
// 15 (real psql and a byte-exact client). Tests named "held" passed before any fix and stay as regressions.
// - Fixed: a trigger or function (dynamic SQL) can move the session's search_path, or its role (the `$user` of the
//   search_path), with set_config(…, false); PostgreSQL 15 reports neither. The gateway kept judging unqualified
//   names as the session started, so after an approved UPDATE of a table with such a trigger, `users` named a view
//   showing passwords as `name`: plain reads failed closed (the RowDescription names the view), but derived values
//   did not (`upper(name)`, `name || ''`, `max(name)`, a cast error quoting it). The gateway now asks the server after
//   a run that may run code (search-path-watch.ts), and judges with schema-qualified names only until it has.
// - Fixed: a scalar function outside pg_catalog in WHERE whose cast error quotes what it returned (`WHERE
//   peek()::int = 1`, peek reading a password): the error is raised outside the function, with no routine in its
//   context. Where column masking applies, such a call now withholds the statement's error texts (result-statement.ts).
// - Fixed: a search_path the role or database is configured with (ALTER ROLE … SET search_path, by an administrator)
//   was never compared with the one the catalog resolves names with ("$user", public): sessions were judged on
//   public.users while the server read shadow.users. The first statement of a session now waits for a probe.
// - Fixed: such a trigger can write what it read into the search_path itself (`set_config('search_path', '"' || p ||
//   '", public', false)`), which SHOW search_path then showed. Once the gateway finds the search_path moved unseen,
//   SHOW search_path is refused.
// - Fixed: EXPLAIN prints the plan's constants, and the planner computes a call of an IMMUTABLE function with constant
//   arguments into one: `EXPLAIN SELECT id FROM users WHERE name = fixed()` printed `Filter: (name = '<the password
//   fixed read>'::text)` once the call was approved. Under column masks the policy now denies EXPLAIN of a call not
//   known to compute only from its arguments (masks_lineage.rego).
// - Held: COPY TO STDOUT, WITH HOLD cursors, EXPLAIN (ANALYZE, VERBOSE), pg_stat_activity, PREPARE TRANSACTION and
//   LISTEN/NOTIFY gave back no masked value (see the last test).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions, outcomeOf } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { runPsql } from './testing/psql.ts'
import { rawMessages as m } from './testing/raw-client.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 20 })
  await h.cluster.query(LEAK_SEED_SQL)
  await h.cluster.query(`CREATE ROLE mover NOLOGIN; GRANT mover TO warden; CREATE SCHEMA mover AUTHORIZATION warden; GRANT USAGE ON SCHEMA mover TO mover`)
  await h.cluster.query(`SET ROLE warden;
    CREATE SCHEMA shadow;
    CREATE VIEW shadow.users AS SELECT c.id, k.password AS name, 'x'::text AS plan FROM customers c JOIN credentials k ON k.customer_id = c.id;
    CREATE VIEW mover.users AS SELECT * FROM shadow.users;
    GRANT SELECT ON mover.users TO mover;
    CREATE FUNCTION path() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN EXECUTE 'SELECT set_' || 'config(''search_path'', ''shadow, public'', false)'; RETURN NEW; END $$;
    CREATE TABLE jobs (id int PRIMARY KEY, state text);
    INSERT INTO jobs VALUES (1, 'new');
    CREATE TRIGGER path BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION path();
    CREATE TABLE plain_jobs (id int PRIMARY KEY, state text);
    INSERT INTO plain_jobs VALUES (1, 'new');
    CREATE FUNCTION tidy() RETURNS int LANGUAGE plpgsql AS $$
      BEGIN EXECUTE 'SELECT set_' || 'config(''search_path'', ''shadow, public'', false)'; RETURN 1; END $$;
    CREATE FUNCTION become() RETURNS int LANGUAGE plpgsql AS $$
      BEGIN EXECUTE 'SELECT set_' || 'config(''role'', ''mover'', false)'; RETURN 1; END $$;
    CREATE FUNCTION stash() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE p text;
      BEGIN EXECUTE 'SELECT pass' || 'word FROM credentials WHERE id = 3' INTO p;
      PERFORM set_config('search_path', '"' || p || '", public', false); RETURN NEW; END $$;
    CREATE TABLE stash_jobs (id int PRIMARY KEY, state text);
    INSERT INTO stash_jobs VALUES (1, 'new');
    CREATE TRIGGER stash BEFORE UPDATE ON stash_jobs FOR EACH ROW EXECUTE FUNCTION stash();
    CREATE FUNCTION fixed() RETURNS text IMMUTABLE LANGUAGE plpgsql AS $$ DECLARE p text;
      BEGIN EXECUTE 'SELECT pass' || 'word FROM credentials WHERE id = 3' INTO p; RETURN p; END $$;
    CREATE FUNCTION fixed_sql() RETURNS text IMMUTABLE LANGUAGE sql AS 'SELECT password FROM credentials WHERE id = 1';
    CREATE FUNCTION peek() RETURNS text LANGUAGE plpgsql AS $$ DECLARE p text;
      BEGIN EXECUTE 'SELECT pass' || 'word FROM credentials WHERE id = 2' INTO p; RETURN p; END $$;
    RESET ROLE`)
})
test.after(async () => {
  await h?.stop()
})

const { session, query, approving } = attackSessions(() => h)
const DERIVED = ['SELECT upper(name) FROM users', "SELECT name || '' AS n FROM users", 'SELECT max(name) FROM users', 'SELECT name::int FROM users', "SELECT id FROM users WHERE name LIKE 'T%'"]
const PASSWORDS = /Marzipan|Tangerine|Obsidian|MARZIPAN|TANGERINE|OBSIDIAN/

test('a trigger moves the search_path: values derived from the column it shadows never come back', async () => {
  const c = await session()
  assert.equal((await query(c, 'SELECT upper(name) FROM users ORDER BY id LIMIT 1')).rows, [['ADA LOVELACE']], 'before: the real table')
  const update = await query(c, "UPDATE jobs SET state = 'done' WHERE id = 1")
  assert.equal(update.errors, [])
  for (const sql of DERIVED) {
    const got = await query(c, sql)
    assert.equal([got.leaks, got.rows], [[], []], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: .*relation users is not in the catalog/, sql)
  }
  assert.equal((await query(c, 'SELECT upper(name) FROM public.users ORDER BY id LIMIT 1')).rows, [['ADA LOVELACE']], 'qualified names still resolve')
  c.close()
})

test('a function called in a read moves the search_path, or the role (`$user`): derived values never come back', async () => {
  for (const move of ['SELECT 1 AS one WHERE tidy() = 1', 'SELECT 1 AS one WHERE become() = 1']) {
    const c = await session()
    assert.equal((await query(c, move)).rows, [['1']], move)
    for (const sql of DERIVED) {
      const got = await query(c, sql)
      assert.equal([got.leaks, got.rows], [[], []], `${move}: ${sql}`)
      assert.match(got.errors.join(), /^42501: warden: denied: /, `${move}: ${sql}`)
    }
    c.close()
  }
})

test('the move and the read in one query string: the read is judged with qualified names only', async () => {
  const c = await session()
  const got = await query(c, "UPDATE jobs SET state = 'again' WHERE id = 1; SELECT upper(name) FROM users")
  assert.equal([got.leaks, got.rows], [[], []])
  assert.match(got.errors.join(), /^42501: warden: denied: .*relation users is not in the catalog/)
  c.close()
})

test('the move and the read in one extended batch, or pipelined behind its Sync: nothing derived comes back', async () => {
  const update = [m.parse('', "UPDATE jobs SET state = 'x' WHERE id = 1"), m.bind('', ''), m.execute('')]
  const read = [m.parse('', 'SELECT upper(name) FROM users'), m.bind('', ''), m.execute('')]
  for (const [label, messages] of [['one batch', [...update, ...read, m.sync()]], ['pipelined', [...update, m.sync(), ...read, m.sync()]]] as const) {
    const c = await session()
    c.take()
    c.send(...messages)
    await approving(c.until((fs) => c.closed || fs.filter((f) => f.type === 'Z').length >= (label === 'pipelined' ? 2 : 1), 30_000))
    const got = outcomeOf(c.take())
    assert.equal([got.leaks, got.rows], [[], []], label)
    assert.ok(!got.errors.some((e) => PASSWORDS.test(e)), label)
    assert.match(got.errors.join(), label === 'pipelined' ? /42501: warden: a function or trigger moved this session's search_path/ : /42501: warden: denied: /, label)
    c.close()
  }
})

test('statements prepared before the move (Parse, SQL PREPARE) are judged again when they run after it', async () => {
  const c = await session()
  c.take()
  c.send(m.parse('early', 'SELECT upper(name) FROM users ORDER BY id LIMIT 1'), m.sync())
  await c.readyCount(1, 30_000)
  assert.equal((await query(c, 'PREPARE also AS SELECT max(name) FROM users')).errors, [])
  assert.equal((await query(c, "UPDATE jobs SET state = 'prepared' WHERE id = 1")).errors, [])
  c.take()
  c.send(m.bind('', 'early'), m.execute(''), m.sync())
  await approving(c.readyCount(1, 30_000))
  const early = outcomeOf(c.take())
  assert.equal([early.leaks, early.rows], [[], []])
  assert.match(early.errors.join(), /^42501: warden: denied: /)
  const also = await query(c, 'EXECUTE also')
  assert.equal([also.leaks, also.rows], [[], []])
  assert.match(also.errors.join(), /^42501: warden: denied: /)
  c.close()
})

test('a trigger writes a password into the search_path: SHOW search_path is refused from then on', async () => {
  const c = await session()
  assert.equal((await query(c, 'SHOW search_path')).rows, [['"$user", public']], 'before: shown')
  assert.equal((await query(c, "UPDATE stash_jobs SET state = 'done' WHERE id = 1")).errors, [])
  for (const sql of ['SHOW search_path', 'SHOW "search_path"']) {
    const got = await query(c, sql)
    assert.equal([got.leaks, got.rows], [[], []], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: a function or trigger moved this session's search_path/, sql)
  }
  c.close()
})

test('held: the probe inside the client\'s transaction leaves it as it was', async () => {
  const c = await session()
  for (const sql of ['BEGIN', "UPDATE plain_jobs SET state = 'in-tx' WHERE id = 1", 'SELECT 1', 'COMMIT']) {
    assert.equal((await query(c, sql)).errors, [], sql)
  }
  assert.equal(await h.cluster.query('SELECT state FROM plain_jobs WHERE id = 1'), [{ state: 'in-tx' }])
  c.close()
})

test('held: writes without triggers, failed transactions and plain pipelines keep unqualified names', async () => {
  const c = await session()
  assert.equal((await query(c, "UPDATE plain_jobs SET state = 'done' WHERE id = 1")).errors, [])
  const read = await query(c, 'SELECT email FROM users ORDER BY id LIMIT 1')
  assert.equal([read.errors, read.leaks, read.rows.length], [[], [], 1])
  for (const sql of ['BEGIN', 'SELECT 1/0', 'ROLLBACK']) await query(c, sql)
  assert.equal((await query(c, 'SELECT upper(name) FROM users ORDER BY id LIMIT 1')).rows, [['ADA LOVELACE']])
  c.take()
  const one = [m.parse('', 'SELECT upper(name) FROM users ORDER BY id LIMIT 1'), m.bind('', ''), m.execute(''), m.sync()]
  c.send(...one, ...one, ...one)
  await c.readyCount(3, 30_000)
  assert.equal(outcomeOf(c.take()).rows, [['ADA LOVELACE'], ['ADA LOVELACE'], ['ADA LOVELACE']])
  c.close()
})

test('psql: after an approved UPDATE whose trigger moves the search_path, derived reads give back no password', async () => {
  const token = await h.agentToken()
  const run = await approving(runPsql({ port: h.port, database: 'prod-db', token, script: `UPDATE jobs SET state = 'psql' WHERE id = 1;\n${DERIVED.map((s) => `${s};`).join('\n')}\n` }))
  assert.not.match(run.stdout + run.stderr, PASSWORDS)
  assert.match(run.stderr, /warden: denied/)
})

test('a scalar function outside pg_catalog whose cast error would quote what it read: the error text is withheld', async () => {
  const c = await session()
  for (const sql of ['SELECT 1 WHERE peek()::int = 1', 'SELECT 1 WHERE peek()::date IS NULL', "SELECT 1 WHERE length(peek()) = 3 OR peek()::int = 1"]) {
    const got = await query(c, sql)
    assert.equal(got.leaks, [], sql)
    assert.ok(!got.errors.some((e) => PASSWORDS.test(e)), sql)
    assert.match(got.errors.join(), /^22\w{3}: warden: the server's error text was withheld because the statement reads masked columns \(peek\(\) \(a function whose reads the gateway does not judge\)\)/, sql)
  }
  assert.match((await query(c, "SELECT 'abc'::int")).errors.join(), /^22P02: invalid input syntax for type integer: "abc"$/, 'built-ins keep their errors')
  c.close()
})

test('EXPLAIN of a call of an immutable function outside pg_catalog: the constant the planner made of it never comes back', async () => {
  const c = await session()
  for (const sql of [
    'EXPLAIN (VERBOSE, COSTS OFF) SELECT id FROM users WHERE name = fixed()', 'EXPLAIN (COSTS OFF) SELECT id FROM users WHERE name = fixed_sql()',
    'EXPLAIN (VERBOSE, COSTS OFF) SELECT fixed() AS v', 'EXPLAIN (COSTS OFF) SELECT id FROM users WHERE id IN (SELECT id FROM users WHERE name = fixed())',
  ]) {
    const got = await query(c, sql)
    assert.equal([got.leaks, got.rows], [[], []], sql)
    assert.match(got.errors.join(), /^42501: warden: denied: .*explains a call of (?:fixed|fixed_sql), which is not known to compute only from its arguments/, sql)
  }
  assert.equal((await query(c, 'EXPLAIN (COSTS OFF) SELECT id FROM users WHERE name = upper(\'x\')')).errors, [], 'built-ins are explained')
  c.close()
})

test('held: COPY TO STDOUT, WITH HOLD cursors, EXPLAIN ANALYZE VERBOSE, pg_stat_activity, PREPARE TRANSACTION, NOTIFY', async () => {
  const c = await session()
  for (const sql of [
    'COPY (SELECT password FROM credentials) TO STDOUT', 'COPY credentials TO STDOUT',
    'BEGIN', 'DECLARE k CURSOR WITH HOLD FOR SELECT password FROM credentials', 'COMMIT', 'FETCH ALL FROM k',
    "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF) SELECT * FROM credentials WHERE password = 'Tangerine!Vortex#7782'",
    "EXPLAIN (ANALYZE, VERBOSE, COSTS OFF) SELECT count(*) FROM credentials WHERE password LIKE 'T%'",
    'SELECT query FROM pg_stat_activity', "PREPARE TRANSACTION 'x'", 'LISTEN ch', "SELECT pg_notify('ch', password) FROM credentials",
    'SELECT password FROM credentials; SELECT upper(password) FROM credentials',
  ]) {
    const got = await query(c, sql)
    assert.equal(got.leaks, [], sql)
  }
  c.close()
})

test('a search_path the role is configured with (ALTER ROLE … SET): the first statement of a session is judged after a probe', async () => {
  await h.cluster.query('ALTER ROLE warden SET search_path = shadow, public')
  try {
    for (const first of DERIVED.slice(0, 2)) {
      const c = await session()
      const got = await query(c, first)
      assert.equal([got.leaks, got.rows], [[], []], first)
      assert.match(got.errors.join(), /^42501: warden: denied: .*relation users is not in the catalog/, first)
      c.close()
    }
  } finally {
    await h.cluster.query('ALTER ROLE warden RESET search_path')
  }
  const c = await session()
  assert.equal((await query(c, 'SELECT upper(name) FROM users ORDER BY id LIMIT 1')).rows, [['ADA LOVELACE']], 'the default again')
  c.close()
})

test('the server ran nothing the gateway did not allow', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
