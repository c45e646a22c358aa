import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MaskError } from '../errors.ts'
import { jsonMasker } from './json.ts'
import { hasInexactNumber, parseJsonText, writeJsonText } from './json-numbers.ts'

const KEY = new Uint8Array(32).fill(3)
const DETECTORS = jsonMasker([{ detector: 'all' }], KEY, { memo: true })

/** `text` read, masked and written back as the HTTP gateway does. */
function masked(text: string, masker = DETECTORS): string {
  const { doc, exact } = parseJsonText(text)
  return writeJsonText(masker.mask(doc).doc, exact)
}

// Numbers JSON.parse and JSON.stringify change: past 2^53, out of range, -0, trailing zeros, exponents.
const KEPT = ['12345678901234567890', '-9007199254740993', '1e400', '-0', '1.0', '0.10', '2.50e3', '1E5', '-1.5e-7', '123456789012345678901234567890.000']

test('every number the masker does not mask comes back as the upstream wrote it, in objects, arrays and at the top', () => {
  for (const n of KEPT) {
    const text = `{"id":${n},"list":[${n}, 3 ,${n}],"nested":{"v":${n}},"name":"x"}`
    assert.is(masked(text), text.replace(/ /g, ''), n)
    assert.is(masked(n), n, `a document that is ${n} alone`)
  }
})

test('masked values stay masked next to kept numbers: a detector, a secret name, a path rule', () => {
  const text = '{"id":12345678901234567891,"mail":"jane@example.com","password":"hunter2","ratio":1.50,"card":4242424242424242}'
  assert.is(masked(text), '{"id":12345678901234567891,"mail":"[email]","password":"[secret]","ratio":1.50,"card":"[card]"}')
  const byPath = jsonMasker([{ path: 'id' }, { column: 'ratio', strategy: 'partial' }], KEY)
  assert.is(masked('{"id":12345678901234567891,"ratio":1.50,"keep":-0}', byPath), '{"id":"[redacted]","ratio":"****","keep":-0}')
})

test('a long number kept as its text is still read by the detectors (a card number written 4.242424242424242e15 is a number, not text)', () => {
  assert.is(masked('{"card":4242424242424242.0,"n":7.0}'), '{"card":"[card]","n":7.0}')
})

test('a document with only numbers JavaScript writes back alike is read by JSON.parse; text in strings costs only a closer look', () => {
  assert.not.ok(hasInexactNumber('{"a":1,"b":[2,-3,0.5,1e+21],"c":"x"}'))
  assert.ok(hasInexactNumber('{"a":1.0}'))
  assert.ok(hasInexactNumber('{"a":1e21}'), 'written back as 1e+21')
  assert.ok(hasInexactNumber('{"a": [ -0 ]}'))
  assert.ok(hasInexactNumber('{"a":"t,1.0]"}'), 'inside a string: read losslessly, to the same result')
  assert.is(masked('{"a":"t,1.0]","b":2}'), '{"a":"t,1.0]","b":2}')
})

test('read losslessly, a repeated key keeps its last value and a __proto__ key stays a key, as JSON.parse does', () => {
  assert.is(masked('{"a":1.0,"a":2.0}'), '{"a":2.0}')
  assert.is(masked('{"__proto__":{"password":"hunter2"},"n":1.0}'), '{"__proto__":{"password":"[secret]"},"n":1.0}')
})

test('invalid JSON is refused either way', () => {
  assert.throws(() => parseJsonText('{"a":1.0,}'))
  assert.throws(() => parseJsonText('{"a":1,}'))
})

test('a document nested deeper than the lossless reader goes is refused as too deep, not as invalid JSON', () => {
  const deep = `{"n":1.0,"d":${'['.repeat(20_000)}${']'.repeat(20_000)}}`
  assert.throws(() => parseJsonText(deep), (err: Error) => err instanceof MaskError && /nested too deeply/.test(err.message))
})

test.run()
