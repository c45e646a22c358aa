// Decision ids: 20 hex digits of fresh randomness each, across refills of the pool they are drawn from.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { decisionId } from './errors.ts'

test('decision ids are dec_ and 20 hex digits, none repeated over several refills of their pool', () => {
  const seen = new Set<string>()
  for (let i = 0; i < 2000; i++) {
    const id = decisionId()
    assert.match(id, /^dec_[0-9a-f]{20}$/)
    assert.not.ok(seen.has(id), `repeated: ${id}`)
    seen.add(id)
  }
  // Every digit position varies: no fixed digit (randomUUID's version digit) and no pool slot left unfilled.
  for (let at = 4; at < 24; at++) assert.ok(new Set([...seen].map((id) => id[at])).size > 8, `position ${at} barely varies`)
})

test.run()
