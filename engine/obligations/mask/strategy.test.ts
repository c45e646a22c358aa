import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MaskError } from '../errors.ts'
import { keyedHash, maskSpan, maskWhole, partial, REDACTED, strongest } from './strategy.ts'

const KEY = new Uint8Array(32).fill(7)
const OTHER_KEY = new Uint8Array(32).fill(8)

test('redact replaces a whole value with fixed text and a span with its label', () => {
  assert.is(maskWhole('4242424242424242', 'redact', KEY), REDACTED)
  assert.is(maskSpan('a@example.com', 'redact', 'email', KEY), '[email]')
})

test('partial keeps the last four characters and fully masks short values', () => {
  assert.is(partial('4242424242424242'), '************4242')
  assert.is(partial('12345'), '*2345')
  assert.is(partial('1234'), '****')
  assert.is(partial('ab'), '****')
  assert.is(partial('ñandú😀😀x'), '****ú😀😀x') // counts code points, never splits a surrogate pair
})

test('hash is keyed, stable, 16 hex characters with an h: prefix', () => {
  const a = keyedHash('jane@example.com', KEY)
  assert.match(a, /^h:[0-9a-f]{16}$/)
  assert.is(keyedHash('jane@example.com', KEY), a)
  assert.is.not(keyedHash('jane@example.com', OTHER_KEY), a)
  assert.is.not(keyedHash('john@example.com', KEY), a)
  assert.is(maskSpan('4242 4242 4242 4242', 'hash', 'card', KEY, (s) => s.replace(/ /g, '')), keyedHash('4242424242424242', KEY))
})

test('hash refuses a short key', () => {
  assert.throws(() => keyedHash('x', new Uint8Array(4)), (err: unknown) => err instanceof MaskError && /at least 16 bytes/.test(err.message))
})

test('null masks to null; an unknown strategy throws', () => {
  assert.is(maskWhole('x', 'null', KEY), null)
  assert.throws(() => maskWhole('x', 'scramble' as never, KEY), (err: unknown) => err instanceof MaskError)
})

test('strongest prefers the strategy that hides most', () => {
  assert.is(strongest(['partial', 'hash']), 'hash')
  assert.is(strongest(['hash', 'redact', 'partial']), 'redact')
  assert.is(strongest(['redact', 'null']), 'null')
  assert.is(strongest([]), undefined)
})

test.run()
