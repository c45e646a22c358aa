// Choosing the demo backend: the private PostgreSQL cluster where server binaries are installed, PGlite when
// told to or when none are; both serve one seeded database per embedded target on a private Unix socket.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { type DemoDatabases, startDemoDatabases } from './demo-databases.ts'
import { DEMO_USERS } from './seed.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-demo-dbs-'))
chmodSync(dir, 0o711) // the server runs as `postgres` when the tests run as root
const env = { PATH: process.env.PATH }

async function countUsers(demo: DemoDatabases, target: string): Promise<number> {
  const e = demo.endpoint(target)
  const c = new pg.Client({ host: e.host, port: e.port, database: e.database, user: e.user, password: e.password })
  await c.connect()
  try {
    return (await c.query('SELECT count(*)::int AS n FROM users')).rows[0].n
  } finally {
    await c.end()
  }
}

test('auto with PostgreSQL installed: one private cluster, a seeded database per target, reached by password', async () => {
  const demo = await startDemoDatabases(['demo', 'demo-eu'], { stateDir: join(dir, 'auto'), env })
  try {
    assert.is(demo.backend, 'postgres')
    assert.match(demo.description, /^PostgreSQL \d+(\.\d+)? private cluster at .*demo-pg \(Unix socket only/)
    for (const target of ['demo', 'demo-eu']) {
      const e = demo.endpoint(target)
      assert.ok(e.host.startsWith('/') && e.password, JSON.stringify(e))
      assert.is(e.database, target)
      assert.is(await countUsers(demo, target), DEMO_USERS.length)
    }
  } finally {
    await demo.close()
  }
})

test('WARDEN_DEMO_BACKEND=pglite: PGlite on a private socket, and the start-up line states its limits', async () => {
  const demo = await startDemoDatabases(['demo'], { stateDir: join(dir, 'pglite'), env: { ...env, WARDEN_DEMO_BACKEND: 'pglite' } })
  const { host } = demo.endpoint('demo')
  try {
    assert.is(demo.backend, 'pglite')
    assert.equal(demo.warnings, [], 'asked for, so no warning')
    assert.match(demo.description, 'one shared backend session')
    assert.match(demo.description, 'single-threaded')
    assert.is(statSync(host).mode & 0o777, 0o700)
    assert.is(await countUsers(demo, 'demo'), DEMO_USERS.length)
    assert.not.ok(existsSync(join(dir, 'pglite', 'demo-pg')), 'made a cluster anyway')
  } finally {
    await demo.close()
  }
  assert.not.ok(existsSync(host))
})

test('without server binaries, auto falls back to PGlite and says why; postgres fails with how to fix it', async () => {
  const missing = { ...env, PG_BIN: '/nonexistent/bin' }
  const demo = await startDemoDatabases(['demo'], { stateDir: join(dir, 'none'), env: missing })
  try {
    assert.is(demo.backend, 'pglite')
    assert.match(demo.warnings.join('\n'), 'PG_BIN=/nonexistent/bin')
    assert.match(demo.warnings.join('\n'), 'using PGlite instead')
  } finally {
    await demo.close()
  }
  const err = await startDemoDatabases(['demo'], { stateDir: join(dir, 'none'), env: { ...missing, WARDEN_DEMO_BACKEND: 'postgres' } }).then(() => undefined, (e: Error & { code: string }) => e)
  assert.is(err?.code, 'demo.no_postgres')
  assert.match(err!.message, 'install PostgreSQL')
})

test('as root, a state directory the postgres user cannot enter falls back to PGlite (auto) and stays private', async () => {
  if (process.getuid?.() !== 0) return
  const closed = mkdtempSync(join(dir, 'closed-')) // 0700 root: postgres cannot pass through it
  const stateDir = join(closed, 'state')
  const demo = await startDemoDatabases(['demo'], { stateDir, env })
  try {
    assert.is(demo.backend, 'pglite')
    assert.match(demo.warnings.join('\n'), 'cannot enter')
    assert.is(statSync(stateDir).mode & 0o777, 0o700)
  } finally {
    await demo.close()
  }
  const err = await startDemoDatabases(['demo'], { stateDir, env: { ...env, WARDEN_DEMO_BACKEND: 'postgres' } }).then(() => undefined, (e: Error & { code: string }) => e)
  assert.is(err?.code, 'demo.unavailable')
})

test('an unknown WARDEN_DEMO_BACKEND is an error naming the accepted values', async () => {
  const err = await startDemoDatabases(['demo'], { stateDir: join(dir, 'bad'), env: { WARDEN_DEMO_BACKEND: 'mysql' } }).then(() => undefined, (e: Error & { code: string }) => e)
  assert.is(err?.code, 'demo.backend')
  assert.match(err!.message, 'auto, postgres or pglite')
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
