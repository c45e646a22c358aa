// Response headers under masks: digests dropped, values through the detectors, the same answer every time a
// value repeats (the memo) and for every key.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { deepFreeze } from '../../engine/deep-freeze.ts'
import type { MaskObligation } from '../../engine/types.ts'
import { maskHeaders } from './mask-headers.ts'

const obligations: readonly MaskObligation[] = deepFreeze([{ detector: 'all' }] as MaskObligation[])
const KEY = new Uint8Array(32).fill(1)

test('a repeated header value is masked alike each time, counted each time; digests are dropped', () => {
  for (let i = 0; i < 3; i++) {
    const headers: Record<string, string | string[]> = { 'x-amz-meta-owner': 'jane@example.com', 'content-type': 'application/json', etag: '"abc"', 'x-warden-decision-id': 'dec_1' }
    assert.is(maskHeaders(headers, obligations, KEY), 1)
    assert.not.ok(String(headers['x-amz-meta-owner']).includes('jane@example.com'))
    assert.is(headers['content-type'], 'application/json')
    assert.is(headers.etag, undefined)
  }
})

test('the hash strategy follows the gateway key, not a remembered answer for another key', () => {
  const hashed: readonly MaskObligation[] = deepFreeze([{ detector: 'email', strategy: 'hash' }] as MaskObligation[])
  const one = { h: 'jane@example.com' }
  const two = { h: 'jane@example.com' }
  maskHeaders(one, hashed, KEY)
  maskHeaders(two, hashed, new Uint8Array(32).fill(2))
  assert.is.not(one.h, two.h)
})

test.run()
