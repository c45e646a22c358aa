// A nineteenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: a stored generated column turned into a column of its own.
// - Fixed: the gateway follows a stored generated column through its expression (lineage-from.ts generatedLin), so
//   `hint text GENERATED ALWAYS AS (password) STORED` reads as derived from password and is masked whole, and adding
//   one is allowed. `ALTER TABLE … ALTER COLUMN hint DROP EXPRESSION` keeps the stored values as the column's own: the
//   gateway then read hint as a plain column of that name, and `SELECT hint FROM vault_gen` gave back every password
//   in clear (`ALTER TABLE credentials ADD COLUMN g … GENERATED ALWAYS AS (password) STORED`, then DROP EXPRESSION,
//   did the same on the agent's own two harmless looking DDLs). DROP EXPRESSION is now read as writing the column's
//   values as they were read until then into the column (lineage.ts), and where column masking applies a masked
//   value kept under a name masked less strictly is denied (masks_stored.rego).
// - Held: DROP EXPRESSION of a generated column computed from columns no mask covers.
// The tables are made by the seed (as the gateway's role).
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
       CREATE TABLE vault_gen (id int PRIMARY KEY, password text, hint text GENERATED ALWAYS AS (password) STORED);
       INSERT INTO vault_gen (id, password) SELECT id, password FROM credentials;
       ALTER TABLE customers ADD COLUMN contact text GENERATED ALWAYS AS (lower(email)) STORED;
       ALTER TABLE credentials ADD COLUMN tag text GENERATED ALWAYS AS (upper(label)) STORED;
       RESET ROLE;`,
    ],
  })
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

const KEPT = /^42501: warden: denied: .*keeps values of masked column public\.(vault_gen\.password|customers\.email) in column (hint|contact)/

const generated = async (table: string, column: string) =>
  (await h.cluster.query(`SELECT attgenerated FROM pg_attribute WHERE attrelid = '${table}'::regclass AND attname = '${column}'`))[0]?.attgenerated

test('DROP EXPRESSION of a generated column computed from a masked column is denied: its stored values no longer read as a plain column of a harmless name', async () => {
  const c = await session()
  const before = await query(c, 'SELECT id, hint FROM vault_gen ORDER BY id')
  assert.equal(before.rows, [['1', '[redacted]'], ['2', '[redacted]'], ['3', '[redacted]']])
  for (const sql of [
    'ALTER TABLE vault_gen ALTER COLUMN hint DROP EXPRESSION',
    'ALTER TABLE ONLY public.vault_gen ALTER COLUMN hint DROP EXPRESSION IF EXISTS',
    'ALTER TABLE customers ALTER COLUMN contact DROP EXPRESSION',
  ]) {
    const r = await query(c, sql)
    assert.match(r.errors.join(), KEPT, `${sql}: ${r.errors.join()}`)
  }
  assert.is(await generated('vault_gen', 'hint'), 's')
  assert.is(await generated('customers', 'contact'), 's')
  for (const sql of ['SELECT id, hint FROM vault_gen', 'SELECT contact FROM customers']) {
    const r = await query(c, sql)
    assert.equal(r.errors, [], sql)
    assert.equal(r.leaks, [], sql)
  }
  c.close()
})

test('held: DROP EXPRESSION of a generated column computed from columns no mask covers', async () => {
  const c = await session()
  assert.equal((await query(c, 'ALTER TABLE credentials ALTER COLUMN tag DROP EXPRESSION')).errors, [])
  assert.is(await generated('credentials', 'tag'), '')
  c.close()
})

test.run()
