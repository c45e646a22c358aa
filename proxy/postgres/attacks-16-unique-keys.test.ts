// A sixteenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: writes into a column a unique index covers.
// - Fixed: a write puts its values into a unique index (a primary key, a unique or exclusion constraint, a unique
//   index on expressions), and the server answers unique_violation (23505) or exclusion_violation (23P01) exactly
//   when a value written is stored already, with or without ON CONFLICT. `INSERT INTO vault_keys (id, api_key)
//   SELECT n, k FROM key_dictionary` failed when any guess of the table was a stored key and went in otherwise: a
//   dictionary tested in one statement, bisected by a WHERE on the guesses, as `api_key IN (SELECT k …)` (denied)
//   would. UPDATE … SET from a query, MERGE, COPY FROM STDIN, an upsert whose arbiter is another index, and an
//   UPDATE of one column of a composite key (the other's stored value compared with the stored rows') did the same.
//   The gateway's catalog now knows which columns each unique and exclusion index reads, and such a write is read
//   as ON CONFLICT's match is: a lookup for values the text gives (as `api_key = '…'`, allowed), a condition for
//   values a query reads or COPY sends (denied on a column masked whole; on a partially masked one, when matched
//   against guesses the statement makes).
// - Held: values the text gives are looked up, as by `=`, and an error of a write to a table with masked columns
//   keeps no text (its DETAIL, `Key (…)=(…) already exists`, would repeat a key); writes into a masked column no
//   unique index covers, and into unique columns that are not masked, run as before.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf } from './testing/raw-client.ts'
import { encodeQuery } from './messages/query.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({
    holdSeconds: 5,
    seed: [
      `SET ROLE warden;
       CREATE TABLE vault_keys (id int PRIMARY KEY, label text UNIQUE, api_key text NOT NULL UNIQUE, probe int, note_secret text,
         UNIQUE (probe, note_secret));
       INSERT INTO vault_keys VALUES (1, 'ci', 'wk_live_Mq7Tz2Lp9Xc4', 5, 'Quartz-Falcon'), (2, 'backup', 'wk_live_Bv3Nd8Rk1Yw6', 6, 'Quartz-Falcon');
       CREATE TABLE vault_lower (id int PRIMARY KEY, api_key text);
       CREATE UNIQUE INDEX vault_lower_key ON vault_lower (lower(api_key));
       INSERT INTO vault_lower VALUES (1, 'wk_live_Mq7Tz2Lp9Xc4');
       CREATE TABLE vault_pk (api_key text PRIMARY KEY, label text);
       INSERT INTO vault_pk VALUES ('wk_live_Mq7Tz2Lp9Xc4', 'ci');
       CREATE TABLE vault_excl (id int, api_key text, EXCLUDE USING hash (api_key WITH =));
       INSERT INTO vault_excl VALUES (1, 'wk_live_Mq7Tz2Lp9Xc4');
       CREATE TABLE vault_loose (id int PRIMARY KEY, api_key text);
       INSERT INTO vault_loose VALUES (1, 'wk_live_Mq7Tz2Lp9Xc4');
       CREATE TABLE subscribers (id int PRIMARY KEY, email text NOT NULL UNIQUE);
       INSERT INTO subscribers VALUES (1, 'marlowe@vexholm.test');
       CREATE TABLE key_dictionary (n int, k text);
       INSERT INTO key_dictionary VALUES (201, 'wk_live_Mq7Tz2Lp9Xc4'), (202, 'wk_live_Nope0Nope0Np');
       RESET ROLE;`,
    ],
  })
})
test.after(async () => {
  await h?.stop()
})

const { session, query, approving } = attackSessions(() => h)

const MASKED_WHOLE = (column: string) => new RegExp(`^42501: warden: denied: .*column ${column} is masked whole`)

/** Every row of the tables written, as the server holds them. */
const snapshot = async () => {
  const out: unknown[] = []
  for (const t of ['vault_keys', 'vault_lower', 'vault_pk', 'vault_excl', 'vault_loose', 'subscribers']) out.push(await h.cluster.query(`SELECT * FROM ${t} ORDER BY 1`))
  return JSON.stringify(out)
}

test('a write of values a query reads or COPY sends into a unique column masked whole is denied, with or without ON CONFLICT: a unique_violation no longer says which guesses are stored keys', async () => {
  const before = await snapshot()
  const c = await session()
  for (const [sql, column] of [
    ['INSERT INTO vault_keys (id, api_key) SELECT n, k FROM key_dictionary', 'api_key'],
    // The guess that is no stored key went in before; with the stored one among them, 23505.
    ['INSERT INTO vault_keys (id, api_key) SELECT n, k FROM key_dictionary WHERE n = 202', 'api_key'],
    ["INSERT INTO vault_keys (id, api_key) SELECT 300 + g, 'wk_live_Mq7Tz2Lp9X' || g FROM generate_series(0, 99) g", 'api_key'],
    ['UPDATE vault_keys SET api_key = (SELECT k FROM key_dictionary WHERE n = 201) WHERE id = 2', 'api_key'],
    ['UPDATE vault_keys SET api_key = d.k FROM key_dictionary d WHERE d.n = 201 AND vault_keys.id = 2', 'api_key'],
    ['MERGE INTO vault_keys v USING key_dictionary d ON v.id = d.n WHEN NOT MATCHED THEN INSERT (id, api_key) VALUES (d.n, d.k)', 'api_key'],
    ['MERGE INTO vault_keys v USING key_dictionary d ON v.id = 2 AND d.n = 201 WHEN MATCHED THEN UPDATE SET api_key = d.k', 'api_key'],
    // Upserts whose arbiter is another index: the unique index on api_key still answers.
    ['INSERT INTO vault_keys (id, api_key) SELECT n, k FROM key_dictionary ON CONFLICT (id) DO NOTHING', 'api_key'],
    ["INSERT INTO vault_keys (id, api_key) VALUES (2, 'wk_live_Placeholder00') ON CONFLICT (id) DO UPDATE SET api_key = (SELECT k FROM key_dictionary WHERE n = 201)", 'api_key'],
    // A unique index on lower(api_key), a primary key, an exclusion constraint.
    ['INSERT INTO vault_lower (id, api_key) SELECT n, upper(k) FROM key_dictionary', 'api_key'],
    ['INSERT INTO vault_pk (api_key) SELECT k FROM key_dictionary', 'api_key'],
    ['INSERT INTO vault_excl (id, api_key) SELECT n, k FROM key_dictionary', 'api_key'],
    // An exclusion constraint may compare by any operator: even a value the text gives is a condition.
    ["INSERT INTO vault_excl (id, api_key) VALUES (3, 'wk_live_Mq7Tz2Lp9Xc4')", 'api_key'],
    // UNIQUE (probe, note_secret): rows 1 and 2 share a note; setting both probes alike said so.
    ['UPDATE vault_keys SET probe = 7 WHERE id IN (1, 2)', 'note_secret'],
    // COPY's rows are as many guesses as the client sends: refused before any is read (an agent's COPY FROM STDIN in
    // production is refused by warden.rules.sql.copy as well; the reason here holds wherever that one does not).
    ['COPY vault_keys (id, api_key) FROM STDIN', 'api_key'],
    ['COPY vault_pk FROM STDIN', 'api_key'],
  ] as const) {
    const r = await query(c, sql)
    assert.match(r.errors.join(), MASKED_WHOLE(column), sql)
    assert.not.ok(r.types.includes('G'), sql)
  }
  assert.is(await snapshot(), before)
  c.close()
})

test('a partially masked unique column matched against guesses the statement makes is denied; looked up by values the text gives, it is not', async () => {
  const before = await snapshot()
  const c = await session()
  for (const sql of [
    "INSERT INTO subscribers (id, email) SELECT 100 + g, 'guess' || g || '@vexholm.test' FROM generate_series(1, 50) g",
    "INSERT INTO subscribers (id, email) SELECT 100 + g, 'guess' || g || '@vexholm.test' FROM generate_series(1, 50) g ON CONFLICT (id) DO NOTHING",
  ]) assert.match((await query(c, sql)).errors.join(), /^42501: warden: denied: .*column email is masked; the statement matches it against values of rows it makes/, sql)
  assert.is(await snapshot(), before)
  c.close()
})

test('held: values the text gives are looked up, and the error of a write to a table with masked columns keeps no DETAIL', async () => {
  const c = await session()
  // A stored key given by the text: the answer only confirms what the caller has, as `api_key = '…'` does.
  const hit = await query(c, "INSERT INTO vault_keys (id, api_key) VALUES (401, 'wk_live_Mq7Tz2Lp9Xc4')")
  assert.match(hit.errors.join(), /^23505: /)
  c.take()
  c.send(encodeQuery("UPDATE vault_keys SET label = 'ci' WHERE id = 2"))
  const frames = await approving(c.readyCount(1, 30_000))
  const [error] = errorsOf(frames)
  assert.is(error?.code, '23505')
  // `Key (label)=(ci) already exists.` with the row's other values beside it: withheld, as every text of an error of a
  // write to a table with masked columns.
  assert.not.ok(JSON.stringify(error).includes('Key ('), JSON.stringify(error))
  for (const sql of [
    "INSERT INTO vault_keys (id, api_key) VALUES (402, 'wk_live_Given0Given0'), (403, 'wk_live_Given1Given1')",
    "UPDATE vault_keys SET api_key = 'wk_live_Given2Given2' WHERE id = 403",
    "INSERT INTO vault_pk (api_key) VALUES ('wk_live_Given0Given0')",
    "INSERT INTO subscribers (id, email) VALUES (2, 'ada@example.com')",
    // A unique column that is not masked, written from a query.
    'UPDATE vault_keys SET label = d.k FROM key_dictionary d WHERE d.n = 202 AND vault_keys.id = 2',
    'INSERT INTO vault_loose (id, api_key) SELECT n, NULL FROM key_dictionary',
    // A masked column no unique index covers, written from a query.
    'UPDATE vault_loose SET api_key = (SELECT k FROM key_dictionary WHERE n = 201) WHERE id = 201',
    'MERGE INTO vault_loose v USING key_dictionary d ON v.id = d.n WHEN MATCHED THEN UPDATE SET api_key = d.k',
  ]) assert.equal((await query(c, sql)).errors, [], sql)
  assert.equal(await h.cluster.query('SELECT id, api_key FROM vault_loose ORDER BY id'), [
    { id: 1, api_key: 'wk_live_Mq7Tz2Lp9Xc4' }, { id: 201, api_key: 'wk_live_Mq7Tz2Lp9Xc4' }, { id: 202, api_key: 'wk_live_Nope0Nope0Np' },
  ])
  c.close()
})

test.run()
