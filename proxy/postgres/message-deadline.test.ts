// After startup, a client could send a message a byte at a time and hold its session's buffer for as long as it
// liked. Once a message's first byte arrives, the whole of it must follow within its allowance (a base, short
// here, plus time for its length), or the session is closed with 08P01; an idle session between messages is not
// watched. Against a real PostgreSQL 15. Outcomes only: nothing here asserts how long anything took.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { encodeQuery } from './messages/query.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, RawClient, types } from './testing/raw-client.ts'

const BASE_MS = 300
let h: Harness

test.before(async () => {
  h = await startHarness({ messageTimeoutMs: BASE_MS })
})
test.after(async () => {
  await h?.stop()
})

const session = async () => RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })

/** Sends `bytes` one at a time, each after a pause, until they are all sent or the gateway closes the session. */
async function trickle(c: RawClient, bytes: Buffer, pauseMs: number): Promise<void> {
  for (let i = 0; i < bytes.length && !c.closed; i++) {
    c.socket.write(bytes.subarray(i, i + 1))
    await new Promise((r) => setTimeout(r, pauseMs))
  }
}

test('a message trickled a byte at a time is refused (08P01); a session idle meanwhile still answers', async () => {
  const idle = await session()
  idle.send(encodeQuery('SELECT 1'))
  assert.is(types(await idle.readyCount(1)), 'TDCZ')
  idle.take()

  // Its header at once (the length is known), then 200 bytes 50 ms apart (10 s): still arriving, never stalled, when
  // the allowance of about 300 ms has passed, however late a loaded machine runs the gateway's timer.
  const trickler = await session()
  const message = encodeQuery(`SELECT '${'z'.repeat(185)}'`)
  trickler.send(message.subarray(0, 5))
  const sending = trickle(trickler, message.subarray(5), 50)
  const frames = await trickler.until(() => false) // until the gateway closes it
  await sending
  const [e] = errorsOf(frames)
  assert.is(e?.code, '08P01')
  assert.is(e?.severity, 'FATAL')
  assert.match(e!.message, `a message of ${message.length} bytes did not arrive whole`)
  assert.match(e!.message, 'listeners.postgres.message_timeout_seconds')
  assert.not.ok(types(frames).includes('T'), 'nothing of it ran')

  // The idle session sent nothing since before the trickled message began, longer than that message was allowed.
  assert.not.ok(idle.closed)
  idle.send(encodeQuery('SELECT 2'))
  assert.is(types(await idle.readyCount(1)), 'TDCZ')
  idle.close()
  assert.equal(h.unjudgedStatements(), [])
})

test('a message that stops after its first bytes is refused, and its bytes are given back', async () => {
  const c = await session()
  c.send(encodeQuery('SELECT 3').subarray(0, 3))
  const [e] = errorsOf(await c.until(() => false))
  assert.is(e?.code, '08P01')
  for (let i = 0; i < 500 && h.listener.bufferedMessageBytes() !== 0; i++) await new Promise((r) => setTimeout(r, 10))
  assert.is(h.listener.bufferedMessageBytes(), 0)
})

test.run()
