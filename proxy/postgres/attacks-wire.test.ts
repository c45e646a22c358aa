// Wire review of the shadowed built-in judging (catalog-functions.ts), against a real PostgreSQL 15: an operator
// named like a built-in runs where no operator is written. PostgreSQL looks up `=` for CASE x WHEN y, for JOIN …
// USING and NATURAL JOIN, and for x IN (SELECT …); `>=` and `<=` for BETWEEN. A public.=(text, varchar) or
// public.>=(text, varchar) then runs its function, with the gateway's role, on statements judged as plain reads.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type pg from 'pg'
import { FUNCTIONS_FRESH_MS } from './catalog-functions.ts'
import { startHarness, type Harness } from './testing/harness.ts'

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

test.run()
