import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { phone } from './phone.ts'
import { hits } from './test-helpers.ts'

test('finds E.164 and national formats', () => {
  for (const number of [
    '+1 415-555-2671',
    '+14155552671',
    '(415) 555-2671',
    '415.555.2671',
    '415-555-2671',
    '020 7946 0958',
    '+44 (0)20 7946 0958',
    '06 12 34 56 78',
    '555-2671',
  ]) {
    assert.equal(hits(phone, `call ${number} today`), [number], number)
  }
})

test('ignores plain integers, dates, addresses, grouped numbers and cards', () => {
  for (const text of [
    'id 12345678',
    '2024-01-15',
    '15.01.2024',
    '15/01/2024',
    'at 2024-01-15 10:30:00',
    '2024-01-15T10:30:00Z',
    '192.168.100.200',
    '4111 1111 1111 1111',
    '3782 822463 10005',
    '1 234 567',
    '3.14159265',
    '1234.5678',
    'v1.2.3',
    'order 123-45',
    '+12 34',
    'uuid 123e4567-e89b-12d3-a456-426614174000',
  ]) {
    assert.equal(hits(phone, text), [], text)
  }
})

test('canonical form keeps the plus and the digits', () => {
  assert.is(phone.canonical!('+1 (415) 555-2671'), '+14155552671')
})

test.run()
