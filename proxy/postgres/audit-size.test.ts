// A denied text whose policy reasons outnumber its bytes (one per untraceable column) makes an audit record of a
// bounded size: the trail keeps the first reasons and how many more there were (engine/audit/redact.ts).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MAX_REASONS } from '../../engine/audit/redact.ts'
import { MAX_SQL_TEXT_BYTES } from './limits.ts'
import { encodeQuery } from './messages/query.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { errorsOf, RawClient, types } from './testing/raw-client.ts'

let h: Harness

test.before(async () => {
  h = await startHarness()
})
test.after(async () => {
  await h?.stop()
})

test('a denied text of 1,400 untraceable columns is recorded in a few KB, with the count of reasons left out; the session goes on', async () => {
  const c = await RawClient.session(h.port, { token: await h.agentToken(), database: 'prod-db' })
  const text = `SELECT ${Array.from({ length: 1400 }, (_, i) => `a AS c${i}`).join(', ')} FROM not_in_catalog WHERE a = 1`
  assert.ok(text.length <= MAX_SQL_TEXT_BYTES)
  const before = h.te.audit.events.length
  c.send(encodeQuery(text))
  const [e] = errorsOf(await c.readyCount(1, 30_000))
  assert.match(e!.message, 'result column c1399 comes from a source Warden cannot trace')
  c.take()
  const denied = h.te.audit.events.slice(before).filter((ev) => ev.type === 'statement')
  assert.is(denied.length, 1)
  const reasons = denied[0]!.reasons as Array<{ rule: string; message: string }>
  assert.is(reasons.length, MAX_REASONS + 1)
  assert.match(reasons.at(-1)!.message, /^\d+ more reasons not recorded/)
  assert.ok(JSON.stringify(denied[0]).length < 4 * text.length, `record of ${JSON.stringify(denied[0]).length} bytes`)
  c.send(encodeQuery('SELECT 1'))
  assert.is(types(await c.readyCount(1)), 'TDCZ')
  c.close()
})

test.run()
