// A statement PostgreSQL cannot parse is kept in the audit trail with its literals replaced, but the parser's message
// quoted the text where it stopped: `syntax error at or near "'S3cr3t…'"`, or for an unterminated quote all the rest
// of the text. That message is the policy's reason, which the trail (and the approvals store and webhook) kept as it
// was. The normalizer now names the value by its kind (engine/normalize/sql/parse-error-text.ts).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startHarness, type Harness } from './testing/harness.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ holdSeconds: 5 })
})
test.after(async () => {
  await h?.stop()
})

test('a value where parsing stopped reaches neither the trail nor the agent\'s error as it was written', async () => {
  const c = await h.client()
  const cases: Array<[string, string]> = [
    ["UPDATE users SET plan = 'free' 'S3cr3t-one' WHERE id = 1", 'syntax error at or near a string literal at position 31'],
    ["UPDATE users SET plan = 'S3cr3t-two WHERE id = 1", 'unterminated quoted string at or near a string literal at position 24'],
    ['SELECT $t$S3cr3t-three$t$ $t$S3cr3t-four$t$', 'syntax error at or near a dollar-quoted string at position 26'],
    ["ALTER ROLE app PASSWORD E'S3cr3t-five' E'x'", 'syntax error at or near a string literal at position 39'],
    ['SELECT 1 313374242', 'syntax error at or near a number at position 9'],
  ]
  for (const [sql, why] of cases) {
    const error = await c.query(sql).then(() => undefined, (e: { code?: string; message: string }) => e)
    assert.is(error?.code, '42501', sql)
    assert.ok(error!.message.includes(`the SQL could not be parsed (${why})`), error!.message)
    assert.not.match(error!.message, /S3cr3t|313374242/)
  }
  const trail = JSON.stringify(h.te.audit.events)
  assert.ok(trail.includes('the SQL could not be parsed (syntax error at or near a string literal'))
  assert.not.match(trail, /S3cr3t|313374242/)
  await c.end()
})

test.run()
