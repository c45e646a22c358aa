// Clients that each start a large message and send it slowly made the gateway hold a buffer of up to 64 MiB per
// session, gigabytes over a few hundred sessions. The listener's budget for unread client messages refuses the
// session whose large message would pass it (53200), and only that one; every byte is given back however a
// session ends. Against a real PostgreSQL 15, with a small budget.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { encodeQuery } from './messages/query.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, largeQueryStart, pollUntil, RawClient, types } from './testing/raw-client.ts'

const MiB = 1024 * 1024
const BUDGET = 8 * MiB
let h: Harness

test.before(async () => {
  h = await startHarness({ maxBufferedMessageBytes: BUDGET })
})
test.after(async () => {
  await h?.stop()
})

// Each its own caller: one caller holds at most a quarter of the budget (attack-budget-share.test.ts).
const session = async (caller: string) => RawClient.session(h.port, { token: await h.agentToken(caller), database: 'prod-db' })

const buffered = () => h.listener.bufferedMessageBytes()

test(`clients starting 40 MiB messages: the one passing the ${BUDGET / MiB} MiB budget is refused (53200); the others and a pg session go on; the budget returns to 0`, async () => {
  // Five callers, each within its share of a quarter of the budget; the fifth passes the budget.
  const [a, b, c, d, e, f] = await Promise.all(['ann', 'bob', 'cat', 'dan', 'eve', 'fay'].map(session))
  const part = 1.9 * MiB
  const pgClient = await h.client()
  try {
    for (const [i, x] of [a, b, c, d].entries()) {
      x!.send(largeQueryStart(part))
      await pollUntil(() => buffered() >= (i + 1) * part, `${i + 1} × 1.9 MiB are buffered`)
    }
    e!.send(largeQueryStart(part))
    const refused = await e!.until(() => false) // until the gateway closes it
    const [err] = errorsOf(refused)
    assert.is(err?.code, '53200')
    assert.is(err?.severity, 'FATAL')
    assert.match(err!.message, `limit of ${BUDGET} bytes`)
    assert.match(err!.message, 'listeners.postgres.max_buffered_message_bytes')
    assert.match(err!.hint ?? '', 'raise listeners.postgres.max_buffered_message_bytes')
    assert.ok(buffered() <= BUDGET, `${buffered()} bytes held`)

    // The sessions under the budget are still open, and small messages are never refused while it is full.
    assert.not.ok(a!.closed || b!.closed || c!.closed || d!.closed)
    f!.send(encodeQuery('SELECT 1'))
    assert.is(types(await f!.readyCount(1)), 'TDCZ')
    assert.equal((await pgClient.query('SELECT 2 AS n')).rows, [{ n: 2 }])

    // Every way a session ends gives its bytes back: refused (above), destroyed, half-closed, reset, Terminate.
    f!.send(largeQueryStart(0.3 * MiB))
    await pollUntil(() => buffered() >= 4 * part + 0.3 * MiB, 'the sixth session\'s bytes are buffered')
    a!.close()
    b!.socket.end()
    f!.socket.resetAndDestroy()
    c!.close()
    d!.close()
    await pgClient.end()
    await pollUntil(() => buffered() === 0 && h.listener.connections() === 0, 'every session ended')
    assert.is(buffered(), 0)
  } finally {
    for (const x of [a, b, c, d, e, f]) x!.close()
  }
})

test('a large message read whole is given back once read, while its session goes on', async () => {
  const c = await session('gus')
  c.send(encodeQuery(`SELECT '${'y'.repeat(1.5 * MiB)}'`))
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
  const c = await session('hal')
  c.send(largeQueryStart(1.5 * MiB))
  await pollUntil(() => buffered() >= 1.5 * MiB, 'the bytes are buffered')
  await h.listener.close()
  assert.is(buffered(), 0)
  c.close()
})

test.run()
