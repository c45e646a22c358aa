// A nineteenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: a table with masked columns put under a parent the agent made, whose code then runs over its rows.
// - Fixed: a trigger on a table with masked columns is denied (attacks-17), but one made on a partitioned table before
//   it had them was not: `CREATE TABLE par (id int) PARTITION BY RANGE (id)`, a row trigger of keep_text() on it, the
//   columns of credentials added (ADD COLUMN password …, a name masked as strictly as can be: allowed), then `ALTER
//   TABLE par ATTACH PARTITION credentials FOR VALUES FROM (MINVALUE) TO (MAXVALUE)` cloned the trigger onto
//   credentials, and the next `UPDATE credentials SET label = label` put each row, every secret in it, into loot, which
//   a plain read gave back in clear.
// - Fixed: the same through inheritance: a statement trigger with a transition table on `par (id int)`, `ADD COLUMN
//   password text`, then `ALTER TABLE credentials INHERIT par`: `UPDATE par SET id = id` handed every password of
//   credentials to the trigger (the parent's transition table holds its children's rows).
// - Fixed: ATTACH PARTITION checks every row of the table attached against the parent's partition bound: a parent
//   partitioned by a column renamed to `password` afterwards answered, by 23514 or not, whether every password of
//   credentials sorts before the bound given (a binary search, one statement a step).
// The table attached, or made a child, now counts as read whole, as by a condition (engine/normalize/sql/lineage.ts):
// with masked columns, denied where column masking applies.
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
      // An audit function as many databases have one: each row written, as text, into a table of its own.
      `SET ROLE warden;
       CREATE TABLE loot (v text);
       CREATE FUNCTION keep_text() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO loot VALUES (NEW::text); RETURN NEW; END $$;
       CREATE FUNCTION keep_rows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO loot SELECT n::text FROM n; RETURN NULL; END $$;
       RESET ROLE;`,
    ],
  })
})
test.after(async () => {
  await h?.stop()
})

const { session, query, setup } = attackSessions(() => h)

const DENIED = /^42501: warden: denied: .*(api_key|access_token|client_secret|password) is masked/

/** The agent's statements up to `last`, each expected to pass; then `last`, expected denied, and nothing kept in loot. */
async function attempt(statements: string[], last: string) {
  const c = await session()
  try {
    await setup(c, statements)
    const r = await query(c, last)
    assert.match(r.errors.join(), DENIED, `${last}: ${r.errors.join()}`)
    for (const sql of ['UPDATE credentials SET label = label WHERE id = 2', 'UPDATE par SET id = id WHERE id = 2']) await query(c, sql)
    const read = await query(c, 'SELECT v FROM loot')
    assert.equal(read.leaks, [])
    assert.equal(read.rows, [])
  } finally {
    c.close()
    // Undone whatever got through (credentials would go with its parent).
    const [attached] = await h.cluster.query<{ n: number; partition: boolean }>(
      "SELECT count(*)::int AS n, bool_or(c.relispartition) AS partition FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhrelid = 'credentials'::regclass")
    if (attached!.n > 0) await h.cluster.query(attached!.partition ? 'ALTER TABLE par DETACH PARTITION credentials' : 'ALTER TABLE credentials NO INHERIT par')
    await h.cluster.query('DROP TABLE IF EXISTS par; TRUNCATE loot')
  }
}

const COLUMNS = 'ADD COLUMN customer_id int NOT NULL, ADD COLUMN label text NOT NULL, ADD COLUMN api_key text NOT NULL, ' +
  'ADD COLUMN access_token text NOT NULL, ADD COLUMN client_secret text NOT NULL, ADD COLUMN password text NOT NULL'

test('a table with masked columns attached as a partition is denied: its parent\'s row trigger, cloned onto it, no longer gets every secret of each row a later write touches', async () => {
  await attempt([
    'CREATE TABLE par (id int) PARTITION BY RANGE (id)',
    'CREATE TRIGGER par_keep BEFORE UPDATE ON par FOR EACH ROW EXECUTE FUNCTION keep_text()',
    `ALTER TABLE par ${COLUMNS}`,
  ], 'ALTER TABLE par ATTACH PARTITION credentials FOR VALUES FROM (MINVALUE) TO (MAXVALUE)')
})

test('a table with masked columns made a child of a table with a transition-table trigger is denied: an update through the parent no longer hands it every password', async () => {
  await attempt([
    'CREATE TABLE par (id int)',
    'CREATE TRIGGER par_keep AFTER UPDATE ON par REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION keep_rows()',
    'ALTER TABLE par ADD COLUMN password text',
  ], 'ALTER TABLE credentials INHERIT par')
})

test('attaching a table with masked columns under a partition key on a masked column is denied: 23514 or not no longer tells whether every password sorts before the bound', async () => {
  await attempt([
    'CREATE TABLE par (id int, customer_id int NOT NULL, label text NOT NULL, api_key text NOT NULL, access_token text NOT NULL, ' +
      'client_secret text NOT NULL, x text NOT NULL) PARTITION BY RANGE (x)',
    'ALTER TABLE par RENAME COLUMN x TO password',
  ], "ALTER TABLE par ATTACH PARTITION credentials FOR VALUES FROM (MINVALUE) TO ('N')")
})

test('allowed: a table without masked columns attached, or made a child; an index attached', async () => {
  const c = await session()
  for (const sql of [
    'CREATE TABLE events (id int, at date) PARTITION BY RANGE (at)',
    'CREATE TABLE events_2026 (id int, at date)',
    "ALTER TABLE events ATTACH PARTITION events_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
    'CREATE INDEX events_at ON ONLY events (at)',
    'CREATE INDEX events_2026_at ON events_2026 (at)',
    'ALTER INDEX events_at ATTACH PARTITION events_2026_at',
    'CREATE TABLE notes (id int)',
    'CREATE TABLE notes_child (id int, body text)',
    'ALTER TABLE notes_child INHERIT notes',
  ]) {
    const r = await query(c, sql)
    assert.equal(r.errors, [], sql)
  }
  c.close()
})

test.run()
