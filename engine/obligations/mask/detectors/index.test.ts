import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { DETECTOR_NAMES, DETECTORS, findSpans, mergeSpans, resolveDetectors } from './index.ts'

test('every name has a detector; all expands to every name; unknown names are undefined', () => {
  assert.equal(Object.keys(DETECTORS).sort(), [...DETECTOR_NAMES].sort())
  assert.equal(resolveDetectors('all'), [...DETECTOR_NAMES])
  assert.equal(resolveDetectors('email'), ['email'])
  assert.is(resolveDetectors('passport'), undefined)
})

test('findSpans runs only the named detectors and sorts by position', () => {
  const text = 'card 4242424242424242 mail a@example.com'
  assert.equal(findSpans(text, ['email']).map((s) => s.detector), ['email'])
  assert.equal(findSpans(text, ['email', 'payment_card']).map((s) => [s.detector, s.start]), [['payment_card', 5], ['email', 27]])
})

test('overlapping hits merge into their union', () => {
  // The SSN is also a phone-shaped number; the union covers both.
  const text = 'x 536-22-1234 y'
  const spans = findSpans(text, ['phone', 'us_ssn'])
  assert.is(spans.length, 1)
  assert.equal([spans[0]?.start, spans[0]?.end], [2, 13])
})

test('partly overlapping spans merge into their union; touching spans stay apart', () => {
  const merged = mergeSpans([
    { start: 10, end: 20, label: 'b', detector: 'phone' },
    { start: 0, end: 12, label: 'a', detector: 'email' },
    { start: 20, end: 25, label: 'c', detector: 'jwt' },
  ])
  assert.equal(merged.map((s) => [s.start, s.end, s.label]), [[0, 20, 'a'], [20, 25, 'c']])
})

test.run()
