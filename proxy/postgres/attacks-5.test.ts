// A fifth attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: laundering, a masked value copied somewhere a later plain read shows it.
// - Writes: an approved UPDATE t SET label = password, INSERT … SELECT client_secret into orders.status, INSERT …
//   ON CONFLICT DO UPDATE SET label = EXCLUDED.access_token, MERGE … UPDATE SET status = k.password, an UPDATE
//   through a writable CTE or with FROM, CREATE TABLE AS and SELECT INTO under renamed columns: each copied the
//   values, and the next plain SELECT of the harmless column gave them back whole (masks follow a value's origin
//   within one statement; a later read sees the column's own name). CREATE TABLE … AS EXECUTE of a prepared read
//   of passwords was not even seen to store anything. Such a statement is now denied where column
//   masking applies, whoever would approve it: a value may move only into a column masked at least as strictly
//   as its masked sources (engine/normalize/sql/lineage-stored.ts, policies/rules/sql/masks_stored.rego).
// - A helper function made on the server (get_api_key(id), SECURITY DEFINER), refused when read, returned API
//   keys into orders.status through an approved UPDATE, or as the column's DEFAULT (ALTER COLUMN SET DEFAULT, ADD
//   COLUMN … DEFAULT); a stored value (a default or generated expression included) through a function not known to
//   compute only from its arguments is now denied unless the column is redacted.
// - Server state: setval(seq, ascii(substr(password, n, 1))) came back from pg_sequences, advisory lock keys made
//   of password characters from pg_locks (classid / objid), and pg_notify('c', json_build_object('note', password))
//   reached a listening session whole (a JSON payload is masked by its keys). These calls' arguments are now
//   judged as kept.
// - Function bodies: an approved trigger function setting NEW.status from credentials.client_secret put client
//   secrets into orders on every later (approved, harmless) write, and RETURNING or a SELECT showed them. A function
//   whose body reads masked columns, or builds SQL at run time, is now denied where column masking applies.
// - Names: masks go by column name, so an approved view `SELECT id, status AS password FROM orders` let UPDATE pv
//   SET password = k.password store passwords into orders.status; ALTER TABLE credentials RENAME COLUMN
//   client_secret TO motto unmasked the column; ALTER COLUMN label TYPE text USING (password) rewrote label with
//   passwords. A write through a view is now judged by the base column it stores into, a rename to a name masked
//   less strictly is denied, and a USING expression is judged as a stored value.
// - A built-in trigger function given column names: an approved full-text trigger tsvector_update_trigger(search,
//   'pg_catalog.simple', password) wrote each inserted row's password words into `search`, read back unmasked. A
//   trigger given a masked column's name as an argument is now denied where column masking applies.
// - Prepared statements: the judgement of a protocol Parse or a SQL PREPARE was reused at every Bind, while the
//   server plans a prepared statement again when a relation it reads changes: after an approved CREATE OR REPLACE
//   VIEW v2 (label AS x, then password AS x), Bind/Execute of a statement prepared on v2 before gave the passwords
//   back under the lineage of label (another session's got "masking failed"). A statement judged before the
//   catalog last changed is now judged again at Bind (catalog.ts generation, extended.ts).
// - Objects the agent creates: after an approved CREATE FUNCTION then CREATE OPERATOR public.= (text, varchar), the
//   next session's `WHERE name = phone` once ran the new operator judged as a plain read: the lookup of functions
//   named like built-ins begun after the first DDL answered after the second, and its list (without the operator)
//   was stored as fresh for a second. A lookup begun before the catalog was cleared is now dropped
//   (catalog-functions.ts).
// Held (tests named so passed before any fix): CREATE TABLE AS under the same names, temporary tables, materialized
// views, a view redefined inside a transaction (unknown until committed), a rule copying passwords, PREPARE / EXECUTE, cursors WITH HOLD with MOVE, cast errors echoing the value, RAISE text, CALL with INOUT
// and RETURNS TABLE functions made on the server; cross-session harm: pg_terminate_backend / pg_cancel_backend,
// ALTER ROLE / DATABASE / SYSTEM SET search_path, a table lock held while the next statement waits for approval
// (other sessions wait no longer than the hold).
// Statements the default policy holds for approval are approved here by a human dba, as a reviewer would approve a
// harmless looking one. Each test asserts that no seeded secret comes back (testing/leak-check.ts).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { attackSessions, outcomeOf } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { type RawClient, rawMessages as m } from './testing/raw-client.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness
const HOLD_SECONDS = 5

test.before(async () => {
  h = await startHarness({ holdSeconds: HOLD_SECONDS })
  await h.cluster.query(LEAK_SEED_SQL)
})
test.after(async () => {
  await h?.stop()
})

const { session, query, approving } = attackSessions(() => h)

const STORED = /^42501: warden: denied: .*keeps values of masked column/

/** [laundering write, the plain read that gave the values back before the fix] */
const laundering: [string, string][] = [
  ['UPDATE credentials SET label = password WHERE id = 1', 'SELECT label FROM credentials'],
  ['INSERT INTO orders (user_id, amount_cents, status) SELECT 1, 1, client_secret FROM credentials', 'SELECT status FROM orders'],
  ['INSERT INTO credentials SELECT * FROM credentials WHERE id = 2 ON CONFLICT (id) DO UPDATE SET label = EXCLUDED.access_token', 'SELECT label FROM credentials'],
  ['MERGE INTO orders o USING credentials k ON o.id = k.id WHEN MATCHED THEN UPDATE SET status = k.password', 'SELECT status FROM orders'],
  ['UPDATE orders SET status = k.api_key FROM credentials k WHERE k.id = orders.id', 'SELECT status FROM orders'],
  ['WITH w AS (UPDATE credentials SET label = client_secret WHERE id = 3 RETURNING id) SELECT id FROM w', 'SELECT label FROM credentials'],
  ['INSERT INTO orders (user_id, amount_cents, status) SELECT 1, 1, passphrase FROM customer_directory', 'SELECT status FROM orders'],
  ['UPDATE customers SET tier = ssn WHERE id = 1', 'SELECT tier FROM customers'],
  ['CREATE TABLE laund (id, motto) AS SELECT id, api_key FROM credentials', 'SELECT motto FROM laund'],
  ['SELECT id, access_token AS motto INTO laund2 FROM credentials', 'SELECT motto FROM laund2'],
  ['CREATE TABLE laund3 AS EXECUTE copied', 'SELECT motto FROM laund3'],
]

test('laundering writes are denied, approved or not, and the harmless columns hold no masked value', async () => {
  const c = await session()
  // A read, allowed with masks: what CREATE TABLE … AS EXECUTE stores is its rows.
  assert.equal((await query(c, 'PREPARE copied AS SELECT id, password AS motto FROM credentials')).errors, [])
  for (const [write, read] of laundering) {
    const w = await query(c, write)
    assert.match(w.errors.join(), STORED, write)
    const r = await query(c, read)
    assert.equal(r.leaks, [], `${write} → ${read}`)
  }
  c.close()
  // On the server: nothing was copied.
  const copied = await h.cluster.query(`SELECT (SELECT count(*) FROM credentials WHERE label IN (SELECT password FROM credentials UNION SELECT access_token FROM credentials UNION SELECT client_secret FROM credentials))::int AS labels,
    (SELECT count(*) FROM orders WHERE status NOT IN ('paid', 'refunded', 'pending'))::int AS statuses,
    (SELECT count(*) FROM customers WHERE tier NOT IN ('gold', 'silver', 'bronze'))::int AS tiers,
    (SELECT count(*) FROM pg_class WHERE relname LIKE 'laund%')::int AS tables`)
  assert.equal(copied, [{ labels: 0, statuses: 0, tiers: 0, tables: 0 }])
})

test('a view column named like a masked one over a harmless column, a column renamed, a type change USING a masked column: denied', async () => {
  const c = await session()
  // Approved, harmless looking: a view over orders whose status column is called password.
  assert.equal((await query(c, 'CREATE VIEW pv AS SELECT id, status AS password FROM orders')).errors, [])
  const cases: [string, string][] = [
    ['UPDATE pv SET password = k.password FROM credentials k WHERE k.id = pv.id', 'SELECT status FROM orders'],
    ['ALTER TABLE credentials RENAME COLUMN client_secret TO motto', 'SELECT * FROM credentials'],
    ['ALTER TABLE credentials ALTER COLUMN label TYPE text USING (password)', 'SELECT label FROM credentials'],
    ['ALTER TABLE credentials ALTER COLUMN label TYPE text USING label || api_key, ALTER COLUMN id TYPE bigint', 'SELECT label FROM credentials'],
  ]
  for (const [write, read] of cases) {
    assert.match((await query(c, write)).errors.join(), /^42501: warden: denied: .*(keeps values of masked column|renames masked column)/, write)
    assert.equal((await query(c, read)).leaks, [], `${write} → ${read}`)
  }
  // Plain renames and type changes still only need approval.
  for (const sql of ['ALTER TABLE orders RENAME COLUMN status TO state', 'ALTER TABLE orders RENAME COLUMN state TO status', 'ALTER TABLE orders ALTER COLUMN amount_cents TYPE bigint USING amount_cents::bigint']) {
    assert.equal((await query(c, sql)).errors, [], sql)
  }
  assert.equal((await query(c, 'SELECT status FROM orders WHERE id = 1')).rows, [['paid']])
  c.close()
})

test('a statement prepared before its view was redefined (protocol Parse, SQL PREPARE; this session or another) is judged again at Bind', async () => {
  const c = await session()
  const other = await session()
  /** Bind and Execute of `statement` on `s`, approving what it raises. */
  const run = async (s: RawClient, statement: string) => {
    s.take()
    s.send(m.bind('', statement), m.execute(''), m.sync())
    await approving(s.readyCount(1, 15_000))
    return outcomeOf(s.take())
  }
  assert.equal((await query(c, 'CREATE VIEW v2 AS SELECT id, label AS x FROM credentials')).errors, [])
  // A statement judged while the catalog is still warming after DDL is refused (the view not known yet): wait for it.
  for (let i = 0; i < 20 && (await query(c, 'SELECT x FROM v2')).errors.length; i++) await new Promise((r) => setTimeout(r, 250))
  for (const s of [c, other]) {
    s.take()
    s.send(m.parse('s1', 'SELECT x FROM v2'), m.sync())
    await approving(s.readyCount(1, 15_000))
    assert.equal(outcomeOf(s.take()).errors, [], 'prepared')
  }
  assert.equal((await query(c, 'PREPARE r1 AS SELECT x FROM v2')).errors, [])
  assert.equal((await run(c, 's1')).rows, [['ci deploy'], ['analytics'], ['backup']])
  // Redefined on the server (through the gateway a column of v2 turned masked is denied: attacks-19-view-redefined),
  // and the server plans every prepared statement on v2 again: x is now a password.
  await h.cluster.query('SET ROLE warden; CREATE OR REPLACE VIEW v2 AS SELECT id, password AS x FROM credentials; RESET ROLE')
  // DDL through the gateway reloads its catalog (a view redefined on the server alone is followed once its cached
  // definition is old: view-redefined.test.ts); the reload is waited for as above.
  assert.equal((await query(c, 'CREATE TABLE v2_redefined (n int)')).errors, [])
  for (let i = 0; i < 20 && (await query(c, 'SELECT x FROM v2')).errors.length; i++) await new Promise((r) => setTimeout(r, 250))
  for (const [s, statement] of [[c, 's1'], [c, 'r1'], [other, 's1']] as const) {
    const got = await run(s, statement)
    assert.equal(got.leaks, [], statement)
    assert.equal(got.rows, [['[redacted]'], ['[redacted]'], ['[redacted]']], statement)
  }
  c.close()
  other.close()
})

test('held: a view redefined inside a transaction is not judged by its committed definition; a rule copying masked values is denied', async () => {
  const c = await session()
  assert.equal((await query(c, 'CREATE VIEW v1 AS SELECT id, label AS x FROM credentials')).errors, [])
  assert.equal((await query(c, 'BEGIN')).errors, [])
  // A column turned masked is denied (attacks-19-view-redefined); redefined otherwise, v1 is not what was committed.
  assert.match((await query(c, 'CREATE OR REPLACE VIEW v1 AS SELECT id, password AS x FROM credentials')).errors.join(), STORED)
  await query(c, 'ROLLBACK')
  for (const sql of ['BEGIN', 'CREATE OR REPLACE VIEW v1 AS SELECT id, upper(label) AS x FROM credentials']) assert.equal((await query(c, sql)).errors, [], sql)
  const inside = await query(c, 'SELECT x FROM v1')
  assert.match(inside.errors.join(), /^42501: .*not in the catalog/)
  assert.equal(inside.leaks, [])
  await query(c, 'ROLLBACK')
  assert.equal((await query(c, 'CREATE TABLE sink (id int, note text)')).errors, [])
  const rule = 'CREATE RULE r1 AS ON INSERT TO sink DO ALSO UPDATE orders SET status = (SELECT password FROM credentials k WHERE k.id = NEW.id)'
  assert.match((await query(c, rule)).errors.join(), STORED)
  c.close()
})

test('what a helper function made on the server returns (refused when read) is not stored into a harmless column, or its default, either', async () => {
  await h.cluster.query(`SET ROLE warden;
    CREATE FUNCTION get_api_key(k int) RETURNS text LANGUAGE sql SECURITY DEFINER AS $$ SELECT api_key FROM credentials WHERE id = k $$;
    RESET ROLE`)
  const c = await session()
  assert.match((await query(c, 'SELECT get_api_key(1)')).errors.join(), /^42501: .*passes through get_api_key/)
  for (const write of [
    'UPDATE orders SET status = get_api_key(user_id) WHERE id = 1',
    'ALTER TABLE orders ALTER COLUMN status SET DEFAULT get_api_key(1)',
    'ALTER TABLE orders ADD COLUMN note text DEFAULT get_api_key(2)',
  ]) {
    assert.match((await query(c, write)).errors.join(), /^42501: warden: denied: .*pass through get_api_key/, write)
    const read = await query(c, "INSERT INTO orders (user_id, amount_cents, status) VALUES (1, 1, 'paid') RETURNING *")
    assert.equal(read.leaks, [], write)
  }
  assert.equal((await query(c, 'SELECT * FROM orders')).leaks, [])
  c.close()
})

test('a sequence value or an advisory lock key made from a masked value is denied; pg_sequences and pg_locks show none', async () => {
  const c = await session()
  const sequence = "(SELECT last_value FROM pg_sequences WHERE sequencename = 'orders_id_seq')::int AS seq"
  const [{ seq }] = (await h.cluster.query(`SELECT ${sequence}`)) as [{ seq: number }]
  for (const sql of [
    "SELECT setval('orders_id_seq', ascii(substr(password, 1, 1))) FROM credentials WHERE id = 3",
    "SELECT setval('orders_id_seq', ('x' || encode(substr(api_key, 9, 8)::bytea, 'hex'))::bit(64)::bigint) FROM credentials WHERE id = 1",
    'SELECT pg_advisory_lock(ascii(substr(password, 2, 1)), ascii(substr(password, 3, 1))) FROM credentials WHERE id = 3',
    'SELECT id FROM credentials WHERE pg_try_advisory_lock(hashtext(client_secret))',
  ]) {
    assert.match((await query(c, sql)).errors.join(), STORED, sql)
  }
  assert.equal(await h.cluster.query(`SELECT (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory')::int AS locks, ${sequence}`), [{ locks: 0, seq }])
  // An advisory lock on a plain key still only needs approval, and a sequence is still read.
  const lock = await query(c, 'SELECT pg_advisory_lock(id) FROM orders WHERE id = 1')
  assert.equal(lock.errors, [])
  assert.equal((await query(c, 'SELECT pg_advisory_unlock_all()')).errors, [])
  c.close()
})

test('a notification whose JSON payload carries a masked value under a harmless key is denied; the listener gets none', async () => {
  const listener = await session()
  assert.equal((await query(listener, 'LISTEN c')).errors, [])
  const sender = await session()
  const sent = await query(sender, "SELECT pg_notify('c', json_build_object('note', password)::text) FROM credentials WHERE id = 1")
  assert.match(sent.errors.join(), /^42501: warden: denied: .*in an argument of pg_notify/)
  assert.equal((await query(sender, `SELECT pg_notify('c', json_build_object('note', label)::text) FROM credentials WHERE id = 1`)).errors, [])
  await new Promise((r) => setTimeout(r, 300))
  const got = outcomeOf(listener.take())
  assert.equal([got.notifications, got.leaks], [['{"note" : "ci deploy"}'], []])
  listener.close()
  sender.close()
})

test('a function whose body reads masked columns (a trigger copying client secrets into orders) is denied; a harmless trigger is not', async () => {
  const c = await session()
  const copying = `CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    NEW.status := (SELECT client_secret FROM credentials WHERE id = 1); RETURN NEW; END $$`
  assert.match((await query(c, copying)).errors.join(), /^42501: .*keeps values of masked column public.credentials.client_secret in what function stamp hands on/)
  const viaView = 'CREATE FUNCTION motto() RETURNS text LANGUAGE sql AS $$ SELECT passphrase FROM customer_directory LIMIT 1 $$'
  assert.match((await query(c, viaView)).errors.join(), /^42501: .*keeps values of masked column public.credentials.password/)
  const dynamic = "CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'SELECT client_secret FROM credentials' INTO NEW.status; RETURN NEW; END $$"
  assert.match((await query(c, dynamic)).errors.join(), /^42501: .*builds SQL at run time/)
  // A trigger function that reads no masked column still only needs approval, and works.
  const harmless = `CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
    NEW.status := upper(NEW.status); RETURN NEW; END $$`
  assert.equal((await query(c, harmless)).errors, [])
  assert.equal((await query(c, 'CREATE TRIGGER stamp BEFORE UPDATE ON orders FOR EACH ROW EXECUTE FUNCTION stamp()')).errors, [])
  const updated = await query(c, "UPDATE orders SET status = 'paid' WHERE id = 1 RETURNING status")
  assert.equal(updated.rows, [['PAID']])
  assert.equal(updated.leaks, [])
  await h.cluster.query("SET ROLE warden; DROP TRIGGER stamp ON orders; UPDATE orders SET status = 'paid' WHERE id = 1; RESET ROLE")
  c.close()
})

test('a full-text trigger over a masked column (built-in tsvector_update_trigger) is denied; over a harmless one it works', async () => {
  const c = await session()
  assert.equal((await query(c, 'ALTER TABLE credentials ADD COLUMN search tsvector')).errors, [])
  const over = (column: string) => `CREATE TRIGGER ts BEFORE INSERT OR UPDATE ON credentials FOR EACH ROW EXECUTE FUNCTION tsvector_update_trigger(search, 'pg_catalog.simple', ${column})`
  assert.match((await query(c, over('password'))).errors.join(), /^42501: warden: denied: .*given masked column names \(password\)/)
  assert.equal((await query(c, over('label'))).errors, [])
  // Rows copied under the same names (approved) fire the trigger: `search` holds the label's words only.
  const copy = 'INSERT INTO credentials (id, customer_id, label, api_key, access_token, client_secret, password) SELECT id + 10, customer_id, label, api_key, access_token, client_secret, password FROM credentials'
  assert.equal((await query(c, copy)).errors, [])
  const got = await query(c, 'SELECT search FROM credentials WHERE id > 10 ORDER BY id')
  assert.equal(got.rows, [["'ci':1 'deploy':2"], ["'analytics':1"], ["'backup':1"]])
  assert.equal(got.leaks, [])
  await h.cluster.query('SET ROLE warden; DROP TRIGGER ts ON credentials; DELETE FROM credentials WHERE id > 10; ALTER TABLE credentials DROP COLUMN search; RESET ROLE')
  c.close()
})

test('held: a copy under the same names stays masked; temporary tables are not readable; a materialized view is masked', async () => {
  const c = await session()
  for (const sql of [
    'CREATE TABLE credentials_backup AS SELECT * FROM credentials',
    'CREATE TEMP TABLE t1 AS SELECT id, password FROM credentials',
    'CREATE MATERIALIZED VIEW mv1 AS SELECT id, password AS m FROM credentials',
    'REFRESH MATERIALIZED VIEW mv1',
  ]) assert.equal((await query(c, sql)).errors, [], sql)
  const backup = await query(c, 'SELECT * FROM credentials_backup')
  assert.is(backup.rows.length, 3)
  assert.equal(backup.leaks, [])
  assert.match((await query(c, 'SELECT password FROM t1')).errors.join(), /^42501: .*not in the catalog/)
  const mv = await query(c, 'SELECT m FROM mv1')
  assert.equal([mv.rows.length, mv.leaks], [3, []])
  c.close()
})

test('held: PREPARE / EXECUTE and a cursor WITH HOLD read again after MOVE stay masked; cast errors carry no value', async () => {
  const c = await session()
  const reads = ['PREPARE p1 AS SELECT password AS x FROM credentials', 'EXECUTE p1', 'BEGIN',
    'DECLARE c1 CURSOR WITH HOLD FOR SELECT api_key AS x FROM credentials', 'COMMIT', 'FETCH ALL c1', 'MOVE ABSOLUTE 0 c1', 'FETCH 2 c1']
  for (const sql of reads) {
    const got = await query(c, sql)
    assert.equal([got.errors, got.leaks], [[], []], sql)
  }
  for (const cast of ['password::int', 'password::uuid', 'password::json', 'xmlparse(document password)', "to_date(password, 'YYYY')", 'password::inet', 'password::regclass', "to_number(api_key, '999')"]) {
    const got = await query(c, `SELECT ${cast} FROM credentials`)
    assert.ok(got.errors.length === 1, cast)
    assert.equal(got.leaks, [], cast)
  }
  c.close()
})

test('held: functions and procedures made on the server that read masked columns are refused at the call', async () => {
  await h.cluster.query(`SET ROLE warden;
    CREATE FUNCTION leak1() RETURNS text LANGUAGE sql AS $$ SELECT password FROM credentials LIMIT 1 $$;
    CREATE FUNCTION leak2() RETURNS TABLE (motto text) LANGUAGE sql AS $$ SELECT password FROM credentials $$;
    CREATE FUNCTION noisy() RETURNS void LANGUAGE plpgsql AS $$ DECLARE p text; BEGIN
      SELECT password INTO p FROM credentials WHERE id = 1; RAISE NOTICE 'n %', p USING DETAIL = p, HINT = p; END $$;
    CREATE FUNCTION raiser() RETURNS void LANGUAGE plpgsql AS $$ DECLARE p text; BEGIN
      SELECT api_key INTO p FROM credentials WHERE id = 2; RAISE EXCEPTION 'e %', p USING DETAIL = p, HINT = p; END $$;
    CREATE PROCEDURE inout1(INOUT motto text) LANGUAGE plpgsql AS $$ BEGIN SELECT password INTO motto FROM credentials WHERE id = 2; END $$;
    RESET ROLE`)
  const c = await session()
  for (const sql of ['SELECT leak1()', 'SELECT * FROM leak1()', 'SELECT * FROM leak2()', 'SELECT noisy()', 'SELECT raiser()', 'CALL inout1(NULL)']) {
    const got = await query(c, sql)
    assert.match(got.errors.join(), /^42501: /, sql)
    assert.equal(got.leaks, [], sql)
  }
  c.close()
})

test('held: another session\'s backend, role, database and server settings are out of reach', async () => {
  const c = await session()
  for (const sql of [
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()',
    'SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()',
    'ALTER ROLE warden SET search_path = evil, public',
    'ALTER DATABASE app SET search_path = evil, public',
    "ALTER SYSTEM SET search_path = 'evil'",
  ]) assert.match((await query(c, sql)).errors.join(), /^42501: warden: denied/, sql)
  c.close()
})

test('held: a table lock taken in a transaction blocks other sessions no longer than the hold of the next statement waiting for approval', async () => {
  const a = await session()
  for (const sql of ['BEGIN', 'LOCK TABLE orders IN ACCESS EXCLUSIVE MODE']) assert.equal((await query(a, sql)).errors, [], sql)
  // The next statement waits for an approval nobody gives, the lock still held.
  a.take()
  a.send(m.query("UPDATE orders SET status = 'x' WHERE id = 1"))
  const b = await h.client()
  const started = Date.now()
  assert.equal((await b.query('SELECT id FROM orders WHERE id = 1')).rows, [{ id: 1 }])
  const waited = Date.now() - started
  assert.ok(waited < HOLD_SECONDS * 1000 + 2_000, `another session waited ${waited} ms`)
  assert.match(outcomeOf(await a.readyCount(1, 15_000)).errors.join(), /^42501: .*expired/)
  a.close()
})

test('an aggregate or operator the agent creates in public is judged at once, in its own session and in the next', async () => {
  const a = await session()
  assert.equal((await query(a, "CREATE AGGREGATE public.count(text) (sfunc = textcat, stype = text, initcond = '')")).errors, [])
  const b = await session()
  for (const c of [a, b]) {
    const got = await query(c, 'SELECT count(api_key) FROM credentials')
    assert.match(got.errors.join(), /^42501: .*passes through public.count/)
    assert.equal(got.leaks, [])
  }
  assert.equal((await query(a, 'CREATE FUNCTION public.eq_leak(text, varchar) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$ SELECT $1 = $2::text $$')).errors, [])
  assert.equal((await query(a, 'CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = varchar, FUNCTION = public.eq_leak)')).errors, [])
  // The operator now runs for text = varchar: the read is no plain read any more, and waits for approval.
  const before = (await h.te.approvals.list({})).length
  const got = await query(b, 'SELECT name FROM users WHERE name = phone')
  assert.ok((await h.te.approvals.list({})).length > before, 'held for approval')
  assert.equal(got.leaks, [])
  await h.cluster.query('SET ROLE warden; DROP AGGREGATE public.count(text); DROP OPERATOR public.= (text, varchar); RESET ROLE')
  a.close()
  b.close()
})

test('the server ran nothing the gateway did not allow', () => {
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
