// A fourth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: what the server computes or sends that the statement text does not show.
// - Stored generated columns: a column GENERATED ALWAYS AS (label || password) was read as a plain, unmasked
//   column of its table; its values are the masked column's.
// - Notifications: a trigger's pg_notify(channel, row_to_json(NEW)::text) (the usual change-feed pattern) and
//   another session's NOTIFY reach a LISTENing agent; only content detectors looked at the payload, so passwords,
//   API keys and SSNs went out. Where column masking applies a payload is now kept only as a JSON object, masked
//   by its keys as a row by its columns, and replaced whole otherwise or when the statement sending it reads
//   masked columns (message-screen.ts). Left as it is: a key is taken at its word, so a trigger's row_to_json of
//   a row whose generated or renamed column holds a masked value under a harmless name still shows it.
// - A column added directly on the server (a routine migration): the star of SELECT * was expanded from the cached
//   columns, the result had one more, and every later SELECT * of the table failed with XX000 (an over-refusal),
//   as the mismatch was thrown before the relation was looked up again.
// - A table turned into a view on the server (PostgreSQL 15 still turns a table given an ON SELECT rule named
//   _RETURN into a view, same OID and columns): the gateway kept judging it as the table, and the view's passwords
//   went out under its harmless column name. Tables that can be turned so (no index, trigger, child table or row
//   security) are now looked up again as views are (catalog.ts).
// - Rules rewriting writes: with an INSTEAD rule on INSERT or UPDATE carrying its own RETURNING, an approved
//   `INSERT INTO inbox … RETURNING msg` gave back passwords (or API keys) under the table's harmless column names.
//   RETURNING from a relation with write rules (or INSTEAD OF triggers) is now unknown, and the relation is looked
//   up again before such a write is judged. Left as it is: a BEFORE ROW trigger can change NEW, and RETURNING shows it.
// - A WITH CHECK OPTION violation of a write through a view: the server's DETAIL ("Failing row contains (…)") is
//   the base table's whole row, though the view shows none of its masked columns; the texts of write errors were
//   withheld for the written relation's own columns only. A view is now followed to the tables under it.
// Tests named "held" passed before any fix and stay as regressions. Statements the default policy holds for
// approval are approved here by a human dba, as a reviewer would approve a harmless looking one. Each test
// asserts that no seeded secret comes back (testing/leak-check.ts), from the raw bytes the client received.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { VIEW_FRESH_MS } from './catalog.ts'
import { attackSessions, type Outcome, outcomeOf } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import type { RawClient } from './testing/raw-client.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 20 })
  await h.cluster.query(LEAK_SEED_SQL)
  await h.cluster.query(`
    ALTER TABLE credentials ADD COLUMN hint text GENERATED ALWAYS AS (label || ' / ' || password) STORED;
    ALTER TABLE customers ADD COLUMN badge text GENERATED ALWAYS AS (display_name || ' (' || tier || ')') STORED;
    CREATE FUNCTION public.customers_changed() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN
      PERFORM pg_notify('customers_changes', row_to_json(NEW)::text); RETURN NEW; END$$;
    CREATE TRIGGER customers_changed AFTER UPDATE ON customers FOR EACH ROW EXECUTE FUNCTION customers_changed();`)
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

// ---- generated columns ----

test('a stored generated column computed from a masked column is masked as a value derived from it', async () => {
  const c = await session()
  const direct = await h.cluster.query('SELECT hint FROM credentials WHERE id = 1')
  assert.is(direct[0]?.hint, 'ci deploy / Marzipan-Quokka-5113', 'the generated column really holds the password')
  for (const sql of ['SELECT hint FROM credentials', 'SELECT * FROM credentials WHERE id = 1', 'SELECT k.hint AS h FROM credentials k', 'TABLE credentials']) {
    const got = await query(c, sql)
    assert.equal(got.errors, [], sql)
    assert.ok(got.rows.length > 0, sql)
    assert.equal(got.leaks, [], sql)
  }
  const returning = await query(c, "UPDATE credentials SET label = 'ci deploy' WHERE id = 1 RETURNING id, hint")
  assert.equal(returning.leaks, [])
  assert.equal(returning.rows, [['1', '[redacted]']])
  c.close()
})

test('a generated column computed from unmasked columns comes back as it is', async () => {
  const c = await session()
  const got = await query(c, 'SELECT badge FROM customers WHERE id = 1')
  assert.equal(got.rows, [['Customer One (gold)']])
  c.close()
})

// ---- notifications ----

/** Waits until `c` has received `n` NotificationResponses; returns what came back meanwhile. */
async function notified(c: RawClient, n: number): Promise<Outcome> {
  await c.until((fs) => fs.filter((f) => f.type === 'A').length >= n)
  return outcomeOf(c.take())
}

test('a change feed (a trigger\'s pg_notify of row_to_json(NEW)) of another session\'s update: masked columns masked by their keys', async () => {
  const c = await session()
  assert.equal((await query(c, 'LISTEN customers_changes')).errors, [])
  await h.cluster.query("UPDATE customers SET tier = 'silver' WHERE id = 2")
  const got = await notified(c, 1)
  assert.equal(got.leaks, [])
  const row = JSON.parse(got.notifications[0]!) as Record<string, unknown>
  assert.equal([row.id, row.tier, row.ssn], [2, 'silver', '[redacted]'])
  assert.is(row.email, '***************************r.io')
  c.close()
})

test('a change feed of the agent\'s own approved update of a table with masked columns: withheld whole', async () => {
  const c = await session()
  await query(c, 'LISTEN customers_changes')
  const got = await query(c, "UPDATE customers SET tier = 'bronze' WHERE id = 3")
  assert.equal(got.errors, [])
  assert.equal(got.notifications, ['[redacted]'])
  assert.equal(got.leaks, [])
  c.close()
})

test('another session\'s NOTIFY with a bare value: no key names it, the payload is replaced whole', async () => {
  const c = await session()
  await query(c, 'LISTEN customers_changes')
  await h.cluster.query("NOTIFY customers_changes, 'Obsidian~Pelican~0347'")
  const got = await notified(c, 1)
  assert.equal(got.leaks, [])
  assert.equal(got.notifications, ['[redacted]'])
  c.close()
})

test('a pg_notify of a masked column under a harmless key is refused: a listener in another session would get it whole (attacks-5)', async () => {
  const c = await session()
  await query(c, 'LISTEN customers_changes')
  const refused = await query(c, "SELECT pg_notify('customers_changes', json_build_object('note', password)::text) AS sent FROM credentials WHERE id = 1")
  assert.match(refused.errors.join(), /^42501: .*column password is masked whole/)
  const got = await query(c, "SELECT pg_notify('customers_changes', json_build_object('note', email)::text) AS sent FROM users WHERE id = 1")
  assert.match(got.errors.join(), /^42501: .*keeps values of masked column public.users.email in an argument of pg_notify/)
  assert.equal(got.notifications, [])
  assert.equal(got.leaks, [])
  c.close()
})

// ---- schema changes made on the server ----

test('a column added directly on the server: SELECT * is refused once, then answers with it (it was refused for good)', async () => {
  const c = await session()
  assert.is((await query(c, 'SELECT * FROM orders WHERE id = 1')).rows[0]?.length, 5)
  await h.cluster.query("SET ROLE warden; ALTER TABLE orders ADD COLUMN channel text DEFAULT 'web'")
  const first = await query(c, 'SELECT * FROM orders WHERE id = 1')
  assert.equal(first.errors.map((e) => e.slice(0, 5)), ['XX000'])
  const next = await query(c, 'SELECT * FROM orders WHERE id = 1')
  assert.equal(next.errors, [])
  assert.equal(next.rows[0]?.slice(-1), ['web'])
  const masked = await query(c, 'SELECT * FROM credentials WHERE id = 2')
  assert.equal([masked.errors, masked.leaks], [[], []])
  c.close()
})

test('a cached table turned into a view on the server (an ON SELECT rule named _RETURN, same OID): read through the view\'s definition', async () => {
  await h.cluster.query('SET ROLE warden; CREATE TABLE staging_notes (id int, note text)')
  const c = await session()
  assert.equal(await query(c, 'SELECT id, note FROM staging_notes'), { types: 'TCZ', rows: [], errors: [], leaks: [], notifications: [] })
  await h.cluster.query('SET ROLE warden; CREATE RULE "_RETURN" AS ON SELECT TO staging_notes DO INSTEAD SELECT id, password AS note FROM credentials')
  assert.is((await h.cluster.query("SELECT relkind FROM pg_class WHERE relname = 'staging_notes'"))[0]?.relkind, 'v', 'it is a view now')
  await new Promise((r) => setTimeout(r, VIEW_FRESH_MS + 100))
  for (const sql of ['SELECT note FROM staging_notes', 'SELECT * FROM staging_notes']) {
    const got = await query(c, sql)
    assert.equal(got.errors, [], sql)
    assert.is(got.rows.length, 3, sql)
    assert.equal(got.leaks, [], sql)
  }
  // A table with a primary key (an index) cannot be turned into a view: such tables are not looked up again.
  const refused = await h.cluster.query('SET ROLE warden; CREATE RULE "_RETURN" AS ON SELECT TO orders DO INSTEAD SELECT * FROM orders').then(() => 'converted', (e: Error) => e.message)
  assert.match(refused, 'could not convert table')
  c.close()
})

// ---- rules rewriting writes ----

test('RETURNING of a write the server rewrites by a rule made after the gateway cached the table: refused, not the rule\'s values', async () => {
  await h.cluster.query('SET ROLE warden; CREATE TABLE inbox (id int, msg text); CREATE TABLE inbox_log (id int); CREATE TABLE jobs (id int PRIMARY KEY, state text); INSERT INTO jobs VALUES (1, \'new\')')
  const c = await session()
  assert.equal((await query(c, "INSERT INTO inbox VALUES (9, 'warm') RETURNING msg")).rows, [['warm']], 'cached as a plain table')
  assert.equal((await query(c, "UPDATE jobs SET state = 'new' WHERE id = 1 RETURNING state")).rows, [['new']], 'cached as a plain table')
  await h.cluster.query(`SET ROLE warden;
    CREATE RULE inbox_ins AS ON INSERT TO inbox DO INSTEAD INSERT INTO inbox_log VALUES (NEW.id)
      RETURNING id, (SELECT password FROM credentials WHERE credentials.id = inbox_log.id);
    CREATE RULE jobs_upd AS ON UPDATE TO jobs DO INSTEAD UPDATE credentials SET label = label WHERE credentials.id = OLD.id
      RETURNING credentials.id, credentials.api_key`)
  await new Promise((r) => setTimeout(r, VIEW_FRESH_MS + 100))
  for (const sql of ["INSERT INTO inbox VALUES (1, 'x') RETURNING msg", "INSERT INTO inbox VALUES (2, 'x') RETURNING *", "UPDATE jobs SET state = 'done' WHERE id = 1 RETURNING state"]) {
    const got = await query(c, sql)
    assert.equal(got.leaks, [], sql)
    assert.equal(got.rows, [], sql)
    assert.match(got.errors.join(), /42501: .*rewritten on the server/, sql)
  }
  // Without RETURNING the write runs (approved) as before.
  assert.equal((await query(c, "INSERT INTO inbox VALUES (3, 'y')")).errors, [])
  c.close()
})

// ---- write errors through views ----

test('a WITH CHECK OPTION violation of an approved write through a view naming no masked column: its DETAIL is withheld', async () => {
  await h.cluster.query(`SET ROLE warden;
    CREATE VIEW labels AS SELECT id, label FROM credentials WHERE label <> 'retired' WITH CHECK OPTION;
    CREATE VIEW labels_of_labels AS SELECT id, label FROM labels WITH CASCADED CHECK OPTION`)
  const c = await session()
  for (const sql of ["UPDATE labels SET label = 'retired' WHERE id = 1", "UPDATE labels_of_labels SET label = 'retired' WHERE id = 2"]) {
    const got = await query(c, sql)
    assert.equal(got.leaks, [], sql)
    assert.match(got.errors.join(), /^44000: warden: the server's error text was withheld/, sql)
  }
  // The server's DETAIL is the base table's whole row: passwords and keys included.
  const direct = await h.cluster.query("UPDATE labels SET label = 'retired' WHERE id = 3").catch((e: { detail?: string }) => e.detail)
  assert.match(String(direct), 'Obsidian~Pelican~0347')
  c.close()
})

test('the server ran nothing the gateway did not allow', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
