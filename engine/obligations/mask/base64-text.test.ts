import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { base64Text } from './base64-text.ts'

const b64 = (s: string) => Buffer.from(s).toString('base64')

test('base64 of UTF-8 text is decoded, with or without padding', () => {
  assert.is(base64Text(b64('#!/bin/bash\nexport DB_PASSWORD=x\n')), '#!/bin/bash\nexport DB_PASSWORD=x\n')
  assert.is(base64Text(b64('{"password":"hunter2"}')), '{"password":"hunter2"}')
  assert.is(base64Text(b64('café au lait 1234')), 'café au lait 1234')
})

test('binary, short strings, ids and non-base64 are not text', () => {
  assert.is(base64Text(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 1, 2, 3, 4]).toString('base64')), undefined)
  assert.is(base64Text(b64('short')), undefined)
  for (const value of ['AbCdEfGhIjKlMnOpQrStUvWx', 'i-0123456789abcdef0', 'not base64 at all, spaces', b64('abc\u0001def ghi jkl mno')]) {
    assert.is(base64Text(value), undefined, value)
  }
})

test('padding and length are checked as the base64 alphabet has them', () => {
  const ok = b64('sixteen chars ok!')
  assert.ok(ok.endsWith('='), ok)
  assert.is(base64Text(ok), 'sixteen chars ok!')
  for (const value of [`${ok}=`, `${ok.slice(0, -1)}===`, `=${ok.slice(1)}`, `${ok.slice(0, 8)}=${ok.slice(9)}`, ok.slice(0, 21)]) {
    assert.is(base64Text(value), undefined, value)
  }
})

test('unpadded base64 and the URL alphabet (padded or not) are decoded too: the client reads them as well', () => {
  const text = '{"password":"hunter2??>>~"}'
  const url = Buffer.from(text).toString('base64url')
  assert.ok(/[-_]/.test(url) && !url.endsWith('='), url)
  assert.is(base64Text(url), text)
  assert.is(base64Text(b64(text).replace(/=+$/, '')), text)
  const padded = b64('sixteen chars ok!')
  assert.is(base64Text(padded.slice(0, -1)), 'sixteen chars ok!')
  assert.is(base64Text(Buffer.from(`${text}.`).toString('base64url').padEnd(40, '=')), `${text}.`, 'padded URL alphabet')
  assert.is(base64Text(`${url.slice(0, 4)}+${url.slice(5)}`), undefined, 'one alphabet, not both')
})

test('a base64-looking string of megabytes is decoded, not a stack overflow that withholds the answer', () => {
  const text = 'x '.repeat(3 * 1024 * 1024)
  assert.is(base64Text(b64(text)), text)
  assert.not.throws(() => base64Text('x'.repeat(5 * 1024 * 1024)))
})

test('every string a grouped pattern of either alphabet, padded or not, takes as base64 is taken, and no other (random strings near base64)', () => {
  const padded = (a: string) => new RegExp(`^(?:[${a}]{4})+(?:[${a}]{2}==|[${a}]{3}=)?$`)
  const unpadded = (a: string) => new RegExp(`^(?:[${a}]{4})*(?:[${a}]{2,3})?$`)
  const forms = ['A-Za-z0-9+/', 'A-Za-z0-9_\\-'].flatMap((a) => [padded(a), unpadded(a)])
  const grouped = { test: (v: string) => forms.some((re) => re.test(v)) }
  const alphabet = 'ABCxyz019+/=-_ \n\r\t.'
  let seed = 11
  const random = (k: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % k
  for (let i = 0; i < 50_000; i++) {
    const length = 12 + random(30)
    let value = random(2) ? Buffer.from(Array.from({ length }, () => 32 + random(90))).toString(random(2) ? 'base64' : 'base64url') : ''
    if (!value) for (let j = 0; j < length; j++) value += alphabet[random(alphabet.length)]
    if (random(3) === 0) { const k = random(value.length); value = value.slice(0, k) + alphabet[random(alphabet.length)] + value.slice(k + 1) }
    const before = value.length >= 16 && grouped.test(value)
    const bytes = Buffer.from(value, /[-_]/.test(value) ? 'base64url' : 'base64')
    const printable = bytes.every((b) => b >= 32 && b < 127)
    if (!before) assert.is(base64Text(value), undefined, value)
    else if (printable) assert.is(base64Text(value), bytes.toString(), value)
  }
})

test.run()
