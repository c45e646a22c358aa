// `SET search_path = ''`, as pg_dump sends it (`SELECT pg_catalog.set_config('search_path', '', false)`): the gateway
// then resolves an unqualified name as a relation of pg_catalog only (search-path.ts), and keeps probing after code
// runs: code that moves the path ahead of pg_catalog turns the session to schema-qualified names only, so a view
// named pg_class elsewhere cannot pass for the catalog's.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Decision } from '../../engine/types.ts'
import { startHarness, type Harness } from './testing/harness.ts'

const MOVE = 'SELECT public.move_path()'
let h: Harness

test.before(async () => {
  h = await startHarness({
    holdSeconds: 1,
    seed: [
      'CREATE SCHEMA evil',
      'CREATE VIEW evil.pg_class AS SELECT email AS relname FROM public.users',
      'GRANT USAGE ON SCHEMA evil TO warden',
      'GRANT SELECT ON evil.pg_class TO warden',
      "CREATE FUNCTION public.move_path() RETURNS int LANGUAGE sql AS $$ SELECT length(pg_catalog.set_config('search_path', 'evil, pg_catalog', false)) $$",
    ],
    // The call that moves the path unseen is let through: what follows it is what is tested.
    override: (input) => (input.command?.raw === MOVE ? { effect: 'allow', reasons: [], obligations: { mask: [] } } as Decision : undefined),
  })
})
test.after(async () => {
  await h?.stop()
})

const message = (p: Promise<unknown>) => p.then(() => '', (e: Error) => e.message)

test("after set_config('search_path', '', false) unqualified names resolve in pg_catalog only", async () => {
  const c = await h.client()
  const notices: string[] = []
  c.on('notice', (n) => notices.push(n.message ?? ''))
  assert.equal((await c.query("SELECT pg_catalog.set_config('search_path', '', false)")).rows, [{ set_config: '' }])
  assert.match(notices.join('\n'), "warden: search_path emptied")
  assert.equal((await c.query("SELECT relname FROM pg_class WHERE relname = 'users'")).rows, [{ relname: 'users' }])
  assert.match(await message(c.query('SELECT email FROM users')), /unknown lineage|cannot trace/)
  // pg_dump's next set_config reads pg_settings by name: it counts as code, so a probe follows it, and finds '' as set.
  const restrict = "SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings WHERE name = 'restrict_nonsystem_relation_kind'"
  assert.equal((await c.query(restrict)).rows, [{ set_config: 'view, foreign-table' }])
  assert.equal((await c.query("SELECT relname FROM pg_class WHERE relname = 'orders'")).rows, [{ relname: 'orders' }])
  const masked = (await c.query('SELECT email FROM public.users ORDER BY id LIMIT 1')).rows[0].email as string
  assert.is.not(masked, 'ada@example.com')
  assert.equal(h.unjudgedStatements(), [])
})

test("SET search_path = '' (which the server shows as \"\") is followed as set_config's '' is, after code runs too", async () => {
  const c = await h.client()
  await c.query("SET search_path = ''")
  assert.equal((await c.query('SHOW search_path')).rows, [{ search_path: '""' }])
  const restrict = "SELECT set_config(name, 'view', false) FROM pg_settings WHERE name = 'restrict_nonsystem_relation_kind'"
  assert.equal((await c.query(restrict)).rows, [{ set_config: 'view' }])
  assert.equal((await c.query("SELECT relname FROM pg_class WHERE relname = 'users'")).rows, [{ relname: 'users' }])
  assert.match(await message(c.query('SELECT email FROM users')), /unknown lineage|cannot trace/)
})

test('code that moves the path ahead of pg_catalog afterwards is caught: pg_class is no longer resolved unqualified', async () => {
  const c = await h.client()
  await c.query("SELECT pg_catalog.set_config('search_path', '', false)")
  await c.query(MOVE)
  const err = await message(c.query('SELECT relname FROM pg_class'))
  assert.match(err, /cannot trace|unknown lineage|not in the catalog/)
  assert.not.match(err, '@example')
  const schema = (await c.query("SELECT relname FROM pg_catalog.pg_class WHERE relname = 'users'")).rows
  assert.equal(schema, [{ relname: 'users' }], 'schema-qualified names still resolve')
})

test.run()
