// A nineteenth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: rows a materialized view stored, read by a definition they no longer come from.
// - Fixed: the gateway followed a materialized view through its definition as it follows a view's, and through the
//   views that definition reads as they are now. But its rows are what the definition gave at its last refresh: a view
//   it reads may have been redefined since (CREATE OR REPLACE VIEW keeps the view's OID, and the materialized view, its
//   rows). `CREATE VIEW agent_v AS SELECT id, password AS x FROM credentials`, `CREATE MATERIALIZED VIEW agent_mv AS
//   SELECT id, x FROM agent_v` (x masked, as it should be), then `CREATE OR REPLACE VIEW agent_v AS SELECT id, label AS x
//   FROM credentials` (each a harmless looking DDL, approved): `SELECT x FROM agent_mv` followed x to credentials.label
//   and gave back every password in clear. Emails went the same way. A column a materialized view takes from a view is
//   now untraced (lineage-from.ts): where column masking applies it is denied; columns it takes from tables read as before.
// The objects are made by the seed (as the gateway's role); made by the agent through the gateway each is allowed (held
// for approval where the policy holds DDL), but the catalog's reload after each DDL would make which refusal comes first
// depend on timing.
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
       CREATE VIEW agent_v AS SELECT id, password AS x FROM credentials;
       CREATE MATERIALIZED VIEW agent_mv AS SELECT id, x FROM agent_v;
       CREATE VIEW agent_mail AS SELECT id, email AS x FROM customers;
       CREATE MATERIALIZED VIEW agent_mail_mv AS SELECT id, x FROM agent_mail;
       -- Same columns, same types: the server keeps the views' OIDs and the materialized views' rows.
       CREATE OR REPLACE VIEW agent_v AS SELECT id, label AS x FROM credentials;
       CREATE OR REPLACE VIEW agent_mail AS SELECT id, display_name AS x FROM customers;
       CREATE VIEW agent_over AS SELECT x AS y FROM agent_mv;
       CREATE MATERIALIZED VIEW keys_mv AS SELECT id, api_key AS k, label FROM credentials;
       CREATE VIEW labels_v AS SELECT id, label AS l FROM credentials;
       CREATE MATERIALIZED VIEW both_mv AS SELECT c.id, c.password AS p, v.l FROM credentials c JOIN labels_v v ON v.id = c.id;
       RESET ROLE;`,
    ],
  })
})
test.after(async () => {
  await h?.stop()
})

const { session, query } = attackSessions(() => h)

const UNTRACED = /^42501: warden: denied: .*materialized view public\.\w+ holds rows view public\.\w+ gave at its last refresh/

test('a materialized view over a view redefined since its refresh no longer gives the rows of the old definition under the new one\'s lineage', async () => {
  const c = await session()
  // The server still holds the passwords and emails there.
  assert.equal((await h.cluster.query('SELECT x FROM agent_mv ORDER BY id')).map((r) => r.x), ['Marzipan-Quokka-5113', 'Tangerine!Vortex#7782', 'Obsidian~Pelican~0347'])
  for (const sql of ['SELECT x FROM agent_mv', 'SELECT * FROM agent_mv', 'SELECT m.x FROM agent_mv m WHERE m.id = 1', 'SELECT x FROM agent_mail_mv']) {
    const r = await query(c, sql)
    assert.equal(r.leaks, [], sql)
    assert.match(r.errors.join(), UNTRACED, `${sql}: ${r.errors.join()}`)
  }
  // A view over the materialized view reads the same rows.
  const over = await query(c, 'SELECT y FROM agent_over')
  assert.equal(over.leaks, [])
  assert.match(over.errors.join(), UNTRACED)
  c.close()
})

test('held: a materialized view over tables reads as before, masked, as do the columns one takes from a table beside a view (the view\'s are untraced)', async () => {
  const c = await session()
  const keys = await query(c, 'SELECT k, label FROM keys_mv ORDER BY id')
  assert.equal(keys.errors, [])
  assert.equal(keys.rows, [['[redacted]', 'ci deploy'], ['[redacted]', 'analytics'], ['[redacted]', 'backup']])
  const both = await query(c, 'SELECT id, p FROM both_mv ORDER BY id')
  assert.equal(both.errors, [])
  assert.equal(both.rows, [['1', '[redacted]'], ['2', '[redacted]'], ['3', '[redacted]']])
  assert.match((await query(c, 'SELECT l FROM both_mv')).errors.join(), UNTRACED)
  c.close()
})

test.run()
