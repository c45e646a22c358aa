// One caller cannot take every server connection: past upstream.max_sessions_per_caller its next session is
// refused with 53300 (each gateway session holds a server connection, and the server has max_connections of
// them), while other callers still connect, and a session ended gives its place back.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import pg from 'pg'
import { CallerSessions } from './caller-sessions.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { testTarget } from './testing/engine.ts'

let h: Harness

test.before(async () => {
  const target = testTarget('prod-db')
  const down = testTarget('down-db')
  h = await startHarness({
    targets: [{ ...target, upstream: { ...target.upstream!, max_sessions_per_caller: 3 } }, { ...down, upstream: { ...down.upstream!, max_sessions_per_caller: 3 } }],
    // down-db's server refuses connections: nothing listens on port 1.
    upstream: (t, cluster) => (t.name === 'down-db' ? { ...cluster.upstream(), port: 1 } : cluster.upstream()),
  })
})
test.after(async () => {
  await h?.stop()
})

const refusal = (open: Promise<pg.Client>) => open.then((c) => { void c.end(); return undefined }, (e: { code?: string; message: string; hint?: string }) => e)

test('past its limit a caller is refused with 53300 and told why; another caller still connects; an ended session gives its place back', async () => {
  const token = await h.agentToken('greedy')
  const held = [await h.client({ token }), await h.client({ token }), await h.client({ token })]
  const err = await refusal(h.client({ token }))
  assert.is(err?.code, '53300')
  assert.match(err!.message, 'max_sessions_per_caller')
  const other = await h.client({ token: await h.agentToken('modest') })
  assert.is((await other.query('SELECT 1 AS one')).rows[0].one, 1)
  await held.pop()!.end()
  // The gateway notices the client left, then counts one fewer.
  let again: pg.Client | undefined
  for (let i = 0; i < 50 && !again; i++) {
    again = await h.client({ token }).catch(() => undefined)
    if (!again) await new Promise((resolve) => setTimeout(resolve, 50))
  }
  assert.ok(again, 'a place came back')
  assert.is((await again!.query('SELECT 2 AS two')).rows[0].two, 2)
  for (const c of [...held, again!, other]) await c.end()
})

test('a session refused at authentication or for an unknown target takes no place', async () => {
  const token = await h.agentToken('careless')
  for (let i = 0; i < 5; i++) {
    assert.is((await refusal(h.client({ token, database: 'no-such-target' })))?.code, '3D000')
    assert.is((await refusal(h.client({ token: 'not-a-token' })))?.code, '28P01')
  }
  const ok = [await h.client({ token }), await h.client({ token }), await h.client({ token })]
  for (const c of ok) await c.end()
})

test('a session refused after it was counted (a startup setting refused, the server unreachable, over TLS or not) gives its place back', async () => {
  const token = await h.agentToken('unlucky')
  const refusedSetting = (ssl: boolean) => new pg.Client({ host: '127.0.0.1', port: h.port, user: 'agent', database: 'prod-db', password: token, ssl: ssl ? { rejectUnauthorized: false } : false, options: '-c standard_conforming_strings=off' } as pg.ClientConfig)
  for (let i = 0; i < 5; i++) {
    for (const ssl of [false, true]) {
      const c = refusedSetting(ssl)
      c.on('error', () => undefined)
      const err = await c.connect().then(() => undefined, (e: { code?: string }) => e)
      assert.ok(err && err.code !== '53300', `refused for the setting, not the cap: ${err?.code}`)
    }
    assert.is((await refusal(h.client({ token, database: 'down-db' })))?.code, '08001')
    assert.is((await refusal(h.client({ token, database: 'down-db', ssl: true })))?.code, '08001')
  }
  const ok = [await h.client({ token }), await h.client({ token }), await h.client({ token, ssl: true })]
  for (const c of ok) assert.is((await c.query('SELECT 1 AS one')).rows[0].one, 1)
  for (const c of ok) await c.end()
})

test('CallerSessions: counts per target and caller; 0 is no limit; leaving twice counts once', () => {
  const s = new CallerSessions()
  const a = s.enter('t', 'a', 1)!
  assert.is(s.enter('t', 'a', 1), undefined)
  assert.ok(s.enter('u', 'a', 1), 'another target')
  assert.ok(s.enter('t', 'b', 1), 'another caller')
  a()
  a()
  assert.is(s.count('t', 'a'), 0)
  for (let i = 0; i < 100; i++) assert.ok(s.enter('t', 'c', 0))
})

test.run()
