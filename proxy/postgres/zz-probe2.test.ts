import { test } from 'uvu'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'

let h: Harness
test.before(async () => {
  h = await startHarness({ holdSeconds: 20 })
  await h.cluster.query(`SET ROLE warden;
    CREATE TABLE cards (id int PRIMARY KEY, card_expiry date, card_issued timestamptz, phone_since interval, card_blob bytea, card_limit float8, card_no bigint);
    INSERT INTO cards VALUES (1, '2027-11-30', '2019-03-17 08:45:12+00', '3 years 2 mons 5 days 04:05:06', '\\x4d61727a6970616e', 1234.5678901234567, 4242424242424242);
    RESET ROLE`)
})
test.after(async () => { await h?.stop() })
const { session, query } = attackSessions(() => h)

test('probe', async () => {
  const c = await session()
  for (const sql of [
    'SELECT card_expiry, card_issued, phone_since, card_blob, card_limit, card_no FROM cards',
    "SET DateStyle = 'SQL, DMY'", "SET TimeZone = 'Asia/Kathmandu'", "SET IntervalStyle = 'iso_8601'", "SET bytea_output = 'escape'", 'SET extra_float_digits = 3',
    'SELECT card_expiry, card_issued, phone_since, card_blob, card_limit, card_no FROM cards',
    "SET DateStyle = 'German'", "SET IntervalStyle = 'sql_standard'",
    'SELECT card_expiry, card_issued, phone_since, card_blob, card_limit, card_no FROM cards',
    "SET DateStyle = 'Postgres, MDY'", "SET IntervalStyle = 'postgres_verbose'",
    'SELECT card_expiry, card_issued, phone_since, card_blob, card_limit, card_no FROM cards',
  ]) console.log(sql, JSON.stringify(await query(c, sql)))
  c.close()
})
test.run()
