// A third attacker's review of the PostgreSQL gateway (agent identity, default policy, production target), against
// a real PostgreSQL 15: values of masked columns that reach the client by routes the first reviews did not try.
// - Write errors: a NOT NULL / CHECK / unique violation's DETAIL repeats the whole row (or key) of the table the
//   statement writes, masked columns included, though the statement names none of them.
// - Catalog poisoning: a temporary table or view made by a function (no DDL the gateway sees) shadows a table
//   whose name the gateway's catalog already resolved; the next read was judged, and masked, as the real table.
//   The same with a view created directly on the server in the `$user` schema, ahead of public.
// - Shadowed built-ins: a function outside pg_catalog named like a built-in runs instead of it when its argument
//   types match better (CVE-2018-1058); an aggregate public.count(text) made count(x), a safe derivation, return x,
//   and an operator public.=(text, varchar) returned passwords from a comparison of a harmless column.
// - Session state: a cursor the server closed (at COMMIT, or at ROLLBACK TO SAVEPOINT) stayed in the gateway's
//   bookkeeping, and so did a portal a Bind made, gone at the end of its transaction; a cursor of the same name
//   opened by an approved call of a function returning a refcursor was then fetched (or executed) with the old
//   cursor's lineage and masks.
// Tests named "held" passed before any fix: session-state statements, error-based one-bit oracles, and protocol
// requests out of place; they stay as regressions.
// Statements an agent needs approval for are approved here by a human dba, as a reviewer would approve a harmless
// looking one. Each test asserts that no seeded secret comes back (testing/leak-check.ts).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type pg from 'pg'
import { FUNCTIONS_FRESH_MS } from './catalog-functions.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { createLeakChecker } from './testing/leak-check.ts'
import { errorsOf, RawClient, rawMessages as m } from './testing/raw-client.ts'
import { receivedFromBytes } from './testing/received.ts'
import { LEAK_SEED_SQL, SEEDED_SECRETS } from './testing/seed-leaks.ts'

let h: Harness
const checker = createLeakChecker(SEEDED_SECRETS)

test.before(async () => {
  h = await startHarness({ holdSeconds: 20 })
  await h.cluster.query(LEAK_SEED_SQL)
})
test.after(async () => {
  await h?.stop()
})

const dba = () => h.te.identity('alice', ['dba'], 'human')

/** The rows, or the error's fields, a query gave back. */
const outcome = (p: Promise<pg.QueryResult>) =>
  p.then((r) => ({ rows: r.rows as unknown }), (e: pg.DatabaseError) => ({ error: { code: e.code, message: e.message, detail: e.detail, hint: e.hint, where: e.where } }))

/** Masked values in what a query gave back. */
const leaksIn = (got: unknown) => checker.scan({ results: [], messages: [JSON.stringify(got)] }).map((l) => `${l.column} via ${l.via}`)

/** Runs `sql`, which the policy holds for approval, and approves it as a dba would. */
async function approved(c: pg.Client, sql: string) {
  const known = new Set((await h.te.approvals.list({ status: 'pending' })).map((r) => r.id))
  let settled: unknown
  const result = outcome(c.query(sql)).then((r) => (settled = r))
  for (let i = 0; i < 500 && settled === undefined; i++) {
    const p = (await h.te.approvals.list({ status: 'pending' })).find((r) => !known.has(r.id))
    if (p) {
      await h.te.approvals.approve(p.id, dba())
      return result
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`no approval request appeared for ${sql}: ${JSON.stringify(settled)}`)
}

// ---- write errors ----

test('a NOT NULL violation of an approved UPDATE naming no masked column: its "Failing row contains" DETAIL is withheld', async () => {
  const c = await h.client()
  const got = await approved(c, 'UPDATE credentials SET label = NULL WHERE id = 1')
  assert.equal(leaksIn(got), [])
  assert.is((got as { error: { code: string } }).error.code, '23502')
  // The table's plain columns still give readable errors where nothing masked is involved.
  const plain = await approved(c, 'UPDATE orders SET status = NULL WHERE id = 1')
  assert.match(JSON.stringify(plain), 'violates not-null constraint')
})

test('a CHECK violation and a unique violation on a written table with masked columns: DETAIL withheld', async () => {
  const c = await h.client()
  await h.cluster.query(`ALTER TABLE credentials ADD CONSTRAINT label_short CHECK (length(label) < 20) NOT VALID;
    CREATE UNIQUE INDEX credentials_customer ON credentials (customer_id)`)
  const check = await approved(c, "UPDATE credentials SET label = repeat('x', 30) WHERE id = 2")
  assert.equal(leaksIn(check), [])
  assert.is((check as { error: { code: string } }).error.code, '23514')
  const unique = await approved(c, 'UPDATE credentials SET customer_id = 1 WHERE id = 3')
  assert.equal(leaksIn(unique), [])
  assert.is((unique as { error: { code: string } }).error.code, '23505')
})

// ---- catalog poisoning ----

/** A function that makes, unseen by the gateway, a temporary relation named like a table, showing passwords in a harmless column. */
const SHADOW_FN = `CREATE FUNCTION public.refresh_cache(kind text, rel text, col text) RETURNS int LANGUAGE plpgsql AS $$BEGIN
  EXECUTE format('CREATE TEMP %s %I AS SELECT id, password AS %I FROM public.credentials', kind, rel, col); RETURN 1; END$$;
  GRANT EXECUTE ON FUNCTION public.refresh_cache(text, text, text) TO warden`

// The catalog remembers a temporary relation's name for good once it has seen one, so each case shadows its own table.
for (const [kind, rel, col, plain] of [['TABLE', 'customers', 'display_name', 'Customer One'], ['VIEW', 'orders', 'status', 'paid']] as const) {
  test(`a temporary ${kind.toLowerCase()} made by an approved function call shadows a cached table: its first read is refused, not sent`, async () => {
    if (kind === 'TABLE') await h.cluster.query(SHADOW_FN)
    const c = await h.client()
    const read = `SELECT ${col} FROM ${rel} WHERE id = 1`
    assert.equal(await outcome(c.query(read)), { rows: [{ [col]: plain }] }, 'the table is cached and readable')
    assert.equal(await approved(c, `SELECT 1 AS done WHERE refresh_cache('${kind}', '${rel}', '${col}') = 1`), { rows: [{ done: 1 }] })
    // The first read was judged with the cached catalog: its result is refused as masking failed, naming the
    // temporary relation; from then on the name is known to be shadowed and reads of it are denied when judged.
    const first = await outcome(c.query(read))
    assert.equal(leaksIn(first), [])
    assert.match(JSON.stringify(first), /"code":"XX000".*temporary relation/)
    const next = await outcome(c.query(`SELECT * FROM ${rel} WHERE id = 2`))
    assert.equal(leaksIn(next), [])
    assert.match(JSON.stringify(next), /"code":"42501".*not in the catalog/)
    await c.end()
  })
}

test('a temporary table of one session shadows the name for every session while it exists, and no longer once that session ended', async () => {
  const a = await h.client()
  const b = await h.client()
  const read = 'SELECT name FROM users WHERE id = 1'
  assert.equal(await outcome(b.query(read)), { rows: [{ name: 'Ada Lovelace' }] })
  assert.equal(await approved(a, 'CREATE TEMP TABLE users (id int, name text)'), { rows: [] })
  assert.match(JSON.stringify(await outcome(b.query(read))), /"code":"42501".*not in the catalog/, 'which session reads which is not known')
  await a.end()
  await new Promise((r) => setTimeout(r, 200))
  assert.equal(await outcome(b.query('SELECT name FROM users WHERE id = 2')), { rows: [{ name: 'Grace Hopper' }] })
})

// ---- shadowed built-ins ----

test('an aggregate public.count(text) made on the server: count(x) of a masked column is refused, pg_catalog.count still answers', async () => {
  const c = await h.client()
  const read = 'SELECT count(api_key) FROM credentials'
  assert.equal(await outcome(c.query(read)), { rows: [{ count: '3' }] })
  await h.cluster.query(`SET ROLE warden; CREATE AGGREGATE public.count(text) (sfunc = textcat, stype = text, initcond = '')`)
  await new Promise((r) => setTimeout(r, FUNCTIONS_FRESH_MS + 100))
  for (const q of [read, 'SELECT count(DISTINCT api_key) AS n FROM credentials', `SELECT count(api_key) FILTER (WHERE id > 0) FROM credentials`]) {
    const got = await outcome(c.query(q))
    assert.equal(leaksIn(got), [], q)
    assert.match(JSON.stringify(got), /"code":"42501".*passes through public.count/, q)
  }
  assert.equal(await outcome(c.query('SELECT pg_catalog.count(api_key) AS n FROM credentials')), { rows: [{ n: '3' }] })
  await h.cluster.query('DROP AGGREGATE public.count(text)')
})

test('a function public.lower(varchar) made on the server: lower() is no longer a known-safe built-in, it needs approval', async () => {
  await h.cluster.query(`SET ROLE warden; CREATE FUNCTION public.lower(varchar) RETURNS text LANGUAGE sql AS $$SELECT 'not lower'$$`)
  await new Promise((r) => setTimeout(r, FUNCTIONS_FRESH_MS + 100))
  const c = await h.client()
  const known = new Set((await h.te.approvals.list()).map((r) => r.id))
  // In a WHERE clause (as a result column, a function not known to compute only from its arguments is denied).
  const got = await approved(c, "SELECT 1 AS one WHERE lower('X'::varchar) = 'not lower'")
  assert.equal(got, { rows: [{ one: 1 }] }, 'the server ran public.lower')
  const request = (await h.te.approvals.list()).find((r) => !known.has(r.id))
  assert.match(JSON.stringify(request), 'public.lower')
  assert.equal(await outcome(c.query("SELECT pg_catalog.lower('X') AS l")), { rows: [{ l: 'x' }] })
  await h.cluster.query('DROP FUNCTION public.lower(varchar)')
})

test('an operator public.=(text, varchar) made on the server: a comparison through it is refused as a result column, held for approval in WHERE', async () => {
  await h.cluster.query(`SET ROLE warden;
    CREATE FUNCTION public.text_eq_varchar(text, varchar) RETURNS text LANGUAGE sql AS $$SELECT string_agg(password, ',') FROM credentials$$;
    CREATE OPERATOR public.= (leftarg = text, rightarg = varchar, function = public.text_eq_varchar)`)
  await new Promise((r) => setTimeout(r, FUNCTIONS_FRESH_MS + 100))
  const c = await h.client()
  const got = await outcome(c.query("SELECT status = 'paid'::varchar AS s FROM orders WHERE id = 1"))
  assert.equal(leaksIn(got), [])
  assert.match(JSON.stringify(got), /"code":"42501".*passes through public.=/)
  const known = new Set((await h.te.approvals.list()).map((r) => r.id))
  assert.equal(await approved(c, "SELECT id FROM orders WHERE (status = 'paid'::varchar) IS NOT NULL AND id = 1"), { rows: [{ id: 1 }] })
  assert.match(JSON.stringify((await h.te.approvals.list()).find((r) => !known.has(r.id))), 'public.=')
  await h.cluster.query('DROP OPERATOR public.= (text, varchar); DROP FUNCTION public.text_eq_varchar(text, varchar)')
  await new Promise((r) => setTimeout(r, FUNCTIONS_FRESH_MS + 100))
})

// ---- session state ----

/** A function (made by the application; calling it needs approval) that opens cursor `name` on a value derived from passwords. */
const OPEN_REPORT = `CREATE FUNCTION public.open_report(name text) RETURNS int LANGUAGE plpgsql AS $$DECLARE r refcursor := name;
  BEGIN OPEN r FOR SELECT password || '' AS x FROM credentials; RETURN 1; END$$; GRANT EXECUTE ON FUNCTION public.open_report(text) TO warden`
const openCursor = (name: string) => `SELECT 1 AS one WHERE open_report('${name}') = 1`

test('a cursor closed at COMMIT, then opened again under its name by an approved function call: FETCH does not take the old lineage', async () => {
  await h.cluster.query(OPEN_REPORT)
  const c = await h.client()
  await c.query('BEGIN; DECLARE c1 CURSOR FOR SELECT label AS x FROM credentials; COMMIT')
  await c.query('BEGIN')
  assert.equal(await approved(c, openCursor('c1')), { rows: [{ one: 1 }] })
  const got = await outcome(c.query('FETCH ALL c1'))
  assert.equal(leaksIn(got), [])
  assert.match(JSON.stringify(got), '"code":"XX000"')
  await c.query('ROLLBACK')
  // A cursor WITH HOLD outlives its committed transaction, and is still fetched with its DECLARE's lineage.
  await c.query('BEGIN; DECLARE h1 CURSOR WITH HOLD FOR SELECT label AS x FROM credentials ORDER BY id; COMMIT')
  assert.equal(await outcome(c.query('FETCH 1 h1')), { rows: [{ x: 'ci deploy' }] })
  await c.query('CLOSE h1')
})

test('a cursor closed by ROLLBACK TO SAVEPOINT, then opened again under its name by an approved function call: FETCH does not take the old lineage', async () => {
  const c = await h.client()
  await c.query('BEGIN; SAVEPOINT s; DECLARE c2 CURSOR FOR SELECT label AS x FROM credentials; ROLLBACK TO SAVEPOINT s')
  assert.equal(await approved(c, openCursor('c2')), { rows: [{ one: 1 }] })
  const got = await outcome(c.query('FETCH ALL c2'))
  assert.equal(leaksIn(got), [])
  assert.match(JSON.stringify(got), '"code":"XX000"')
  await c.query('ROLLBACK')
})

test('a protocol portal closed at the end of its transaction, then opened again under its name by an approved function call: neither FETCH nor Execute takes the old lineage', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  try {
    c.take()
    const step = async (...msgs: Buffer[]) => {
      c.send(...msgs)
      await c.readyCount(1)
      const got = c.take()
      return got
    }
    await step(m.parse('s3', 'SELECT label AS x FROM credentials'), m.bind('p3', 's3'), m.execute('p3', 1), m.sync())
    await step(m.query('BEGIN'))
    const known = new Set((await h.te.approvals.list({ status: 'pending' })).map((r) => r.id))
    c.send(m.query(openCursor('p3')))
    await h.te.approvals.approve(await h.pendingApproval(known), dba())
    await c.readyCount(1)
    c.take()
    const executed = await step(m.execute('p3', 0), m.sync())
    const fetched = await step(m.query('FETCH ALL p3'))
    const leaks = checker.scan(receivedFromBytes(Buffer.concat([...executed, ...fetched].map((f) => f.raw))))
    assert.equal(leaks.map((l) => `${l.column} via ${l.via}`), [])
    assert.equal(errorsOf(executed).map((e) => e.code), ['34000'], 'the gateway knows the portal is gone')
  } finally {
    c.close()
  }
})

test('held: statements that would leave the session the gateway judges are refused, and RESET ALL keeps the pinned settings', async () => {
  const c = await h.client()
  for (const q of [
    'SET ROLE warden', 'SET SESSION AUTHORIZATION warden', "SELECT set_config('role', 'warden', false)",
    "SELECT 1 WHERE set_config('search_path', 'pg_temp, public', false) IS NULL", "LOAD 'auto_explain'", "PREPARE TRANSACTION 'x'",
    'RESET client_encoding', 'BEGIN; SET LOCAL standard_conforming_strings = off; COMMIT', "SELECT pg_catalog.set_config('bytea_output', 'escape', true)",
  ]) {
    assert.match(JSON.stringify(await outcome(c.query(q))), '"code":"42501"', q)
  }
  await c.query('ROLLBACK').catch(() => undefined)
  assert.equal(await outcome(c.query('RESET ALL')), { rows: [] })
  assert.equal(await outcome(c.query('SHOW standard_conforming_strings')), { rows: [{ standard_conforming_strings: 'on' }] })
  assert.equal(await outcome(c.query('SHOW client_encoding')), { rows: [{ client_encoding: 'UTF8' }] })
  assert.equal(h.unjudgedStatements(), [])
})

test('fixed: an error that would fire on a value masked whole (one bit a statement) is refused before it runs', async () => {
  const c = await h.client()
  for (const q of [
    "SELECT 1 FROM credentials WHERE CASE WHEN password LIKE 'M%' THEN 1/0 ELSE 1 END = 1",
    'SELECT (api_key::int) FROM credentials ORDER BY id',
    "SELECT id FROM credentials WHERE client_secret::uuid IS NOT NULL",
  ]) {
    const got = await outcome(c.query(q))
    assert.equal(leaksIn(got), [], q)
    assert.match(JSON.stringify(got), 'is masked whole', q)
  }
})

test('fixed: a secret cannot be read back a bit at a time through row counts, ordering or errors; lookups by a given value still run', async () => {
  const c = await h.client()
  for (const q of [
    "SELECT count(*) FROM credentials WHERE password LIKE 'M%'",
    "SELECT id FROM credentials WHERE api_key > 'm' AND id = 1",
    "SELECT id FROM credentials WHERE substr(client_secret, 1, 1) = 'a'",
    'SELECT id FROM credentials ORDER BY password LIMIT 1',
    'SELECT count(*) FROM credentials GROUP BY password',
    'SELECT 1 / (ascii(password) - 77) FROM credentials WHERE id = 1',
    "SELECT CASE WHEN password LIKE 'M%' THEN 1 END FROM credentials",
    "SELECT id FROM credentials c WHERE EXISTS (SELECT 1 FROM credentials d WHERE d.id = c.id AND d.password ~ '^M')",
  ]) {
    const got = await outcome(c.query(q))
    assert.equal(leaksIn(got), [], q)
    assert.match(JSON.stringify(got), /42501.*masked whole/, q)
  }
  for (const q of [
    "SELECT id FROM credentials WHERE password = 'not-it'",
    "SELECT id FROM credentials WHERE api_key IN ('a', 'b') OR client_secret IS NULL",
    'SELECT count(password), count(*) FILTER (WHERE api_key IS NOT NULL) FROM credentials',
    'SELECT id, password FROM credentials ORDER BY id',
  ]) {
    const got = await outcome(c.query(q))
    assert.equal(leaksIn(got), [], q)
    assert.not.match(JSON.stringify(got), '42501', q)
  }
  // A partially masked column keeps its everyday filters.
  assert.equal(await outcome(c.query("SELECT count(*)::int AS n FROM users WHERE email ILIKE '%@example.com'")), { rows: [{ n: 2 }] })
})

test('held: an error that fires on a partially masked value tells its SQLSTATE only, never the value', async () => {
  const c = await h.client()
  const got = await outcome(c.query('SELECT (email::int) FROM users ORDER BY id'))
  assert.equal(leaksIn(got), [], 'email cast')
  assert.match(JSON.stringify(got), 'withheld because the statement reads masked columns')
})

test('held: an SSLRequest or GSSENCRequest in the middle of a session is not a message the gateway passes on', async () => {
  for (const code of [80877103, 80877104]) {
    const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
    try {
      c.take()
      const req = Buffer.alloc(8)
      req.writeInt32BE(8, 0)
      req.writeInt32BE(code, 4)
      // Read as a typed message, the request is a type 0 message 2052 bytes long: the Query after it is its body.
      c.send(req, m.query('SELECT 1'))
      await new Promise((r) => setTimeout(r, 300))
      assert.equal(c.frames.length, 0, `${code}: nothing answered, nothing ran`)
      c.send(Buffer.alloc(2100))
      await c.until(() => c.closed, 5_000).catch(() => undefined)
      assert.ok(c.closed, `${code}: the session is ended`)
      assert.not.ok(c.frames.some((f) => f.type === 'D'), `${code}: nothing ran`)
    } finally {
      c.close()
    }
  }
})

// Last: the dropped view stays in the catalog's cache for a while (VIEW_TRUST_MS), resolving `credentials`.
test('a view created on the server in the $user schema shadows a cached public table: its first read is refused, not sent', async () => {
  const c = await h.client()
  const read = 'SELECT label FROM credentials WHERE id = 1'
  assert.equal(await outcome(c.query(read)), { rows: [{ label: 'ci deploy' }] }, 'the table is cached and readable')
  await h.cluster.query(`CREATE SCHEMA warden AUTHORIZATION warden;
    CREATE VIEW warden.credentials AS SELECT id, password AS label FROM public.credentials; GRANT SELECT ON warden.credentials TO warden`)
  const first = await outcome(c.query(read))
  assert.equal(leaksIn(first), [])
  assert.match(JSON.stringify(first), /"code":"XX000".*view warden.credentials/)
  // Now cached, the view is followed when judged: its column is masked by origin.
  const next = await outcome(c.query(read))
  assert.equal(next, { rows: [{ label: '[redacted]' }] })
  await h.cluster.query('DROP SCHEMA warden CASCADE')
})

test.run()
