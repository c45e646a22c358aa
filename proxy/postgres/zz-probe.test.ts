import { test } from 'uvu'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness
const MARKER = 'mk-Other-9QzT'
test.before(async () => {
  h = await startHarness({ holdSeconds: 5 })
  await h.cluster.query(LEAK_SEED_SQL)
})
test.after(async () => { await h?.stop() })
const { session, query } = attackSessions(() => h)
test('probe', async () => {
  const other = await h.client({ token: await h.te.token('other-agent', ['agents']) })
  await other.query(`SELECT count(*) FROM orders WHERE status = '${MARKER}'`)
  const c = await session()
  for (const sql of [
    'CREATE INDEX ON credentials ((password::int))',
    'CREATE INDEX ON customers ((email::int))',
    'ALTER TABLE credentials ADD CONSTRAINT k CHECK (password::int > 0)',
    'ALTER TABLE credentials ADD COLUMN z int GENERATED ALWAYS AS (password::int) STORED',
    'ALTER TABLE customers ADD FOREIGN KEY (email) REFERENCES customers(display_name)',
    'CREATE UNIQUE INDEX ON customers (display_name)',
    'ALTER TABLE customers ADD UNIQUE (display_name)',
    'ALTER TABLE credentials ADD CONSTRAINT fk FOREIGN KEY (password) REFERENCES customers (display_name)',
    'CREATE INDEX ON credentials (to_date(password, \'YYYY\'))',
    'ALTER TABLE credentials ALTER COLUMN password TYPE int USING password::int',
    'ALTER TABLE credentials ALTER COLUMN password TYPE xml USING password::xml',
    'CREATE STATISTICS st ON (password::int) FROM credentials',
    'CLUSTER credentials USING credentials_pkey',
    'ALTER TABLE credentials ADD CONSTRAINT ex EXCLUDE USING btree ((1) WITH =)',
  ]) {
    const got = await query(c, sql)
    console.log(JSON.stringify(sql), got.errors.join().slice(0, 160), 'rows', got.rows.length, 'MARKER', JSON.stringify(got.rows).includes(MARKER))
  }
  c.close()
})
test.run()
