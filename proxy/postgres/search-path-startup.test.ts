// A search_path given at startup (options=-c search_path=…) is judged as its SET statement before the session
// starts; where a policy allows it, the session starts with names the gateway's catalog does not resolve as the
// server does, exactly as after a SET (search-path.ts). The default policy holds such a SET for approval, which
// refuses the startup; here a policy allows it.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import pg from 'pg'
import type { Decision, InputDocument } from '../../engine/types.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { SHADOWED_SECRET, SHADOWING_VIEW_SQL } from './testing/shadowing-view.ts'

let h: Harness
const SECRET = SHADOWED_SECRET

/** A policy that allows changing search_path (the default one holds it for approval). */
function override(input: InputDocument): Decision | undefined {
  const statements = input.command.sql?.statements ?? []
  if (statements.length === 1 && statements[0]!.type === 'set' && statements[0]!.detail.name === 'search_path') return { effect: 'allow', reasons: [], obligations: { mask: [] } }
  return undefined
}

test.before(async () => {
  h = await startHarness({ override })
  await h.cluster.query(SHADOWING_VIEW_SQL)
})
test.after(async () => {
  await h?.stop()
})

test('a session started with another search_path does not resolve unqualified names through the catalog', async () => {
  const c = new pg.Client({ host: '127.0.0.1', port: h.port, user: 'agent', database: 'prod-db', password: await h.agentToken(), options: '-c search_path=reporting,public' })
  c.on('error', () => undefined)
  await c.connect()
  try {
    assert.is((await c.query('SHOW search_path')).rows[0].search_path, 'reporting,public', 'the server really uses it')
    const got = await c.query('SELECT motto FROM profiles').then((r) => JSON.stringify(r.rows), (e: pg.DatabaseError) => `${e.code}: ${e.message}`)
    assert.not.match(got, SECRET)
    assert.match(got, '42501')
    assert.is(JSON.stringify((await c.query('SELECT motto FROM public.profiles')).rows), JSON.stringify([{ motto: 'harmless' }]))
  } finally {
    await c.end()
  }
})

test.run()
