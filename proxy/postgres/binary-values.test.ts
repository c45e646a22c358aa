import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { ColumnMask } from '../../engine/obligations/mask/index.ts'
import { maskBinaryValue, maskTextValue, maskWholeValue, numericText, type MaskString } from './binary-values.ts'

const detectors: ColumnMask = { index: 0, detectors: ['email', 'payment_card'], detectorStrategies: {} }
const whole: ColumnMask = { index: 0, strategy: 'redact', detectors: [], detectorStrategies: {} }
/** Stands in for maskText: hides anything with an @ or 16 digits. */
const mask: MaskString = (t) => (/@|\d{16}/.test(t) ? { value: '[hidden]', masked: true } : { value: t, masked: false })

const int8 = (n: bigint) => {
  const b = Buffer.alloc(8)
  b.writeBigInt64BE(n)
  return b
}

test('text format is masked as text and re-encoded', () => {
  assert.equal(maskTextValue(Buffer.from('ada@example.com'), 'utf8', mask), { value: Buffer.from('[hidden]'), masked: true })
  const plain = Buffer.from('Ada')
  assert.is(maskTextValue(plain, 'utf8', mask).value, plain)
})

test('binary text-like types are masked in place; jsonb keeps its version byte', () => {
  for (const oid of [25, 1043, 1042, 19, 114]) {
    assert.equal(maskBinaryValue(Buffer.from('x@y.z'), oid, detectors, 'utf8', mask), { value: Buffer.from('[hidden]'), masked: true })
  }
  const jsonb = Buffer.concat([Buffer.from([1]), Buffer.from('{"e":"a@b.c"}')])
  const r = maskBinaryValue(jsonb, 3802, detectors, 'utf8', (t) => ({ value: t.replace('a@b.c', '[email]'), masked: true }))
  assert.equal(r.value, Buffer.concat([Buffer.from([1]), Buffer.from('{"e":"[email]"}')]))
})

test('a jsonb version the gateway cannot read is withheld', () => {
  assert.equal(maskBinaryValue(Buffer.from([2, 0x7b, 0x7d]), 3802, detectors, 'utf8', mask), { value: null, masked: true })
})

test('a whole-column mask on a non-text binary type becomes NULL', () => {
  assert.equal(maskBinaryValue(Buffer.from([0, 0, 0, 1]), 23, whole, 'utf8', mask), { value: null, masked: true })
  assert.equal(maskBinaryValue(Buffer.from('bytes'), 17, whole, 'utf8', mask), { value: null, masked: true })
})

test('detectors leave types that cannot hold findings alone, and scan numbers', () => {
  const id = Buffer.from([0, 0, 0, 7])
  assert.is(maskBinaryValue(id, 23, detectors, 'utf8', mask).value, id)
  assert.equal(maskBinaryValue(int8(4242424242424242n), 20, detectors, 'utf8', mask), { value: null, masked: true })
  const small = int8(42n)
  assert.is(maskBinaryValue(small, 20, detectors, 'utf8', mask).value, small)
  const cardNumeric = Buffer.from('00040003000000001092109210921092', 'hex')
  assert.equal(maskBinaryValue(cardNumeric, 1700, detectors, 'utf8', mask), { value: null, masked: true })
  const price = Buffer.from('0002000000000002007b1194', 'hex')
  assert.is(maskBinaryValue(price, 1700, detectors, 'utf8', mask).value, price)
})

test('other binary types under detectors fail closed to NULL', () => {
  assert.equal(maskBinaryValue(Buffer.from('raw'), 17, detectors, 'utf8', mask), { value: null, masked: true })
  assert.equal(maskBinaryValue(Buffer.from([0, 0, 0, 1]), 1009, detectors, 'utf8', mask), { value: null, masked: true })
})

test('numeric binary values decode to the text PostgreSQL prints (bytes from numeric_send)', () => {
  const cases: [string, string][] = [
    ['0000000000000000', '0'],
    ['0002000000000002007b1194', '123.45'],
    ['0001ffff40000003000a', '-0.001'],
    ['00010005000000000001', '100000000000000000000'],
    ['00040003000000001092109210921092', '4242424242424242'],
    ['00000000c0000000', 'NaN'],
    ['0001fffe0000000804d2', '0.00001234'],
    ['00010001000000000001', '10000'],
    ['000200000000000400011388', '1.5000'],
  ]
  for (const [hex, text] of cases) assert.is(numericText(Buffer.from(hex, 'hex')), text, hex)
  assert.is(numericText(Buffer.from('0005', 'hex')), undefined)
})

test('latin1 keeps bytes it does not mask exactly', () => {
  const bytes = Buffer.from([0x63, 0x61, 0x66, 0xe9])
  assert.is(maskTextValue(bytes, 'latin1', mask).value, bytes)
})

test('a value masked whole keeps a type the client decodes: text-like text, json/jsonb a JSON string, others NULL', () => {
  const redact: MaskString = () => ({ value: '[redacted]', masked: true })
  const email = Buffer.from('ada@example.com')
  assert.equal(maskWholeValue(email, 25, 0, 'utf8', redact), { value: Buffer.from('[redacted]'), masked: true })
  assert.equal(maskWholeValue(email, 1043, 1, 'utf8', redact), { value: Buffer.from('[redacted]'), masked: true })
  assert.equal(maskWholeValue(Buffer.from('"ada@example.com"'), 114, 0, 'utf8', redact), { value: Buffer.from('"[redacted]"'), masked: true })
  assert.equal(maskWholeValue(Buffer.from('{"a": 1}'), 3802, 0, 'utf8', redact), { value: Buffer.from('"[redacted]"'), masked: true })
  assert.equal(maskWholeValue(Buffer.from('\x01{"a": 1}'), 3802, 1, 'utf8', redact).value, Buffer.from('\x01"[redacted]"'))
  for (const [oid, format] of [[23, 0], [23, 1], [17, 0], [17, 1], [1009, 0], [3614, 0], [2249, 1]] as const) {
    assert.equal(maskWholeValue(email, oid, format, 'utf8', redact), { value: null, masked: true }, `type ${oid} format ${format}`)
  }
  assert.equal(maskWholeValue(email, 25, 0, 'utf8', () => ({ value: null, masked: true })), { value: null, masked: true })
})

test.run()
