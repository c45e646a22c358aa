import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { isCardNumber, luhnValid, paymentCard } from './payment-card.ts'
import { hits } from './test-helpers.ts'

test('finds Luhn-valid cards, compact or grouped', () => {
  const text = 'visa 4242424242424242, mc 5555-5555-5555-4444, amex 3782 822463 10005; disc 6011111111111117'
  assert.equal(hits(paymentCard, text), ['4242424242424242', '5555-5555-5555-4444', '3782 822463 10005', '6011111111111117'])
  assert.equal(hits(paymentCard, 'card=4111 1111 1111 1111.'), ['4111 1111 1111 1111'])
})

test('ignores Luhn failures, wrong lengths, non-network prefixes and embedded digits', () => {
  for (const text of [
    '4242424242424241', // Luhn fails
    '424242424242', // 12 digits
    '42424242424242424242', // 20 digits
    '1700000000000', // epoch milliseconds
    '0000000000000000',
    '4 2 4 2 4 2 4 2 4 2 4 2 4 2 4 2',
    'sha a4242424242424242f',
    'pi 3.4242424242424242',
  ]) {
    assert.equal(hits(paymentCard, text), [], text)
  }
})

test('luhn and canonical form', () => {
  assert.ok(luhnValid('79927398713'))
  assert.not.ok(luhnValid('79927398710'))
  assert.ok(isCardNumber('4242424242424242'))
  assert.is(paymentCard.canonical!('4242-4242 4242-4242'), '4242424242424242')
})

test.run()
