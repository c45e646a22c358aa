import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { hits } from './test-helpers.ts'
import { usSsn } from './us-ssn.ts'

test('finds issuable numbers written AAA-GG-SSSS', () => {
  assert.equal(hits(usSsn, 'ssn 536-22-1234 and 078-05-1121, also 536 22 1235'), ['536-22-1234', '078-05-1121', '536 22 1235'])
})

test('ignores numbers that are never issued and other shapes', () => {
  for (const text of [
    '000-12-3456',
    '666-12-3456',
    '912-34-5678',
    '536-00-1234',
    '536-22-0000',
    '078-05-1120',
    '123-45-6789',
    '1536-22-1234',
    '536-22-12345',
    '536-221-234',
    '536-22 1234',
    '536221234',
  ]) {
    assert.equal(hits(usSsn, text), [], text)
  }
})

test.run()
