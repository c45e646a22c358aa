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

test('values the detectors find only once decoded: RFC 2047 encoded-words, percent-escapes (nested too), UTF-8 read as latin1', () => {
  const b64 = Buffer.from('Jäne <jane@example.com>').toString('base64')
  const headers: Record<string, string | string[]> = {
    'x-amz-meta-owner': `=?UTF-8?B?${b64}?=`,
    'x-amz-meta-q': '=?utf-8?q?jane=40example.com?=',
    'content-disposition': "attachment; filename*=UTF-8''jane%40example.com.pdf",
    location: 'https://app.example/next?u=jane%2540example.com',
    'x-amz-meta-card': ['fine', '4111%201111%201111%201111'],
    'x-amz-meta-latin1': Buffer.from('Jöhn jane@example.com', 'utf8').toString('latin1'),
    'content-type': 'text/plain; charset=utf-8',
    'x-amz-meta-plain': 'caf%C3%A9 =?utf-8?q?caf=C3=A9?=',
  }
  assert.is(maskHeaders(headers, obligations, KEY), 6)
  const all = JSON.stringify(headers)
  for (const secret of ['jane', 'amFuZU', '4111', b64]) assert.not.ok(all.includes(secret), `${secret} in ${all}`)
  assert.is(headers['x-amz-meta-owner'], 'J%C3%A4ne <[email]>')
  assert.is(headers['content-disposition'], "attachment; filename*=UTF-8''[email]")
  assert.equal(headers['x-amz-meta-card'], ['fine', '[card]'])
  // Values with encodings but nothing found go out as they came.
  assert.is(headers['x-amz-meta-plain'], 'caf%C3%A9 =?utf-8?q?caf=C3=A9?=')
  assert.is(headers['content-type'], 'text/plain; charset=utf-8')
  for (const v of Object.values(headers).flat()) assert.ok(/^[\t\x20-\x7e]*$/.test(v), v)
})

test('a header whose name holds what a detector finds (an S3 metadata key) is dropped; ordinary names stay', () => {
  const headers: Record<string, string | string[]> = { 'x-amz-meta-4111111111111111': 'x', 'x-amz-meta-jane%40example.com': 'z', 'content-type': 'text/plain', 'x-amz-request-id': 'ABC123' }
  assert.is(maskHeaders(headers, obligations, KEY), 2)
  assert.equal(Object.keys(headers), ['content-type', 'x-amz-request-id'])
})

test('remembered outcomes: a value found only once decoded, a dropped name and a list are masked alike every time', () => {
  const b64 = Buffer.from('jane@example.com').toString('base64')
  for (let i = 0; i < 3; i++) {
    const headers: Record<string, string | string[]> = { 'x-amz-meta-owner': `=?UTF-8?B?${b64}?=`, 'x-amz-meta-4111111111111111': 'x', 'x-amz-meta-list': ['fine', 'jane%40example.com', 'fine'], vary: 'accept' }
    assert.is(maskHeaders(headers, obligations, KEY), 3, `round ${i}`)
    assert.equal(headers, { 'x-amz-meta-owner': '[email]', 'x-amz-meta-list': ['fine', '[email]', 'fine'], vary: 'accept' }, `round ${i}`)
  }
  const nulled: readonly MaskObligation[] = deepFreeze([{ detector: 'email', strategy: 'null' }] as MaskObligation[])
  for (let i = 0; i < 2; i++) {
    const headers: Record<string, string | string[]> = { a: 'jane@example.com', b: ['jane@example.com', 'ok'], c: ['jane@example.com'] }
    assert.is(maskHeaders(headers, nulled, KEY), 3)
    assert.equal(headers, { b: ['ok'] }, 'a value the null strategy blanks drops from its list, and a header left empty is dropped')
  }
})

test('a huge header value and many headers are masked whole', () => {
  const headers: Record<string, string | string[]> = { big: `${'x'.repeat(200_000)} jane%40example.com` }
  for (let i = 0; i < 2_000; i++) headers[`x-amz-meta-h${i}`] = i % 2 ? `=?utf-8?b?${Buffer.from(`n${i}@example.com`).toString('base64')}?=` : `v${i}`
  assert.is(maskHeaders(headers, obligations, KEY), 1_001)
  assert.ok(String(headers.big).endsWith(' [email]'))
  assert.not.ok(JSON.stringify(headers).includes('example.com'))
})

test.run()
