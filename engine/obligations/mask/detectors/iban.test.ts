import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { iban, ibanValid } from './iban.ts'
import { hits } from './test-helpers.ts'

test('finds mod-97 valid IBANs, printed or compact', () => {
  const text = 'pay GB82 WEST 1234 5698 7654 32 or DE89370400440532013000 or fr1420041010050500013m02606.'
  assert.equal(hits(iban, text), ['GB82 WEST 1234 5698 7654 32', 'DE89370400440532013000', 'fr1420041010050500013m02606'])
})

test('ignores bad check digits, wrong lengths and unknown countries', () => {
  for (const text of [
    'GB82 WEST 1234 5698 7654 33',
    'DE89370400440532013001',
    'DE8937040044053201300',
    'XX89370400440532013000',
    'ID12ABCDEFGHIJKLMNOP',
  ]) {
    assert.equal(hits(iban, text), [], text)
  }
})

test('validation and canonical form', () => {
  assert.ok(ibanValid('NO9386011117947'))
  assert.not.ok(ibanValid('NO9386011117948'))
  assert.is(iban.canonical!('gb82 west 1234 5698 7654 32'), 'GB82WEST12345698765432')
})

test.run()
