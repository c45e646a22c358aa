import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Catalog } from './catalog.ts'
import { MaskingError, maskDataRow, planResult, ResultPlanner, type ResultMask } from './masker.ts'
import { decodeDataRow } from './messages/data-row.ts'
import { encodeDataRow } from './messages/data-row.ts'
import type { FieldDescription } from './messages/row-description.ts'

const key = new Uint8Array(32).fill(1)
const computed = (name: string, typeOid = 25, format = 0): FieldDescription => ({ name, tableOid: 0, attnum: 0, typeOid, typeSize: -1, typeModifier: -1, format })
const noCatalog = new Catalog(() => Promise.reject(new Error('no catalog in this test')))
const payload = (values: (string | null)[]) => encodeDataRow(values.map((v) => (v === null ? null : Buffer.from(v)))).subarray(5)

test('plans by result column name for computed columns and masks rows', async () => {
  const fields = [computed('id', 23), computed('email'), computed('note')]
  const plan = await planResult(fields, [{ column: 'email', strategy: 'redact' }, { detector: 'email' }], noCatalog)
  assert.ok(plan)
  const { frame, masked } = maskDataRow(payload(['1', 'ada@example.com', 'mail me: ada@example.com']), plan!, key, 'utf8')
  assert.ok(frame)
  const values = decodeDataRow(frame!.subarray(5)).map((v) => v?.toString() ?? null)
  assert.is(values[0], '1')
  assert.not.match(values[1]!, 'ada@')
  assert.match(values[2]!, /^mail me: /)
  assert.not.match(values[2]!, 'ada@')
  assert.is(masked, 2)
})

test('a row in which nothing is masked is not re-encoded: the received frame goes out as is', async () => {
  const fields = [computed('id', 23), computed('note')]
  const plan = await planResult(fields, [{ detector: 'email' }], noCatalog)
  assert.ok(plan)
  assert.equal(maskDataRow(payload(['1', 'nothing to see']), plan!, key, 'utf8'), { frame: undefined, masked: 0 })
})

test('no plan when no column needs masking', async () => {
  assert.is(await planResult([computed('id', 23)], [{ column: 'email' }], noCatalog), undefined)
})

test('a table column needs the catalog: if it cannot be reached, planning fails closed', async () => {
  const field = { ...computed('email'), tableOid: 16384, attnum: 3 }
  try {
    await planResult([field], [{ column: 'email' }], noCatalog)
    assert.unreachable()
  } catch (err) {
    assert.instance(err, MaskingError)
    assert.match((err as Error).message, 'look up result columns')
  }
})

test('an invalid obligation fails closed at planning', async () => {
  try {
    await planResult([computed('email')], [{ column: 'email', strategy: 'scramble' as never }], noCatalog)
    assert.unreachable()
  } catch (err) {
    assert.instance(err, MaskingError)
  }
})

test('a row that does not match its description fails closed', async () => {
  const plan = await planResult([computed('email')], [{ detector: 'email' }], noCatalog)
  assert.throws(() => maskDataRow(payload(['a', 'b']), plan!, key, 'utf8'), (e: unknown) => e instanceof MaskingError)
  assert.throws(() => maskDataRow(Buffer.from([0, 1, 0]), plan!, key, 'utf8'), (e: unknown) => e instanceof MaskingError)
})

test('the planner answers synchronously when the columns are known, and caches plans by shape', async () => {
  const planner = new ResultPlanner(noCatalog)
  const fields = [computed('email'), computed('n', 23)]
  const first = planner.plan(fields, [{ detector: 'email' }])
  assert.not.instance(first, Promise)
  const second = planner.plan(fields, [{ detector: 'email' }])
  assert.is((second as ResultMask).byIndex, (first as ResultMask).byIndex)
  const table = planner.plan([{ ...computed('email'), tableOid: 99, attnum: 1 }], [{ detector: 'email' }])
  assert.instance(table, Promise)
  await (table as Promise<unknown>).catch(() => undefined)
})

test('cached plans are told apart by obligations and by columns, whether the obligations object repeats or not', () => {
  const planner = new ResultPlanner(noCatalog)
  const obligations = [{ column: 'email', strategy: 'redact' as const }]
  const a = planner.plan([computed('email'), computed('n', 23)], obligations) as ResultMask
  const b = planner.plan([computed('n', 23), computed('email')], obligations) as ResultMask
  assert.equal(a.byIndex.map((c) => c?.strategy), ['redact', undefined])
  assert.equal(b.byIndex.map((c) => c?.strategy), [undefined, 'redact'])
  assert.is(planner.plan([computed('email')], [{ column: 'phone', strategy: 'redact' }]), undefined)
  const partial = planner.plan([computed('email')], [{ column: 'email', strategy: 'partial' }]) as ResultMask
  assert.is(partial.byIndex[0]?.strategy, 'partial')
})

test.run()
