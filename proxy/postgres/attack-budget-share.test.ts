// The message budget was one pool for the whole listener, with no share per caller: one agent token whose sessions
// each start a large message and then stall (the deadline of a 40 MiB message is 30 s + 640 s, of a 64 MiB one
// 17 min) held all of it, and another caller's session that sent any message over 1 MiB was then ended (53200,
// FATAL). Now one caller holds at most a quarter of the budget over all its sessions (message-budget.ts): its
// session that would pass its share is refused, and another caller's large statement still runs.
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

test('one caller stalling large messages is held to its share: another caller\'s session still sends a 1.5 MiB statement', async () => {
  const mallory = await h.agentToken('mallory')
  const sessions = await Promise.all(Array.from({ length: 4 }, () => RawClient.session(h.port, { token: mallory, database: 'prod-db' })))
  const victim = await RawClient.session(h.port, { token: await h.agentToken('cursor'), database: 'prod-db' })
  try {
    for (const s of sessions) s.send(largeQueryStart(1.5 * MiB))
    // One holds its 1.5 MiB; each of the others would pass mallory's share of 2 MiB and is ended. (The one kept
    // gets nothing: its wait gives up.)
    const outcomes = await Promise.all(sessions.map((s) => s.until((fs) => fs.some((f) => f.type === 'E'), 5_000).then(() => errorsOf(s.take()), () => [])))
    const refused = outcomes.filter((errors) => errors.length)
    assert.is(refused.length, 3)
    for (const errors of refused) {
      assert.equal(errors.map((e) => `${e.severity} ${e.code}`), ['FATAL 53200'])
      assert.match(errors[0]!.message, "this caller's share")
    }
    assert.ok(h.listener.bufferedMessageBytes() <= BUDGET / 4, 'mallory holds no more than her share')
    // Read whole (then refused by the SQL text limit, limits.ts, an ERROR), not ended for want of budget.
    victim.send(encodeQuery(`SELECT length('${'v'.repeat(1.5 * MiB)}')`))
    const frames = await victim.readyCount(1, 20_000)
    assert.equal(errorsOf(frames).map((e) => `${e.severity} ${e.code}`), ['ERROR 54000'], `the victim got ${types(frames)}`)
    victim.take()
    victim.send(encodeQuery('SELECT 1'))
    assert.is(types(await victim.readyCount(1)), 'TDCZ')
  } finally {
    for (const c of [...sessions, victim]) c.close()
  }
})

test.run()
