// The gateway in front of the embedded PGlite demo target (`npm start`): no upstream password, one query at a
// time behind the socket server; reads inside a transaction must still be masked without a stall.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import pg from 'pg'
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../demo/embedded.ts'
import { type PostgresListener, startPostgresListener } from './listener.ts'
import { createTestEngine, type TestEngine, testTarget } from './testing/engine.ts'

let demo: EmbeddedPostgres
let te: TestEngine
let listener: PostgresListener

test.before(async () => {
  demo = await startEmbeddedPostgres()
  te = await createTestEngine({ targets: [testTarget('demo')] })
  listener = await startPostgresListener({
    host: '127.0.0.1',
    port: 0,
    allowPlaintext: false,
    engine: te.engine,
    upstream: () => ({ host: demo.host, port: demo.port, database: demo.database, user: demo.user }),
    holdSeconds: 5,
    maskKey: new Uint8Array(32),
  })
})
test.after(async () => {
  await listener?.close()
  await demo?.close()
  te?.close()
})

test('reads inside a transaction are masked; writes are held; the session goes on', async () => {
  const c = new pg.Client({ host: '127.0.0.1', port: listener.address.port, user: 'agent', database: 'demo', password: await te.token('cursor', ['agents']) })
  await c.connect()
  try {
    await c.query('BEGIN')
    const { rows } = await c.query('SELECT name, email, card_number FROM users ORDER BY id LIMIT 3')
    assert.is(rows.length, 3)
    for (const r of rows) {
      assert.not.match(r.email, '@')
      assert.match(r.card_number, /^\*+\d{4}$/)
    }
    await c.query('COMMIT')
    const held = c.query("UPDATE users SET plan = 'x' WHERE id = 1").catch((e: pg.DatabaseError) => e)
    let pending
    for (let i = 0; i < 250 && !pending; i++) {
      pending = (await te.approvals.list({ status: 'pending' }))[0]
      if (!pending) await new Promise((r) => setTimeout(r, 20))
    }
    await te.approvals.reject(pending!.id, te.identity('alice', ['dba'], 'human'))
    assert.is(((await held) as pg.DatabaseError).code, '42501')
    assert.is((await c.query('SELECT count(*)::int AS n FROM orders')).rows[0].n > 0, true)
  } finally {
    await c.end()
  }
})

test.run()
