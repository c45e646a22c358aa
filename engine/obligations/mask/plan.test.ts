import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MaskError } from '../errors.ts'
import { planMask, type ResultColumn } from './plan.ts'

const users = (column: string, name = column): ResultColumn => ({ name, source: { table: 'public.users', column } })

test('no obligations: an inactive plan', () => {
  assert.equal(planMask([], [users('email')]), { columns: [], active: false })
})

test('column rules match the source column through an alias, case-insensitively, with wildcards', () => {
  const plan = planMask([{ column: 'EMAIL' }, { column: 'card*', strategy: 'partial' }], [
    users('id'),
    users('email', 'e'),
    users('card_number'),
    { name: 'total' },
  ])
  assert.equal(plan.columns, [
    { index: 1, strategy: 'redact', detectors: [], detectorStrategies: {} },
    { index: 2, strategy: 'partial', detectors: [], detectorStrategies: {} },
  ])
  assert.ok(plan.active)
})

test('column rules also match the result name, so a computed column named like a rule is masked', () => {
  const plan = planMask([{ column: 'email', strategy: 'hash' }], [{ name: 'email' }, { name: 'x' }])
  assert.equal(plan.columns.map((c) => [c.index, c.strategy]), [[0, 'hash']])
})

test('a qualified rule matches the source table with or without its schema', () => {
  const cols = [users('email'), { name: 'email', source: { table: 'orders', column: 'email' } }, { name: 'email' }]
  assert.equal(planMask([{ column: 'users.email' }], cols).columns.map((c) => c.index), [0])
  assert.equal(planMask([{ column: 'public.users.*' }], cols).columns.map((c) => c.index), [0])
})

test('the strongest of several matching column rules wins', () => {
  const plan = planMask([{ column: 'email', strategy: 'partial' }, { column: 'e*', strategy: 'null' }, { column: '*mail', strategy: 'hash' }], [users('email')])
  assert.is(plan.columns[0]?.strategy, 'null')
})

test('detectors cover every column not masked whole, computed or not', () => {
  const plan = planMask([{ column: 'ssn' }, { detector: 'email', strategy: 'hash' }, { detector: 'payment_card', strategy: 'partial' }], [
    users('ssn'),
    { name: 'lower' },
    users('notes'),
  ])
  assert.equal(plan.columns, [
    { index: 0, strategy: 'redact', detectors: [], detectorStrategies: {} },
    { index: 1, detectors: ['email', 'payment_card'], detectorStrategies: { email: 'hash', payment_card: 'partial' } },
    { index: 2, detectors: ['email', 'payment_card'], detectorStrategies: { email: 'hash', payment_card: 'partial' } },
  ])
})

test('detector all expands; repeated detectors keep the strongest strategy', () => {
  const plan = planMask([{ detector: 'all', strategy: 'partial' }, { detector: 'jwt' }], [{ name: 'x' }])
  assert.is(plan.columns[0]?.detectors.length, 9)
  assert.is(plan.columns[0]?.detectorStrategies.jwt, 'redact')
  assert.is(plan.columns[0]?.detectorStrategies.email, 'partial')
})

test('path rules do not touch result columns', () => {
  assert.is(planMask([{ path: 'user.email' }], [users('email')]).active, false)
})

test('malformed obligations fail closed with mask.failed', () => {
  for (const bad of [
    { detector: 'passport' },
    { column: 'a', detector: 'email' },
    {},
    { column: 'a', strategy: 'scramble' },
    { path: 'a..b' },
  ]) {
    assert.throws(
      () => planMask([bad as never], [{ name: 'a' }]),
      (err: unknown) => err instanceof MaskError && err.code === 'mask.failed',
      JSON.stringify(bad),
    )
  }
})

test.run()
