// An eleventh attacker's review: the search_path probe (search-path-watch.ts) against a real PostgreSQL 15, with a
// byte-exact client. Tests named "held" passed before any fix and stay as regressions.
// - Fixed: a statement prepared (and judged) before code moved the search_path, bound after that code in the same
//   extended batch, before any probe: PostgreSQL plans a prepared statement again at Bind when the search_path
//   changed, so `upper(name) FROM users` read shadow.users (passwords). A Bind now judges the statement again, with
//   schema-qualified names only, while code may have moved the names it resolved.
// - Fixed: a probe the server answers with an error (a statement_timeout the client set, a lock, a cancel) left the
//   statements pipelined behind it, judged with the old names, to run: they read through the moved search_path.
//   The session now ends, as when the probe finds the search_path moved.
// - Fixed: such a failure inside the client's open transaction aborted it unseen: the client had been told its
//   UPDATE succeeded, and its COMMIT then rolled back (tag ROLLBACK, no error). The session now ends with a FATAL.
// - Fixed: a CancelRequest with none of the client's statements running was sent to the server, where it cancelled
//   the probe (PostgreSQL ignores a cancel of an idle session). It is now dropped.
// - Fixed: with client_min_messages = debug5 the server's debug notices of the probe (`parse warden_probe_…: SELECT
//   …`) reached the client, giving away the probe's name, which was the same in every session: a statement or
//   cursor of that name (SQL PREPARE, DECLARE) failed every probe. They are dropped, and each session names its own.
// - Held: the probe's rows, errors and ReadyForQuery never reach the client; the unnamed statement and a client
//   portal suspended mid-fetch survive it; an aborted transaction recovers after ROLLBACK; COMMIT firing a deferred
//   trigger that moves the search_path is caught.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import pg from 'pg'
import { encodeCancelRequest } from './messages/cancel-request.ts'
import { decodeErrorResponse } from './messages/error-response.ts'
import { attackSessions, outcomeOf } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, RawClient, rawMessages as m } from './testing/raw-client.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 20 })
  await h.cluster.query(LEAK_SEED_SQL)
  await h.cluster.query(`SET ROLE warden;
    CREATE SCHEMA shadow;
    CREATE VIEW shadow.users AS SELECT c.id, k.password AS name, 'x'::text AS plan FROM customers c JOIN credentials k ON k.customer_id = c.id;
    CREATE TABLE plain_jobs (id int PRIMARY KEY, state text);
    INSERT INTO plain_jobs VALUES (1, 'new');
    CREATE FUNCTION tidy() RETURNS int LANGUAGE plpgsql AS $$
      BEGIN EXECUTE 'SELECT set_' || 'config(''search_path'', ''shadow, public'', false)'; RETURN 1; END $$;
    CREATE FUNCTION later() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN EXECUTE 'SELECT set_' || 'config(''search_path'', ''shadow, public'', false)'; RETURN NULL; END $$;
    CREATE TABLE late_jobs (id int PRIMARY KEY, state text);
    INSERT INTO late_jobs VALUES (1, 'new');
    CREATE CONSTRAINT TRIGGER later AFTER UPDATE ON late_jobs DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION later();
    RESET ROLE`)
})
test.after(async () => {
  await h?.stop()
})

const { session, query, approving } = attackSessions(() => h)
const PASSWORDS = /Marzipan|Tangerine|Obsidian|MARZIPAN|TANGERINE|OBSIDIAN/
const READ = 'SELECT upper(name) FROM users ORDER BY id'

/**
 * A superuser session holding pg_namespace: the probe (which reads it) waits until `release`. New sessions wait too
 * (they read it at startup): `probeWaiting` asks on this one.
 */
async function lockNamespaces(): Promise<{ probeWaiting(): Promise<void>; release(): Promise<void> }> {
  const c = new pg.Client({ host: h.cluster.socketDir, port: h.cluster.port, user: 'postgres', database: 'app', application_name: 'test-direct' })
  await c.connect()
  await c.query('BEGIN')
  await c.query('LOCK TABLE pg_catalog.pg_namespace IN ACCESS EXCLUSIVE MODE')
  return {
    async probeWaiting() {
      for (let i = 0; i < 200; i++) {
        const { rows } = await c.query("SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%current_schemas(false)%'")
        if (rows.length) return
        await new Promise((r) => setTimeout(r, 25))
      }
      throw new Error('the probe never waited for its lock')
    },
    async release() {
      await c.query('ROLLBACK')
      await c.end()
    },
  }
}

/** A session whose statement_timeout fails a probe kept waiting, with `shadow` already known to its backend. */
/** A session whose statements (the probe among them) fail after `ms` waiting. */
async function timingOut(ms = 300): Promise<RawClient> {
  const c = await session()
  for (const sql of [`SET statement_timeout = ${ms}`, "SELECT 'shadow'::regnamespace", 'SELECT upper(name) FROM users LIMIT 1']) {
    assert.equal((await query(c, sql)).errors, [], sql)
  }
  return c
}

test('a statement prepared before the move, bound after it in the same batch: judged again, nothing derived comes back', async () => {
  const c = await session()
  c.take()
  c.send(m.parse('early', `${READ} LIMIT 1`), m.sync())
  await c.readyCount(1, 30_000)
  c.take()
  c.send(m.parse('', 'SELECT 1 AS one WHERE tidy() = 1'), m.bind('', ''), m.execute(''), m.bind('', 'early'), m.execute(''), m.sync())
  await approving(c.readyCount(1, 30_000))
  const got = outcomeOf(c.take())
  assert.equal([got.leaks, got.rows], [[], [['1']]])
  assert.match(got.errors.join(), /^42501: warden: denied: .*relation users is not in the catalog/)
  c.close()
})

test('a probe the server fails, with a read pipelined behind it: the session ends before the read runs', async () => {
  // The probe fails 2 s after it waits: time enough on a loaded machine for the gateway to have sent the read.
  const c = await timingOut(2000)
  const lock = await lockNamespaces()
  try {
    c.take()
    c.send(m.parse('', 'SELECT 1 AS one WHERE tidy() = 1'), m.bind('', ''), m.execute(''), m.sync(), m.parse('', READ), m.bind('', ''), m.execute(''), m.sync())
    await c.until((fs) => fs.some((f) => f.type === 'E'), 30_000)
  } finally {
    await lock.release()
  }
  await c.until(() => c.closed, 30_000)
  const got = outcomeOf(c.take())
  assert.equal([got.leaks, got.rows], [[], [['1']]])
  assert.ok(!got.errors.some((e) => PASSWORDS.test(e)))
  assert.match(got.errors.join(), /^42501: warden: the gateway could not check this session's search_path/)
})

test('a probe the server fails inside the client\'s transaction: the session ends, its COMMIT is never taken for done', async () => {
  const c = await timingOut()
  assert.equal((await query(c, 'BEGIN')).errors, [])
  const lock = await lockNamespaces()
  try {
    c.take()
    c.send(m.query("UPDATE plain_jobs SET state = 'lost' WHERE id = 1"))
    await approving(c.readyCount(1, 30_000))
    await c.until(() => c.closed, 30_000)
  } finally {
    await lock.release()
  }
  const frames = c.take()
  const fatal = errorsOf(frames).find((e) => e.severity === 'FATAL')
  assert.match(`${fatal?.code}: ${fatal?.message}`, /^25P02: warden: the gateway's search_path check failed inside this session's open transaction/)
  assert.equal(await h.cluster.query('SELECT state FROM plain_jobs WHERE id = 1'), [{ state: 'new' }])
})

test('a CancelRequest while only the probe runs is not sent on: the transaction goes on and commits', async () => {
  const c = await session()
  assert.equal((await query(c, 'BEGIN')).errors, [])
  const lock = await lockNamespaces()
  try {
    c.take()
    c.send(m.query("UPDATE plain_jobs SET state = 'kept' WHERE id = 1"))
    await approving(c.readyCount(1, 30_000))
    await lock.probeWaiting()
    const canceller = await RawClient.open(h.port)
    canceller.send(encodeCancelRequest(c.key!))
    await canceller.until(() => false, 2_000).catch(() => undefined)
    // The gateway sends a cancel on over a connection of its own: give it time to land.
    await new Promise((r) => setTimeout(r, 500))
  } finally {
    await lock.release()
  }
  const commit = await query(c, 'COMMIT')
  assert.equal(commit.errors, [])
  assert.equal(commit.types, 'CZ')
  assert.equal(await h.cluster.query('SELECT state FROM plain_jobs WHERE id = 1'), [{ state: 'kept' }])
  c.close()
})

test('client_min_messages = debug5: the probe\'s debug notices (its name and text) never reach the client', async () => {
  const c = await session()
  assert.equal((await query(c, 'SET client_min_messages = debug5')).errors, [])
  c.take()
  c.send(m.query("UPDATE plain_jobs SET state = 'debug' WHERE id = 1"))
  await approving(c.readyCount(1, 30_000))
  // The next Query is judged once the probe is answered: its notices, if any reached the client, came first.
  c.send(m.query('SELECT 1 AS one'))
  await c.readyCount(2, 30_000)
  const notices = c.take().filter((f) => f.type === 'N').map((f) => decodeErrorResponse(f.payload).message)
  assert.ok(notices.some((n) => n.includes('SELECT 1 AS one')), 'the client\'s own debug notices still come')
  assert.equal(notices.filter((n) => /warden_probe|current_schemas/.test(n)), [])
  c.close()
})

test('held: the unnamed statement and a portal suspended mid-fetch survive the probe; the probe answers nothing', async () => {
  const c = await session()
  assert.equal((await query(c, 'BEGIN')).errors, [])
  c.take()
  c.send(m.parse('', 'SELECT id FROM plain_jobs'), m.bind('p', ''), m.execute('p', 0), m.sync())
  await c.readyCount(1, 30_000)
  c.take()
  c.send(m.parse('s', 'SELECT email FROM users ORDER BY id'), m.bind('cur', 's'), m.execute('cur', 1), m.sync())
  await c.readyCount(1, 30_000)
  assert.equal(outcomeOf(c.take()).types, '12DsZ')
  // Extended, named: a simple Query would drop the unnamed statement itself.
  c.send(m.parse('u', "UPDATE plain_jobs SET state = 'held' WHERE id = 1"), m.bind('', 'u'), m.execute(''), m.sync())
  await approving(c.readyCount(1, 30_000))
  assert.equal(outcomeOf(c.take()).errors, [])
  c.take()
  c.send(m.bind('', ''), m.execute(''), m.execute('cur', 1), m.sync())
  await c.readyCount(1, 30_000)
  const got = outcomeOf(c.take())
  assert.equal([got.types, got.errors, got.rows.length], ['2DCDsZ', [], 2])
  assert.equal((await query(c, 'COMMIT')).types, 'CZ')
  c.close()
})

test('held: an aborted transaction recovers after ROLLBACK; a deferred trigger moving the search_path at COMMIT is caught', async () => {
  const c = await session()
  for (const sql of ['BEGIN', "UPDATE plain_jobs SET state = 'x' WHERE id = 1", 'SELECT 1/0']) await query(c, sql)
  assert.equal((await query(c, 'ROLLBACK')).types, 'CZ')
  assert.equal((await query(c, `${READ} LIMIT 1`)).rows, [['ADA LOVELACE']])
  for (const sql of ['BEGIN', "UPDATE late_jobs SET state = 'late' WHERE id = 1", `${READ} LIMIT 1`, 'COMMIT']) {
    assert.equal((await query(c, sql)).errors, [], sql)
  }
  const got = await query(c, READ)
  assert.equal([got.leaks, got.rows], [[], []])
  assert.match(got.errors.join(), /^42501: warden: denied: .*relation users is not in the catalog/)
  c.close()
})

test('the server ran nothing the gateway did not allow', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
