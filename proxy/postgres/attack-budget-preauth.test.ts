// A caller's share of the message budget (message-budget.ts) is checked only on bytes taken after authentication:
// bytes a session buffered before it (charged to the listener alone) were moved into the caller's share by
// FrameSource.chargeTo without any check. A client that pipelines a large message right behind its password
// message has it buffered while the token is verified, so one caller's sessions each started a large message and
// together held past the caller's quarter (seen: two sessions held 1.5 MiB each against a 2 MiB share). This
// races the token check (it often passed before the fix); attack-budget-chargeto.test.ts is the exact case.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { encodePasswordMessage } from './messages/password-message.ts'
import { encodeStartupMessage } from './messages/startup-message.ts'
import { PROTOCOL_3_0 } from './messages/startup-packet.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, RawClient } from './testing/raw-client.ts'

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

test('a large message pipelined behind the password message counts against the caller\'s share', async () => {
  const mallory = await h.agentToken('mallory')
  const sessions = await Promise.all(Array.from({ length: 4 }, () => RawClient.open(h.port)))
  try {
    const startup = encodeStartupMessage({ protocol: PROTOCOL_3_0, params: new Map([['user', 'agent'], ['database', 'prod-db']]) })
    for (const s of sessions) s.send(startup, encodePasswordMessage(mallory), largeQueryStart(1.5 * MiB))
    await Promise.all(sessions.map((s) => s.until((fs) => fs.some((f) => f.type === 'Z' || f.type === 'E'), 10_000).catch(() => [])))
    // Let any session that was refused close and give its bytes back.
    await Promise.all(sessions.map((s) => s.until(() => false, 300).catch(() => [])))
    const held = h.listener.bufferedMessageBytes()
    assert.ok(held <= BUDGET / 4 + 64 * 1024, `mallory holds ${(held / MiB).toFixed(2)} MiB of the listener's budget, past her share of ${BUDGET / 4 / MiB} MiB`)
    for (const s of sessions) {
      const errors = errorsOf(s.frames)
      if (errors.length) assert.equal(errors.map((e) => `${e.severity} ${e.code}`), ['FATAL 53200'])
    }
  } finally {
    for (const c of sessions) c.close()
  }
  for (let i = 0; i < 500 && h.listener.bufferedMessageBytes() !== 0; i++) await new Promise((r) => setTimeout(r, 10))
  assert.is(h.listener.bufferedMessageBytes(), 0, 'the budget returns to 0 once the sessions close')
})

test.run()
