// A nineteenth attacker's review: the parser's message for a statement it cannot parse is the policy's reason, which
// the audit trail (and the approvals store and webhook) keeps, while the statement is kept without literals and
// comments. A string, number or dollar-quoted value where parsing stopped was named by its kind already
// (attack-audit-parse-errors), but not:
// - Fixed: an escape's error inside a string literal, which quotes the literal from the escape on: `E'\U5ec7e7ab…'`
//   gave `invalid Unicode escape value at or near "\U5ec7e7ab"`, and `E'\uD800S…'` the character after the escape;
// - Fixed: an unterminated comment, quoted to the end of the text (`… /* was 'S3cr3t-old'`).
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

test('the text of a literal or a comment where parsing stopped reaches neither the trail nor the agent\'s error', async () => {
  const c = await h.client()
  const cases: Array<[string, string]> = [
    ["UPDATE users SET plan = 'free' /* was 'S3cr3t-old'", 'unterminated /* comment at or near a comment'],
    ["UPDATE users SET plan = E'\\U5ec7e7ab' WHERE id = 1", 'invalid Unicode escape value at or near a string literal'],
    ["UPDATE users SET plan = E'\\uD800Q' WHERE id = 1", 'invalid Unicode surrogate pair at or near a string literal'],
  ]
  for (const [sql, why] of cases) {
    const error = await c.query(sql).then(() => undefined, (e: { code?: string; message: string }) => e)
    assert.is(error?.code, '42501', sql)
    assert.ok(error!.message.includes(`the SQL could not be parsed (${why}`), error!.message)
    assert.not.match(error!.message, /S3cr3t|5ec7e7ab|"Q"/)
  }
  const trail = JSON.stringify(h.te.audit.events)
  assert.ok(trail.includes('the SQL could not be parsed (unterminated /* comment at or near a comment'))
  assert.not.match(trail, /S3cr3t|5ec7e7ab|\\"Q\\"/)
  await c.end()
})

test.run()
