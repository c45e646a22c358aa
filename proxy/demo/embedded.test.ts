import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { startEmbeddedPostgres } from './embedded.ts'
import { DEMO_USERS, demoOrders } from './seed.ts'

function luhnValid(number: string): boolean {
  const digits = number.replace(/\D/g, '')
  let sum = 0
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i])
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2
    sum += d
  }
  return digits.length >= 13 && sum % 10 === 0
}

test('every demo card number is Luhn-valid and every email unique', () => {
  for (const u of DEMO_USERS) assert.ok(luhnValid(u.card_number), `${u.name}: ${u.card_number}`)
  assert.is(new Set(DEMO_USERS.map((u) => u.email)).size, DEMO_USERS.length)
  assert.ok(DEMO_USERS.length >= 20)
})

test('demo orders are deterministic and belong to existing users', () => {
  const a = demoOrders(DEMO_USERS.length)
  assert.equal(a, demoOrders(DEMO_USERS.length))
  assert.ok(a.every((o) => o.user_id >= 1 && o.user_id <= DEMO_USERS.length && o.amount_cents > 0))
})

test('starts on a Unix socket in a private 0700 directory, serves seeded users and orders to several connections, then closes', async () => {
  const demo = await startEmbeddedPostgres()
  try {
    assert.ok(demo.host.startsWith('/'), demo.host)
    assert.is(statSync(demo.host).mode & 0o777, 0o700)
    assert.ok(statSync(join(demo.host, `.s.PGSQL.${demo.port}`)).isSocket())
    const config = { host: demo.host, port: demo.port, database: demo.database, user: demo.user }
    const a = new pg.Client(config)
    const b = new pg.Client({ ...config, user: 'anyone', password: 'ignored' })
    await a.connect()
    await b.connect()
    const users = await a.query('SELECT id, name, email, card_number, plan FROM users ORDER BY id')
    assert.is(users.rowCount, DEMO_USERS.length)
    assert.is(users.rows[0].email, 'ada.lovelace@example.com')
    assert.is(users.rows[0].card_number, '4242 4242 4242 4242')
    const orders = await b.query('SELECT count(*)::int AS n FROM orders o JOIN users u ON u.id = o.user_id')
    assert.is(orders.rows[0].n, demoOrders(DEMO_USERS.length).length)
    await a.end()
    await b.end()
  } finally {
    await demo.close()
  }
  await demo.close()
  assert.not.ok(existsSync(demo.host), 'socket directory left behind')
  const refused = new pg.Client({ host: demo.host, port: demo.port, user: demo.user, database: demo.database })
  refused.on('error', () => undefined)
  await refused.connect().then(() => assert.unreachable('connected after close'), (err: Error) => assert.ok(err))
})

test('with a data directory, keeps changes across restarts instead of re-seeding', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-demo-'))
  try {
    const first = await startEmbeddedPostgres(join(dir, 'db'))
    const c1 = new pg.Client({ host: first.host, port: first.port, user: first.user, database: first.database })
    await c1.connect()
    await c1.query(`DELETE FROM orders WHERE user_id = 1`)
    await c1.query(`DELETE FROM users WHERE id = 1`)
    await c1.end()
    await first.close()
    const second = await startEmbeddedPostgres(join(dir, 'db'))
    const c2 = new pg.Client({ host: second.host, port: second.port, user: second.user, database: second.database })
    await c2.connect()
    const { rows } = await c2.query('SELECT count(*)::int AS n FROM users')
    assert.is(rows[0].n, DEMO_USERS.length - 1)
    await c2.end()
    await second.close()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test.run()
