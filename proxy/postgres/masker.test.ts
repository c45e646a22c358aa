// The planner and row masker with hand-made statement outputs (column lineage) and an in-memory catalog.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { SqlOutput } from '../../engine/types.ts'
import type { Catalog, ColumnSource } from './catalog.ts'
import { MAX_MASKED_CHARS } from '../../engine/obligations/mask/index.ts'
import { MAX_ROW_SCAN_BYTES, MaskingError, maskDataRow, ResultPlanner, type ResultMask } from './masker.ts'
import { decodeDataRow, encodeDataRow } from './messages/data-row.ts'
import type { FieldDescription } from './messages/row-description.ts'

const key = new Uint8Array(32).fill(1)
const USERS = 16384
const TEXT = 25
const INT4 = 23
const JSONB = 3802
const field = (name: string, o: Partial<FieldDescription> = {}): FieldDescription => ({ name, tableOid: 0, attnum: 0, typeOid: TEXT, typeSize: -1, typeModifier: -1, format: 0, ...o })
const col = (name: string, attnum: number, o: Partial<FieldDescription> = {}) => field(name, { tableOid: USERS, attnum, ...o })
const plain = (column: string, name = column): SqlOutput => ({ name, lineage: 'plain', sources: [{ table: 'public.users', column }] })
const derived = (name: string, columns: string[], safe?: boolean): SqlOutput => ({ name, lineage: 'derived', sources: columns.map((column) => ({ table: 'public.users', column })), ...(safe ? { safe } : {}) })
const payload = (values: (string | null)[]) => encodeDataRow(values.map((v) => (v === null ? null : Buffer.from(v)))).subarray(5)
const PII = [{ column: '*email*', strategy: 'partial' as const }, { detector: 'all' }]

/** A catalog stand-in: users(id, name, email, notes) until `rename` changes what the server says. */
class FakeCatalog {
  version = 0
  loads: number[][] = []
  server = new Map<number, string>([[1, 'id'], [2, 'name'], [3, 'email'], [4, 'notes']])
  cached = new Map(this.server)
  fail = false
  column(tableOid: number, attnum: number): ColumnSource | undefined {
    const column = tableOid === USERS ? this.cached.get(attnum) : undefined
    return column === undefined ? undefined : { schema: 'public', table: 'users', column, kind: 'table', temp: false }
  }
  async loadOids(oids: number[]): Promise<void> {
    this.loads.push(oids)
    if (this.fail) throw new Error('server down')
    this.cached = new Map(this.server)
    this.version++
  }
}

function setup() {
  const catalog = new FakeCatalog()
  return { catalog, planner: new ResultPlanner(catalog as unknown as Catalog) }
}

const mask = (plan: ResultMask | undefined, values: (string | null)[]) => {
  const { frame } = maskDataRow(payload(values), plan!, key, 'utf8')
  return frame ? decodeDataRow(frame.subarray(5)).map((v) => v?.toString() ?? null) : values
}

test('plain references keep partial masking; derived values of masked columns are redacted whole; safe ones pass', () => {
  const { planner } = setup()
  const fields = [col('id', 1, { typeOid: INT4 }), col('e', 3), field('reverse'), field('count', { typeOid: INT4 }), field('nonnull'), field('upper')]
  const outputs = [plain('id'), plain('email', 'e'), derived('reverse', ['email']), derived('count', ['email'], true), derived('nonnull', ['email'], true), derived('upper', ['name'])]
  const plan = planner.plan(fields, PII, outputs) as ResultMask
  assert.equal(mask(plan, ['1', 'ada@example.com', 'moc.elpmaxe@ada', '5', 'true', 'ADA write ada@example.com']), [
    '1', '***********.com', '[redacted]', '5', 'true', 'ADA write [email]',
  ])
})

test('a derived non-text value of a masked column becomes NULL (text and binary), json a JSON string', () => {
  const { planner } = setup()
  const fields = [field('len', { typeOid: INT4 }), field('b', { typeOid: 17, format: 1 }), field('doc', { typeOid: JSONB, format: 1 }), field('j', { typeOid: 114 })]
  const outputs = [derived('len', ['email']), derived('b', ['email']), derived('doc', ['email']), derived('j', ['email'])]
  const plan = planner.plan(fields, PII, outputs) as ResultMask
  const row = [Buffer.from('15'), Buffer.from('ada@example.com'), Buffer.concat([Buffer.from([1]), Buffer.from('{"email": "ada@example.com"}')]), Buffer.from('"ada@example.com"')]
  const { frame } = maskDataRow(encodeDataRow(row).subarray(5), plan, key, 'utf8')
  const out = decodeDataRow(frame!.subarray(5))
  assert.is(out[0], null)
  assert.is(out[1], null)
  assert.equal(out[2], Buffer.concat([Buffer.from([1]), Buffer.from('"[redacted]"')]))
  assert.is(out[3]?.toString(), '"[redacted]"')
})

test('unknown lineage, or no outputs at all, fails closed under column masks; detectors alone still scan', () => {
  const { planner } = setup()
  const unknown: SqlOutput = { name: 'f', lineage: 'unknown', sources: [], reason: 'function f may read tables' }
  assert.throws(() => planner.plan([field('f')], PII, [unknown]), (e: unknown) => e instanceof MaskingError && /unknown lineage \(function f may read tables\)/.test((e as Error).message))
  assert.throws(() => planner.plan([col('email', 3)], PII, undefined), (e: unknown) => e instanceof MaskingError && /no column lineage/.test((e as Error).message))
  const plan = planner.plan([field('f')], [{ detector: 'email' }], undefined) as ResultMask
  assert.equal(mask(plan, ['x ada@example.com']), ['x [email]'])
})

test('a star entry spans the fields the server sent for it; their origin comes from the catalog', async () => {
  const { planner, catalog } = setup()
  const star: SqlOutput = { name: '*', lineage: 'plain', sources: [], star: true }
  const fields = [field('one', { typeOid: INT4 }), col('id', 1, { typeOid: INT4 }), col('email', 3), col('notes', 4)]
  const plan = planner.plan(fields, PII, [derived('one', []), star]) as ResultMask
  assert.equal(mask(plan, ['1', '7', 'ada@example.com', 'hello']), ['1', '7', '***********.com', 'hello'])
  // A star over something that is not a table column (a function's result): unknown ⇒ closed.
  assert.throws(() => planner.plan([field('x')], PII, [star]), (e: unknown) => e instanceof MaskingError && /unknown lineage/.test((e as Error).message))
  // Two stars cannot be told apart; outputs that do not match the fields in number cannot be aligned. The relations
  // the fields name are looked up again first (a column added on the server: the next statement is judged with it).
  const refused = async (outputs: SqlOutput[], message: RegExp) => {
    const planned = planner.plan(fields, PII, outputs)
    assert.instance(planned, Promise)
    const err = await (planned as Promise<unknown>).then(() => undefined, (e: unknown) => e)
    assert.ok(err instanceof MaskingError && message.test(err.message), String(err))
  }
  await refused([star, star], /cannot be matched/)
  await refused([plain('id')], /4 columns .* 1 outputs/)
  assert.equal(catalog.loads, [[USERS], [USERS]], 'once per result shape')
  assert.throws(() => planner.plan(fields, PII, [plain('id')]), (e: unknown) => e instanceof MaskingError && /4 columns .* 1 outputs/.test((e as Error).message))
  assert.equal(catalog.loads.length, 2, 'a shape already looked up is refused at once, without another lookup')
})

test('a column renamed on the server: the disagreement reloads the relation, and the result is masked by what the server says', async () => {
  const { planner, catalog } = setup()
  catalog.server.set(4, 'email_private') // ALTER TABLE users RENAME notes TO email_private, behind the gateway's back
  const fields = [col('x', 4)]
  const planned = planner.plan(fields, PII, [plain('email_private', 'x')])
  assert.instance(planned, Promise, 'the cached name (notes) disagrees: the relation is reloaded first')
  assert.equal(catalog.loads, [[USERS]])
  assert.equal(mask(await planned, ['ada@example.com']), ['***********.com'])
  assert.not.instance(planner.plan(fields, PII, [plain('email_private', 'x')]), Promise, 'agrees now: synchronous')
})

test('a star expanded from a stale catalog: old names are caught by the server\'s field names, both names mask', async () => {
  const { planner, catalog } = setup()
  catalog.server.set(4, 'email_private')
  // The normalizer expanded `*` from the cache: it still says `notes`; the server sends `email_private`.
  const planned = planner.plan([col('id', 1, { typeOid: INT4 }), col('email_private', 4)], PII, [plain('id'), plain('notes')])
  assert.instance(planned, Promise)
  assert.equal(mask(await planned, ['1', 'ada@example.com']), ['1', '***********.com'])
})

test('a result shape reloads the catalog once; a lineage that keeps disagreeing is then planned from both names', async () => {
  const { planner, catalog } = setup()
  catalog.server.set(4, 'email_private')
  // The normalizer names the column otherwise than the server (here: still `notes`), every time.
  const fields = [col('email_private', 4)]
  assert.equal(mask(await planner.plan(fields, PII, [plain('notes')]), ['ada@example.com']), ['***********.com'])
  catalog.server.set(4, 'notes_again')
  const again = planner.plan(fields, PII, [plain('notes')])
  assert.not.instance(again, Promise, 'the same shape: no second reload')
  assert.equal(catalog.loads, [[USERS]])
  assert.equal(mask(again as ResultMask, ['ada@example.com']), ['***********.com'], 'the server\'s field name still counts')
})

test('a catalog that cannot be reached fails the plan closed', async () => {
  const { planner, catalog } = setup()
  catalog.fail = true
  catalog.server.set(4, 'email_private')
  const planned = planner.plan([col('x', 4)], PII, [plain('email_private', 'x')]) as Promise<unknown>
  await planned.then(() => assert.unreachable(), (e: unknown) => assert.ok(e instanceof MaskingError && /look up result columns: server down/.test((e as Error).message)))
})

test('plans are cached by obligations, outputs and fields; a plan with nothing to mask is undefined', () => {
  const { planner } = setup()
  const outputs = [plain('email'), plain('id')]
  const fields = [col('email', 3), col('id', 1, { typeOid: INT4 })]
  const first = planner.plan(fields, PII, outputs) as ResultMask
  assert.is((planner.plan(fields, PII, outputs) as ResultMask).byIndex, first.byIndex)
  assert.is(planner.plan([fields[1]!], [{ column: 'phone' }], [plain('id')]), undefined)
  // A text column may hold a JSON document with a phone key: kept in the plan for its keys (document-values.ts).
  const documents = planner.plan(fields, [{ column: 'phone' }], outputs) as ResultMask
  assert.ok(documents.documents && documents.byIndex[0]?.detectors.length === 0 && documents.byIndex[1] === undefined)
  const other = planner.plan(fields, [{ column: 'email', strategy: 'hash' }], outputs) as ResultMask
  assert.is(other.byIndex[0]?.strategy, 'hash')
})

test('plans are keyed by content: equal obligations and outputs in new arrays (another literal, another judgement) share a plan; different outputs do not', () => {
  const { planner } = setup()
  const fields = [col('email', 3), col('id', 1, { typeOid: INT4 })]
  const first = planner.plan(fields, [...PII], [plain('email'), plain('id')]) as ResultMask
  assert.is((planner.plan(fields, [...PII], [plain('email'), plain('id')]) as ResultMask).byIndex, first.byIndex)
  const derivedEmail = planner.plan(fields, [...PII], [derived('email', ['email']), plain('id')]) as ResultMask
  assert.is.not(derivedEmail.byIndex, first.byIndex)
  assert.is(derivedEmail.byIndex[0]?.derived, true)
})

test('values too large to scan are redacted whole without being scanned', () => {
  const { planner } = setup()
  const plan = planner.plan([field('big')], [{ detector: 'all' }], [derived('big', ['name'])]) as ResultMask
  const big = 'x'.repeat(2 * 1024 * 1024)
  assert.equal(mask(plan, [big]), ['[redacted]'])
})

test('a row past its scan budget: every later value that needs scanning is redacted whole', () => {
  const { planner } = setup()
  const names = Array.from({ length: 8 }, (_, i) => `c${i}`)
  const plan = planner.plan(names.map((n) => field(n)), [{ detector: 'all' }], names.map((n) => derived(n, ['name']))) as ResultMask
  const large = 'y'.repeat(MAX_MASKED_CHARS - 1)
  // Two scanned values fill MAX_ROW_SCAN_BYTES; the third large one is past it.
  const out = mask(plan, [large, large, large, 'plain text', 'x', 'y', 'z', 'w'])
  assert.equal(out.slice(0, 2), [large, large])
  assert.equal(out.slice(2), ['[redacted]', '[redacted]', '[redacted]', '[redacted]', '[redacted]', '[redacted]'])
  assert.is(MAX_ROW_SCAN_BYTES, 2 * MAX_MASKED_CHARS)
})

test('JSON documents from harmless columns are masked by their keys where column rules apply; other text goes to the detectors', () => {
  const { planner } = setup()
  const fields = [col('notes', 4), col('name', 2, { typeOid: JSONB }), col('id', 1, { typeOid: INT4 })]
  const outputs = [plain('notes'), plain('name'), plain('id')]
  const rules = [{ column: '*password*', strategy: 'redact' as const }, { column: '*email*', strategy: 'partial' as const }, { detector: 'all' }]
  const plan = planner.plan(fields, rules, outputs) as ResultMask
  const doc = '{"theme": "dark", "db": {"password": "Heliotrope^Walrus^4471", "owner": "ada@example.com"}, "email": "ada@example.com"}'
  assert.equal(mask(plan, [doc, doc, '7']), [
    '{"theme":"dark","db":{"password":"[redacted]","owner":"[email]"},"email":"***********.com"}',
    '{"theme":"dark","db":{"password":"[redacted]","owner":"[email]"},"email":"***********.com"}',
    '7',
  ])
  // Not a document: the detectors only; a document with nothing to mask goes out as it came.
  assert.equal(mask(plan, ['{"password" ada@example.com', '{"theme": "dark"}', '7']), ['{"password" [email]', '{"theme": "dark"}', '7'])
  // Without content detectors, column rules alone still mask by key.
  const keysOnly = planner.plan(fields, [{ column: '*password*' }], outputs) as ResultMask
  assert.equal(mask(keysOnly, ['[{"password": "x1"}]', 'plain text', '7']), ['[{"password":"[redacted]"}]', 'plain text', '7'])
})

test('arrays of documents (array_agg(prefs), ARRAY[prefs]) have each element masked by its keys, in text and in binary format', () => {
  const { planner } = setup()
  const JSONB_ARRAY = 3807
  const TEXT_ARRAY = 1009
  const fields = [field('array_agg', { typeOid: JSONB_ARRAY }), field('names', { typeOid: TEXT_ARRAY })]
  const outputs = [derived('array_agg', ['prefs']), derived('names', ['name'])]
  const rules = [{ column: '*password*', strategy: 'redact' as const }]
  const plan = planner.plan(fields, rules, outputs) as ResultMask
  const doc = '{"db": {"password": "Heliotrope^Walrus^4471"}, "theme": "dark"}'
  const quoted = `"${doc.replace(/"/g, '\\"')}"`
  assert.equal(mask(plan, [`{${quoted},NULL}`, '{ada,"b c"}']), ['{"{\\"db\\":{\\"password\\":\\"[redacted]\\"},\\"theme\\":\\"dark\\"}",NULL}', '{ada,"b c"}'])
  // Two dimensions with bounds; an array the gateway cannot read is withheld.
  assert.equal(mask(plan, [`[0:0][1:1]={{${quoted}}}`, '{"unterminated}']), ['[0:0][1:1]={{"{\\"db\\":{\\"password\\":\\"[redacted]\\"},\\"theme\\":\\"dark\\"}"}}', null])
  // Binary: ndim 1, no nulls flag, element type jsonb, one dimension of 2 from 1; jsonb elements start with version 1.
  const binary = (elements: (Buffer | null)[], elemType: number) => {
    const head = Buffer.alloc(20)
    head.writeInt32BE(1, 0)
    head.writeInt32BE(elements.includes(null) ? 1 : 0, 4)
    head.writeInt32BE(elemType, 8)
    head.writeInt32BE(elements.length, 12)
    head.writeInt32BE(1, 16)
    return Buffer.concat([head, ...elements.map((e) => {
      const len = Buffer.alloc(4)
      len.writeInt32BE(e === null ? -1 : e.length)
      return e === null ? len : Buffer.concat([len, e])
    })])
  }
  const bplan = planner.plan(fields.map((f) => ({ ...f, format: 1 })), rules, outputs) as ResultMask
  const jsonbElement = (text: string) => Buffer.concat([Buffer.from([1]), Buffer.from(text)])
  const row = encodeDataRow([binary([jsonbElement(doc), null], JSONB), binary([Buffer.from('ada')], TEXT)]).subarray(5)
  const out = decodeDataRow(maskDataRow(row, bplan, key, 'utf8').frame!.subarray(5))
  assert.equal(out[0], binary([jsonbElement('{"db":{"password":"[redacted]"},"theme":"dark"}'), null], JSONB))
  assert.equal(out[1], binary([Buffer.from('ada')], TEXT))
  // A jsonb element of a version the gateway cannot read withholds the array.
  const unknownVersion = encodeDataRow([binary([Buffer.concat([Buffer.from([2]), Buffer.from(doc)])], JSONB), binary([], TEXT)]).subarray(5)
  assert.equal(decodeDataRow(maskDataRow(unknownVersion, bplan, key, 'utf8').frame!.subarray(5))[0], null)
})

test('a tsvector computed from a column (to_tsvector(prefs): a document\'s words without its keys) is withheld where column rules apply', () => {
  const { planner } = setup()
  const TSVECTOR = 3614
  const fields = [field('to_tsvector', { typeOid: TSVECTOR }), col('search', 4, { typeOid: TSVECTOR }), field('constant', { typeOid: TSVECTOR })]
  const outputs = [derived('to_tsvector', ['prefs']), plain('notes', 'search'), derived('constant', [])]
  const words = "'4471':7 'heliotrope':5 'walrus':6"
  assert.equal(mask(planner.plan(fields, [{ column: '*password*' }], outputs) as ResultMask, [words, words, words]), [null, words, words])
  // Detectors alone (no column rule): nothing is masked by key, so nothing is withheld for it.
  const detectorsOnly = planner.plan(fields, [{ detector: 'email' }], outputs) as ResultMask | undefined
  assert.equal(detectorsOnly ? mask(detectorsOnly, [words, words, words]) : [words, words, words], [words, words, words])
})

test('a row that does not match its description fails closed', () => {
  const { planner } = setup()
  const plan = planner.plan([field('x')], [{ detector: 'email' }], [derived('x', [])]) as ResultMask
  assert.throws(() => maskDataRow(payload(['a', 'b']), plan, key, 'utf8'), (e: unknown) => e instanceof MaskingError)
  assert.throws(() => maskDataRow(Buffer.from([0, 1, 0]), plan, key, 'utf8'), (e: unknown) => e instanceof MaskingError)
})

test.run()
