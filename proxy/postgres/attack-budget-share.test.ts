// The message budget is one pool for the whole listener, with no share per caller: one agent token whose sessions
// each start a large message and then stall (the deadline of a 40 MiB message is 30 s + 640 s, of a 64 MiB one
// 17 min) holds all of it, and another caller's session that sends any message over 1 MiB is then ended (53200,
// FATAL). KNOWN, NOT FIXED (review 2026-12-02): skipped, it fails today. A share per caller (as the HTTP slots
// have) would keep one token from taking the pool.
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

function largeQueryStart(bytes: number): Buffer {
  const head = Buffer.alloc(5)
  head[0] = 'Q'.charCodeAt(0)
  head.writeInt32BE(40 * MiB, 1)
  return Buffer.concat([head, Buffer.alloc(bytes, 'x')])
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !done(); i++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(done(), what)
}

test.skip('one caller stalling large messages does not end another caller\'s session that sends a 2 MiB statement', async () => {
  const mallory = await h.agentToken('mallory')
  const [a, b] = await Promise.all([RawClient.session(h.port, { token: mallory, database: 'prod-db' }), RawClient.session(h.port, { token: mallory, database: 'prod-db' })])
  const victim = await RawClient.session(h.port, { token: await h.agentToken('cursor'), database: 'prod-db' })
  try {
    a.send(largeQueryStart(4 * MiB - 64))
    b.send(largeQueryStart(4 * MiB - 64))
    await until(() => h.listener.bufferedMessageBytes() >= BUDGET - 256, 'mallory holds the budget')
    victim.send(encodeQuery(`SELECT length('${'v'.repeat(2 * MiB)}')`))
    const frames = await victim.readyCount(1, 20_000)
    assert.equal(errorsOf(frames).map((e) => e.code), [], `the victim got ${types(frames)} ${errorsOf(frames).map((e) => `${e.severity} ${e.code}`).join()}`)
  } finally {
    for (const c of [a, b, victim]) c.close()
  }
})

test.run()
