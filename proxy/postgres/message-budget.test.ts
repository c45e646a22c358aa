// Clients that each start a large message and send it slowly made the gateway hold a buffer of up to 64 MiB per
// session, gigabytes over a few hundred sessions. The listener's budget for unread client messages refuses the
// session whose large message would pass it (53200), and only that one; every byte is given back however a
// session ends. Against a real PostgreSQL 15, with a small budget.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { encodeQuery } from './messages/query.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, RawClient, types } from './testing/raw-client.ts'

const MiB = 1024 * 1024
const BUDGET = 8 * MiB
let h: Harness

test.before(async () => {
  h = await startHarness({ maxBufferedMessageBytes: BUDGET })
})
test.after(async () => {
  await h?.stop()
})

const session = async () => RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })

/** The start of a Query whose length word claims 40 MiB, and `bytes` of its text. */
function largeQueryStart(bytes: number): Buffer {
  const head = Buffer.alloc(5)
  head[0] = 'Q'.charCodeAt(0)
  head.writeInt32BE(40 * MiB, 1)
  return Buffer.concat([head, Buffer.alloc(bytes, 'x')])
}

/** Polls an outcome (not a duration): the gateway has read what the clients sent, or given it back. */
async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(done(), what)
}

const buffered = () => h.listener.bufferedMessageBytes()

test(`clients starting 40 MiB messages: the one passing the ${BUDGET / MiB} MiB budget is refused (53200); the others and a pg session go on; the budget returns to 0`, async () => {
  const [a, b, c, d] = await Promise.all([session(), session(), session(), session()])
  const pgClient = await h.client()
  try {
    a.send(largeQueryStart(3 * MiB))
    await until(() => buffered() >= 3 * MiB, 'the first 3 MiB are buffered')
    b.send(largeQueryStart(3 * MiB))
    await until(() => buffered() >= 6 * MiB, 'the second 3 MiB are buffered')
    c.send(largeQueryStart(3 * MiB))
    const refused = await c.until(() => false) // until the gateway closes it
    const [e] = errorsOf(refused)
    assert.is(e?.code, '53200')
    assert.is(e?.severity, 'FATAL')
    assert.match(e!.message, `limit of ${BUDGET} bytes`)
    assert.match(e!.message, 'listeners.postgres.max_buffered_message_bytes')
    assert.match(e!.hint ?? '', 'raise listeners.postgres.max_buffered_message_bytes')
    assert.ok(buffered() <= BUDGET, `${buffered()} bytes held`)

    // The sessions under the budget are still open, and small messages are never refused while it is full.
    assert.not.ok(a.closed || b.closed)
    d.send(encodeQuery('SELECT 1'))
    assert.is(types(await d.readyCount(1)), 'TDCZ')
    assert.equal((await pgClient.query('SELECT 2 AS n')).rows, [{ n: 2 }])

    // Every way a session ends gives its bytes back: refused (above), destroyed, half-closed, reset, Terminate.
    d.send(largeQueryStart(1 * MiB))
    await until(() => buffered() >= 7 * MiB, 'the fourth session\'s bytes are buffered')
    a.close()
    b.socket.end()
    d.socket.resetAndDestroy()
    await pgClient.end()
    await until(() => buffered() === 0 && h.listener.connections() === 0, 'every session ended')
    assert.is(buffered(), 0)
  } finally {
    for (const x of [a, b, c, d]) x.close()
  }
})

test('a large message read whole is given back once read, while its session goes on', async () => {
  const c = await session()
  c.send(encodeQuery(`SELECT '${'y'.repeat(3 * MiB)}'`))
  const frames = await c.readyCount(1, 20_000)
  assert.is(types(frames), 'EZ')
  assert.is(errorsOf(frames)[0]?.code, '54000') // over the SQL text limit (limits.ts): read whole, then refused
  assert.is(buffered(), 0)
  c.take()
  c.send(encodeQuery('SELECT 1'))
  assert.is(types(await c.readyCount(1)), 'TDCZ')
  c.close()
})

test('the gateway closing a session with a message half sent gives its bytes back', async () => {
  const c = await session()
  c.send(largeQueryStart(2 * MiB))
  await until(() => buffered() >= 2 * MiB, 'the bytes are buffered')
  await h.listener.close()
  assert.is(buffered(), 0)
  c.close()
})

test.run()
