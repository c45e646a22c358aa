// A ninth attacker's review, of wire and session handling, against a real PostgreSQL 15. Tests named "held" passed
// before any fix and stay as regressions.
// - Fixed: a write's deferred checks fire at the end of its transaction (COMMIT, the Sync of an extended batch, SET
//   CONSTRAINTS … IMMEDIATE, which agents may not run), answering a statement that names no masked column: a deferrable foreign key's error
//   there said `Key (password)=(<the old password>) is still referenced`, screened by the detectors alone. The errors
//   and notices of the rest of the transaction are now screened as the write's own were (relay.ts runsUntilCommit).
// - Fixed: the settings the server reports (ParameterStatus) went to the client as they came. A function or trigger
//   whose body the gateway cannot read (dynamic SQL) could `set_config('application_name', <a password>, false)`:
//   the value came back in ParameterStatus, then in SHOW, current_setting and pg_stat_activity. A reported value of
//   free text no judged statement set now ends the session unsent (reported-settings.ts).
// - Fixed: a notice or error raised inside a trigger, or a function whose SQL is built at run time, went through the
//   detectors alone, however it was made: `RAISE NOTICE 'checked %', <a password read by EXECUTE>` came back whole.
//   Where column masking applies, a message whose context names a routine (other than a DO block's own body,
//   judged with the statement) now keeps its SQLSTATE, position and object names only (message-screen.ts).
// - Fixed in part: such a trigger can also move the session's search_path (set_config), which PostgreSQL 15 does not
//   report: `users` then named a view in another schema showing passwords as `name`, and the gateway, resolving
//   names with the default search_path, masked by public.users. A result column the server says comes from a relation
//   of the judged relation's name in another schema now has unknown lineage (result-columns.ts), so the read fails
//   closed. Values computed from such a column (no origin in RowDescription) and filters on it: fixed in
//   attacks-10-search-path.test.ts (the gateway checks the search_path after code may have run).
// Review of those fixes:
// - Fixed: a judged SET of a setting vouched for any new value of it until ReadyForQuery, so `SET application_name
//   = 'x'; SELECT f()` (or both pipelined before one Sync) passed what f set. With a function or trigger possibly run
//   since the last ReadyForQuery, a SET now vouches only for its value as the server reports it.
// - Fixed: a cast in WHERE of a column of a function's rows in FROM (`FROM f() x WHERE x.v::int = 1`) failed outside
//   f, with no routine in its context: the error repeated the value f read. Such columns are of unknown origin now.
// - Left open: the same with a scalar function (`WHERE f(2)::int = 1`; unknown functions need approval in
//   production): fixed in attacks-10-search-path.test.ts. Settings the server does not report (search_path) set by a
//   trigger, read back with SHOW, remain.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { decodeParameterStatus } from './messages/parameter-status.ts'
import { attackSessions, outcomeOf } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { rawMessages as m } from './testing/raw-client.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 20 })
  await h.cluster.query(LEAK_SEED_SQL)
  await h.cluster.query(`SET ROLE warden;
    CREATE TABLE vault (id int PRIMARY KEY, password text UNIQUE NOT NULL);
    CREATE TABLE vault_uses (id int PRIMARY KEY, password text REFERENCES vault (password) DEFERRABLE INITIALLY DEFERRED);
    INSERT INTO vault VALUES (1, 'Marzipan-Quokka-5113'), (2, 'Tangerine!Vortex#7782'), (3, 'Obsidian~Pelican~0347');
    INSERT INTO vault_uses VALUES (1, 'Marzipan-Quokka-5113'), (2, 'Tangerine!Vortex#7782'), (3, 'Obsidian~Pelican~0347');
    CREATE FUNCTION tidy() RETURNS void LANGUAGE plpgsql AS $$ DECLARE p text;
      BEGIN EXECUTE 'SELECT pass' || 'word FROM credentials WHERE id = 2' INTO p; PERFORM set_config('application_name', p, false); END $$;
    CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE p text;
      BEGIN EXECUTE 'SELECT pass' || 'word FROM credentials WHERE id = 3' INTO p; PERFORM set_config('timezone', '<' || regexp_replace(p, '[^A-Za-z]', '', 'g') || '>+3', false); RETURN NEW; END $$;
    CREATE TABLE notes (id int PRIMARY KEY, body text);
    INSERT INTO notes VALUES (1, 'a');
    CREATE TRIGGER stamp BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION stamp();
    CREATE FUNCTION chatty() RETURNS trigger LANGUAGE plpgsql AS $$ DECLARE p text;
      BEGIN EXECUTE 'SELECT pass' || 'word FROM credentials WHERE id = ' || NEW.id INTO p;
      IF NEW.body = 'notice' THEN RAISE NOTICE 'checked %', p USING DETAIL = p; END IF;
      IF NEW.body = 'raise' THEN RAISE EXCEPTION 'refused %', p USING HINT = p; END IF;
      IF NEW.body = 'cast' THEN PERFORM p::int; END IF;
      RETURN NEW; END $$;
    CREATE TABLE memos (id int PRIMARY KEY, body text);
    INSERT INTO memos VALUES (1, 'a'), (2, 'b'), (3, 'c');
    CREATE TRIGGER chatty BEFORE UPDATE ON memos FOR EACH ROW EXECUTE FUNCTION chatty();
    CREATE SCHEMA shadow;
    CREATE VIEW shadow.users AS SELECT c.id, k.password AS name, 'x'::text AS plan FROM customers c JOIN credentials k ON k.customer_id = c.id;
    CREATE FUNCTION path() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN EXECUTE 'SELECT set_' || 'config(''search_path'', ''shadow, public'', false)'; RETURN NEW; END $$;
    CREATE TABLE jobs (id int PRIMARY KEY, state text);
    INSERT INTO jobs VALUES (1, 'new');
    CREATE TRIGGER path BEFORE UPDATE ON jobs FOR EACH ROW EXECUTE FUNCTION path();
    CREATE FUNCTION listing() RETURNS TABLE (v text) LANGUAGE plpgsql AS $$
      BEGIN RETURN QUERY EXECUTE 'SELECT pass' || 'word FROM credentials ORDER BY id'; END $$;
    CREATE FUNCTION loud(n int) RETURNS int LANGUAGE plpgsql AS $$ DECLARE p text;
      BEGIN EXECUTE 'SELECT pass' || 'word FROM credentials WHERE id = $1' INTO p USING n; RAISE NOTICE 'row %', p; RETURN n; END $$;
    RESET ROLE`)
})
test.after(async () => {
  await h?.stop()
})

const { session, query, approving } = attackSessions(() => h)
const fkWithheld = /^23503: warden: the server's error text was withheld because an earlier statement of this transaction wrote or holds a cursor over masked columns \(password\)/
const vault = async () => (await h.cluster.query<{ password: string }>('SELECT password FROM vault ORDER BY id')).map((r) => r.password)

test('a deferred foreign key failing at COMMIT after a write of a masked column: its DETAIL is withheld', async () => {
  const before = await vault()
  const c = await session()
  for (const write of ["UPDATE vault SET password = 'x' WHERE id = 1", 'DELETE FROM vault WHERE id = 2']) {
    assert.equal((await query(c, 'BEGIN')).errors, [])
    assert.equal((await query(c, write)).errors, [], write)
    const commit = await query(c, 'COMMIT')
    assert.equal(commit.leaks, [], write)
    assert.is(commit.errors.length, 1, write)
    assert.match(commit.errors[0]!, fkWithheld, write)
  }
  // Outside the transaction, other errors come back as they are.
  assert.match((await query(c, 'SELECT 1/0')).errors.join(), /^22012: division by zero$/)
  c.close()
  assert.equal(await vault(), before)
})

test('a deferred foreign key failing at the Sync of an extended batch: its DETAIL is withheld', async () => {
  const before = await vault()
  const c = await session()
  c.send(m.parse('', "UPDATE vault SET password = 'y' WHERE id = 1"), m.bind('', ''), m.execute(''), m.sync())
  await approving(c.readyCount(1, 30_000))
  const got = outcomeOf(c.take())
  assert.equal(got.leaks, [])
  assert.is(got.errors.length, 1)
  assert.match(got.errors[0]!, fkWithheld)
  c.close()
  assert.equal(await vault(), before)
})

test('a setting a function sets to a secret (application_name) ends the session; the value never reaches the client', async () => {
  const c = await session()
  const got = await query(c, 'SELECT 1 WHERE tidy() IS NULL')
  assert.equal(got.leaks, [])
  assert.ok(!got.types.includes('S'), got.types)
  assert.match(got.errors.join(), /^42501: warden: the server reported a new value of application_name that no statement the gateway judged set/)
  await c.until(() => c.closed)
  assert.ok(h.te.audit.events.some((e) => e.type === 'error' && (e as { code?: string }).code === 'postgres.setting_changed'))
})

test('a setting a trigger sets from a secret (TimeZone) ends the session; the value never reaches the client', async () => {
  const c = await session()
  const got = await query(c, "UPDATE notes SET body = 'b' WHERE id = 1")
  assert.equal(got.leaks, [])
  assert.ok(!got.types.includes('S'), got.types)
  assert.ok(!JSON.stringify(got).includes('ObsidianPelican'), JSON.stringify(got))
  assert.match(got.errors.join(), /^42501: warden: the server reported a new value of timezone/i)
  await c.until(() => c.closed)
})

test('a notice or error raised inside a trigger or function whose dynamic SQL read a secret: its texts are withheld', async () => {
  const c = await session()
  for (const [sql, code] of [
    ["UPDATE memos SET body = 'notice' WHERE id = 1", '00000'],
    ["UPDATE memos SET body = 'raise' WHERE id = 2", 'P0001'],
    ["UPDATE memos SET body = 'cast' WHERE id = 3", '22P02'],
  ] as const) {
    c.take()
    c.send(m.query(sql))
    await approving(c.readyCount(1, 30_000))
    const frames = c.take()
    const got = outcomeOf(frames)
    assert.equal(got.leaks, [], sql)
    const texts = frames.filter((f) => f.type === 'N' || f.type === 'E').map((f) => f.payload.toString('utf8')).join('\n')
    assert.match(texts, `withheld because it was raised inside function chatty(), whose reads the gateway does not judge, where results are masked; SQLSTATE ${code}`, sql)
  }
  const called = await query(c, 'SELECT 1 AS one WHERE loud(2) IS NOT NULL')
  assert.equal([called.leaks, called.rows], [[], [['1']]])
  assert.equal((await query(c, "UPDATE memos SET body = 'quiet' WHERE id = 1")).errors, [], 'the session goes on')
  c.close()
})

test('a trigger that moves the search_path to a view renaming passwords: a read of the name it shadows fails closed', async () => {
  const c = await session()
  const read = 'SELECT name, plan FROM users ORDER BY id LIMIT 2'
  assert.equal((await query(c, read)).rows, [['Ada Lovelace', 'pro'], ['Grace Hopper', 'team']])
  assert.equal((await query(c, "UPDATE jobs SET state = 'done' WHERE id = 1")).errors, [])
  // The gateway checks the search_path after the trigger could run, and resolves qualified names only from then on
  // (attacks-10-search-path.test.ts); before that fix the result columns' origin failed the read (masking failed).
  const simple = await query(c, read)
  assert.equal([simple.rows, simple.leaks], [[], []])
  assert.match(simple.errors.join(), /^42501: warden: denied: .*relation users is not in the catalog/)
  c.take()
  c.send(m.parse('', read), m.bind('', ''), m.execute(''), m.sync())
  await approving(c.readyCount(1, 30_000))
  const extended = outcomeOf(c.take())
  assert.equal([extended.rows, extended.leaks], [[], []])
  assert.match(extended.errors.join(), /^42501: warden: denied: .*relation users is not in the catalog/)
  c.close()
})

test('a judged SET of the setting in the same simple query or pipeline as the function: the value never reaches the client', async () => {
  const secret = (await h.cluster.query<{ password: string }>('SELECT password FROM credentials WHERE id = 2'))[0]!.password
  const simple = [m.query("SET application_name = 'x'; SELECT 1 WHERE tidy() IS NULL")]
  const pipelined = [m.parse('', "SET application_name = 'x'"), m.bind('', ''), m.execute(''), m.parse('', 'SELECT 1 WHERE tidy() IS NULL'), m.bind('', ''), m.execute(''), m.sync()]
  for (const messages of [simple, pipelined]) {
    const c = await session()
    c.take()
    c.send(...messages)
    await approving(c.until(() => c.closed, 30_000))
    const frames = c.take()
    assert.ok(!frames.some((f) => f.payload.toString('utf8').includes(secret)), JSON.stringify(outcomeOf(frames)))
    assert.match(outcomeOf(frames).errors.join(), /^42501: warden: the server reported a new value of application_name that no statement the gateway judged set/)
  }
})

test('held: a SET beside other statements in one query, its value as the server reports it (case, offsets, cleaned text): the session goes on', async () => {
  const c = await session()
  for (const set of ["SET TIME ZONE 'utc'", "SET timezone = 'america/new_york'", 'SET TIME ZONE -7', 'SET TIME ZONE 5.5', "SET application_name = 'caf\u00e9 run'"]) {
    const got = await query(c, `${set}; SELECT 1 AS one`)
    assert.equal([got.errors, got.rows], [[], [['1']]], set)
  }
  c.close()
})

test('an error on a value of a function\'s rows in FROM, outside the function (a cast in WHERE): its text is withheld', async () => {
  const c = await session()
  for (const sql of ['SELECT 1 FROM listing() x WHERE x.v::int IS NULL', 'SELECT 1 FROM listing() x WHERE x.v::date IS NULL', 'SELECT 1 FROM listing() WHERE v::jsonb IS NULL', 'SELECT x.v::int FROM listing() x', 'SELECT length(v::jsonb::text) FROM listing()', 'SELECT count(*) FROM listing() x GROUP BY x.v::date']) {
    const got = await query(c, sql)
    assert.equal(got.leaks, [], sql)
    // The policy now denies these before they run (rows of a function it cannot trace, matched or computed on);
    // where one runs, its error text is withheld as of unknown origin (result-statement.test.ts).
    assert.match(got.errors.join(), /^(?:22\w{3}: warden: the server's error text was withheld because the statement reads masked columns \(v \(origin unknown\)\)|42501: warden: denied: )/, sql)
  }
  c.close()
})

test('held: settings changed by SET, SET LOCAL, RESET and a rolled back SET are reported as the server says; the session goes on', async () => {
  const c = await session()
  const reported = (frames: { type: string; payload: Buffer }[]) =>
    frames.filter((f) => f.type === 'S').map((f) => decodeParameterStatus(f.payload)).map((p) => `${p.name}=${p.value}`)
  const steps: [string, string[]][] = [
    ["SET application_name = 'report runner'", ['application_name=report runner']],
    ['SET TIME ZONE -5', ['TimeZone=<-05>+05']],
    ['RESET ALL', ['application_name=', 'TimeZone=Etc/UTC']],
    ["BEGIN; SET LOCAL application_name = 'inside'", ['application_name=inside']],
    ['COMMIT', ['application_name=']],
    ["BEGIN; SET application_name = 'undone'", ['application_name=undone']],
    ['ROLLBACK', ['application_name=']],
    ["SET application_name = 'café'", ['application_name=caf??']],
  ]
  for (const [sql, want] of steps) {
    c.take()
    c.send(m.query(sql))
    await approving(c.readyCount(1, 30_000))
    const frames = c.take()
    assert.equal(outcomeOf(frames).errors, [], sql)
    assert.equal(reported(frames), want, sql)
  }
  c.close()
})

test('the server ran nothing the gateway did not allow', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
