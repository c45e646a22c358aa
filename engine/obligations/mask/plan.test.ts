import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MaskError } from '../errors.ts'
import { DETECTOR_NAMES } from './detectors/index.ts'
import { planMask, type ResultColumn } from './plan.ts'

const plain = (column: string, name = column, table: string | null = 'public.users'): ResultColumn => ({ name, lineage: 'plain', sources: [{ table, column }] })
const derived = (name: string, columns: string[], extra: Partial<ResultColumn> = {}): ResultColumn => ({
  name,
  lineage: 'derived',
  sources: columns.map((column) => ({ table: 'public.users', column })),
  ...extra,
})
const whole = (plan: ReturnType<typeof planMask>) => plan.columns.filter((c) => c.strategy).map((c) => [c.index, c.strategy, c.derived ?? false])
const PII = [{ column: '*email*', strategy: 'partial' as const }, { column: 'card*', strategy: 'partial' as const }, { column: 'ssn' }]

test('no obligations: an inactive plan', () => {
  assert.equal(planMask([], [plain('email')]), { columns: [], active: false })
})

test('a plain reference keeps its rule\'s strategy through an alias; names alone never mask', () => {
  const plan = planMask(PII, [plain('id'), plain('email', 'e'), plain('card_number'), derived('email', ['id']), plain('name', 'email')])
  assert.equal(whole(plan), [[1, 'partial', false], [2, 'partial', false]])
})

test('a derived value of a masked column is redacted whole, whatever the rule\'s strategy', () => {
  const cols = [
    derived('reverse', ['email']),
    derived('x', ['name', 'card_number']),
    derived('row_to_json', ['id', 'name', 'email', 'ssn']),
    derived('upper', ['name']),
  ]
  assert.equal(whole(planMask(PII, cols)), [[0, 'redact', true], [1, 'redact', true], [2, 'redact', true]])
})

test('safe derivations (count, IS NULL) come back as they are', () => {
  const plan = planMask(PII, [derived('count', ['email'], { safe: true }), derived('?column?', ['email'], { safe: true })])
  assert.equal(plan, { columns: [], active: false })
})

test('a rule asking for NULL still gets NULL for derived values; the strongest rule wins for plain ones', () => {
  const rules = [{ column: 'email', strategy: 'partial' as const }, { column: 'e*', strategy: 'null' as const }, { column: '*mail', strategy: 'hash' as const }]
  assert.equal(whole(planMask(rules, [plain('email'), derived('x', ['email'])])), [[0, 'null', false], [1, 'null', true]])
})

test('a qualified rule matches the source table with or without schema, and a column of unknown table by its column part', () => {
  const cols = [plain('email'), plain('email', 'email', 'orders'), plain('email', 'email', null)]
  assert.equal(planMask([{ column: 'users.email' }], cols).columns.map((c) => c.index), [0, 2])
  assert.equal(planMask([{ column: 'public.users.*' }], cols).columns.map((c) => c.index), [0, 2])
})

test('unknown lineage under column masks fails closed; with detectors alone it is scanned', () => {
  const unknown: ResultColumn = { name: 'f', lineage: 'unknown', sources: [], reason: 'function f may read tables' }
  assert.throws(
    () => planMask(PII, [plain('id'), unknown]),
    (err: unknown) => err instanceof MaskError && err.code === 'mask.failed' && /"f" has unknown lineage \(function f may read tables\)/.test(err.message),
  )
  assert.equal(planMask([{ detector: 'email' }], [unknown]).columns.map((c) => c.index), [0])
})

test('detectors cover every column not masked whole, plain, derived or safe', () => {
  const plan = planMask([{ column: 'ssn' }, { detector: 'email', strategy: 'hash' }, { detector: 'payment_card', strategy: 'partial' }], [
    plain('ssn'),
    derived('lower', ['name']),
    derived('count', ['ssn'], { safe: true }),
  ])
  assert.equal(plan.columns, [
    { index: 0, strategy: 'redact', detectors: [], detectorStrategies: {} },
    { index: 1, detectors: ['email', 'payment_card'], detectorStrategies: { email: 'hash', payment_card: 'partial' } },
    { index: 2, detectors: ['email', 'payment_card'], detectorStrategies: { email: 'hash', payment_card: 'partial' } },
  ])
})

test('detector all expands; repeated detectors keep the strongest strategy', () => {
  const plan = planMask([{ detector: 'all', strategy: 'partial' }, { detector: 'jwt' }], [derived('x', [])])
  assert.is(plan.columns[0]?.detectors.length, DETECTOR_NAMES.length)
  assert.is(plan.columns[0]?.detectorStrategies.jwt, 'redact')
  assert.is(plan.columns[0]?.detectorStrategies.email, 'partial')
})

test('path rules do not touch result columns', () => {
  assert.is(planMask([{ path: 'user.email' }], [plain('email')]).active, false)
})

test('malformed obligations and lineages fail closed with mask.failed', () => {
  for (const bad of [
    { detector: 'passport' },
    { column: 'a', detector: 'email' },
    {},
    { column: 'a', strategy: 'scramble' },
    { path: 'a..b' },
  ]) {
    assert.throws(
      () => planMask([bad as never], [plain('a')]),
      (err: unknown) => err instanceof MaskError && err.code === 'mask.failed',
      JSON.stringify(bad),
    )
  }
  assert.throws(() => planMask(PII, [{ name: 'x', lineage: 'guess' as never, sources: [] }]), (err: unknown) => err instanceof MaskError)
})

test.run()
