// Wire review of the shadowed built-in judging (catalog-functions.ts), against a real PostgreSQL 15: an operator
// named like a built-in runs where no operator is written. PostgreSQL looks up `=` for CASE x WHEN y, for JOIN …
// USING and NATURAL JOIN, and for x IN (SELECT …); `>=` and `<=` for BETWEEN. A public.=(text, varchar) or
// public.>=(text, varchar) then runs its function, with the gateway's role, on statements judged as plain reads.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type pg from 'pg'
import { FUNCTIONS_FRESH_MS } from './catalog-functions.ts'
import { CATALOG_APP, startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, RawClient } from './testing/raw-client.ts'
import { encodePasswordMessage } from './messages/password-message.ts'
import { encodeStartupMessage } from './messages/startup-message.ts'
import { PROTOCOL_3_0 } from './messages/startup-packet.ts'

let h: Harness

const LOOT = `SET ROLE warden;
  CREATE TABLE public.loot (n int);
  CREATE FUNCTION public.spy(text, varchar) RETURNS boolean LANGUAGE plpgsql AS $$BEGIN INSERT INTO public.loot VALUES (1); RETURN $1 = $2::text; END$$;
  CREATE OPERATOR public.= (leftarg = text, rightarg = varchar, function = public.spy);
  CREATE OPERATOR public.>= (leftarg = text, rightarg = varchar, function = public.spy);
  RESET ROLE`

test.before(async () => {
  h = await startHarness({ holdSeconds: 5 })
  await h.cluster.query(LOOT)
  await new Promise((r) => setTimeout(r, FUNCTIONS_FRESH_MS + 100))
})
test.after(async () => {
  await h?.stop()
})

/** What a statement got within 2 s: its rows, its error's code and message, or 'held' (waiting for approval). */
async function attempt(sql: string): Promise<unknown> {
  const c: pg.Client = await h.client()
  const got = c.query(sql).then((r) => ({ rows: r.rows as unknown }), (e: pg.DatabaseError) => ({ code: e.code, message: e.message }))
  return Promise.race([got, new Promise((r) => setTimeout(() => r('held'), 2_000))])
}

const ran = async () => Number((await h.cluster.query<{ n: number }>('SELECT count(*)::int AS n FROM public.loot'))[0]!.n)

const CASES = [
  ['CASE x WHEN y (=)', "SELECT id FROM orders WHERE CASE status WHEN 'paid'::varchar THEN true ELSE false END"],
  ['CASE x WHEN y as a result column (=)', "SELECT CASE status WHEN 'paid'::varchar THEN 1 ELSE 0 END AS x FROM orders"],
  ['BETWEEN (>=)', "SELECT id FROM orders WHERE status BETWEEN 'a'::varchar AND 'z'::varchar"],
  ['IN (SELECT …) (=)', "SELECT id FROM orders WHERE status IN (SELECT 'paid'::varchar)"],
  ['JOIN … USING (=)', "SELECT o.id FROM orders o JOIN (SELECT 'paid'::varchar AS status) v USING (status)"],
  ['NATURAL JOIN (=)', "SELECT id FROM (SELECT id, status FROM orders) o NATURAL JOIN (SELECT 'paid'::varchar AS status) v"],
] as const

for (const [what, sql] of CASES) {
  test(`a shadowed built-in operator PostgreSQL applies for ${what} is judged as a call of public's operator: the statement does not run unapproved`, async () => {
    const before = await ran()
    const got = await attempt(sql)
    assert.is(await ran(), before, `public.spy ran: ${JSON.stringify(got)}`)
    assert.ok(got === 'held' || (got as { code?: string }).code === '42501', JSON.stringify(got))
  })
}

test('once the shadowing operators are dropped, the same statements run without approval', async () => {
  await h.cluster.query('DROP OPERATOR public.= (text, varchar); DROP OPERATOR public.>= (text, varchar)')
  await new Promise((r) => setTimeout(r, FUNCTIONS_FRESH_MS + 100))
  for (const [, sql] of CASES) assert.ok(Array.isArray(((await attempt(sql)) as { rows?: unknown }).rows), sql)
})

// ---- a shadowing function made an extension member ----

test('an aggregate public.count(text) its owner added to a trusted extension it created (lo): count(email) still does not run it unjudged', async () => {
  await h.cluster.query(`DO $$BEGIN EXECUTE format('GRANT CREATE ON DATABASE %I TO warden', current_database()); END$$;
    SET ROLE warden; CREATE EXTENSION lo SCHEMA public;
    CREATE AGGREGATE public.count(text) (sfunc = textcat, stype = text, initcond = '');
    ALTER EXTENSION lo ADD AGGREGATE public.count(text); RESET ROLE`)
  await new Promise((r) => setTimeout(r, FUNCTIONS_FRESH_MS + 100))
  try {
    const got = await attempt('SELECT count(email) AS n FROM users')
    assert.not.match(JSON.stringify(got), '@example', JSON.stringify(got))
    assert.ok(got === 'held' || (got as { code?: string }).code === '42501', JSON.stringify(got))
  } finally {
    await h.cluster.query('DROP EXTENSION lo CASCADE')
  }
})

// ---- quoted names differing from a built-in's only in case ----

test('an aggregate public."COUNT"(text): "COUNT"(email) is not judged as the built-in count', async () => {
  await h.cluster.query(`SET ROLE warden; CREATE AGGREGATE public."COUNT"(text) (sfunc = textcat, stype = text, initcond = ''); RESET ROLE`)
  try {
    const got = await attempt('SELECT "COUNT"(email) AS n FROM users')
    assert.not.match(JSON.stringify(got), '@example', JSON.stringify(got))
    assert.ok(got === 'held' || (got as { code?: string }).code === '42501', JSON.stringify(got))
  } finally {
    await h.cluster.query('DROP AGGREGATE public."COUNT"(text)')
  }
})

// ---- many sessions at once, aborted mid-startup (caller-sessions.ts) ----

/** Server sessions other than the gateway's catalog connection and this test's own. */
const serverSessions = async () =>
  Number((await h.cluster.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND application_name <> '${CATALOG_APP}'`))[0]!.n)

test('80 sessions of one caller at once, each aborted at a different point of its startup: no server session is left behind and the caller keeps all 32 places', async () => {
  const token = await h.agentToken('stormer')
  const before = await serverSessions()
  const startup = encodeStartupMessage({ protocol: PROTOCOL_3_0, params: new Map([['user', 'agent'], ['database', 'prod-db']]) })
  const whole = Buffer.concat([startup, encodePasswordMessage(token)])
  await Promise.all(Array.from({ length: 80 }, async (_, i) => {
    const c = await RawClient.open(h.port)
    // Cut inside the startup message, after it, inside the password, or after it (the gateway then connects upstream).
    const cut = [3, startup.length, startup.length + 4, whole.length][i % 4]!
    c.send(whole.subarray(0, cut))
    await new Promise((r) => setTimeout(r, (i % 7) * 5))
    c.socket.destroy()
  }))
  let left = -1
  for (let i = 0; i < 100 && left !== before; i++) {
    await new Promise((r) => setTimeout(r, 100))
    left = await serverSessions()
  }
  assert.is(left, before, 'server sessions left behind by aborted startups')
  const held: RawClient[] = []
  try {
    for (let i = 0; i < 32; i++) held.push(await RawClient.session(h.port, { token, database: 'prod-db' }))
    const extra = await RawClient.open(h.port)
    extra.send(whole)
    const got = await extra.until((fs) => fs.some((f) => f.type === 'E' || f.type === 'Z'))
    assert.equal(errorsOf(got).map((e) => e.code), ['53300'])
    extra.close()
  } finally {
    for (const c of held) c.close()
  }
})

test.run()
