import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { compileRules, jsonMasker } from '../../engine/obligations/mask/index.ts'
import { decodeFields, encodeFields, type FieldMap } from './messages/error-response.ts'
import { decodeNotificationResponse, encodeNotificationResponse } from './messages/notification-response.ts'
import { type Detection, raisingRoutine, screenNotice, screenNotification } from './message-screen.ts'

const rules = compileRules([{ detector: 'all' }])
const detection: Detection = { detectors: rules.detectors, strategies: rules.detectorStrategies, key: new Uint8Array(32).fill(1) }
const payloadOf = (type: 'E' | 'N', fields: [string, string][]) => encodeFields(type, new Map(fields)).subarray(5)
const fieldsOf = (raw: Buffer | undefined, what = 'ErrorResponse'): FieldMap => decodeFields(raw!.subarray(5), what)

const CAST_ERROR: [string, string][] = [
  ['S', 'ERROR'], ['V', 'ERROR'], ['C', '22P02'], ['M', 'invalid input syntax for type integer: "moc.elpmaxe@ada"'],
  ['D', 'value moc.elpmaxe@ada'], ['H', 'check ada@example.com'], ['P', '8'], ['W', 'SQL function "f" ada'], ['q', 'SELECT ada'],
  ['t', 'users'], ['c', 'email'], ['F', 'numutils.c'], ['L', '232'], ['R', 'pg_strtoint32'],
]

test('during a statement reading masked columns: texts withheld, severity, SQLSTATE, position and names kept', () => {
  const out = fieldsOf(screenNotice('E', payloadOf('E', CAST_ERROR), { columns: ['email', 'phone'] }, detection))
  assert.equal([...out.keys()].sort(), ['C', 'F', 'H', 'L', 'M', 'P', 'R', 'S', 'V', 'c', 't'])
  assert.is(out.get('C'), '22P02')
  assert.is(out.get('P'), '8')
  assert.is(out.get('M'), "warden: the server's error text was withheld because the statement reads masked columns (email, phone); SQLSTATE 22P02 (invalid_text_representation)")
  assert.not.match([...out.values()].join('\n'), 'ada')
})

test('columns of earlier statements of the transaction are named as theirs', () => {
  const out = fieldsOf(screenNotice('E', payloadOf('E', CAST_ERROR), { columns: ['password'], inTransaction: true }, detection))
  assert.is(out.get('M'), "warden: the server's error text was withheld because an earlier statement of this transaction wrote or holds a cursor over masked columns (password), and its checks run until the transaction ends; SQLSTATE 22P02 (invalid_text_representation)")
})

test('a notice is withheld the same way, named a notice', () => {
  const out = fieldsOf(screenNotice('N', payloadOf('N', [['S', 'NOTICE'], ['C', '00000'], ['M', 'got moc.elpmaxe@ada']]), { columns: ['email'] }, undefined), 'NoticeResponse')
  assert.match(out.get('M')!, "the server's notice text was withheld")
  assert.match(out.get('M')!, 'SQLSTATE 00000 (successful_completion)')
})

test('otherwise detectors scan every text field; a message with nothing found goes out unchanged', () => {
  const out = fieldsOf(screenNotice('E', payloadOf('E', CAST_ERROR), { columns: [] }, detection))
  assert.is(out.get('H'), 'check [email]')
  assert.is(out.get('M'), 'invalid input syntax for type integer: "moc.elpmaxe@ada"', 'detectors do not see a reversed value: that is why masked statements are withheld')
  assert.is(out.get('P'), '8')
  assert.is(screenNotice('E', payloadOf('E', [['S', 'ERROR'], ['C', '42P01'], ['M', 'relation "x" does not exist']]), { columns: [] }, detection), undefined)
  assert.is(screenNotice('E', payloadOf('E', CAST_ERROR), { columns: [] }, undefined), undefined, 'no content masking: as received')
})

test('the routine a message was raised in: the innermost one its context names, a DO block\'s own body aside', () => {
  assert.is(raisingRoutine('PL/pgSQL function trg() line 3 at RAISE'), 'trg()')
  assert.is(raisingRoutine('SQL function "f" statement 1'), '"f"')
  assert.is(raisingRoutine('PL/Python function "g"'), '"g"')
  assert.is(raisingRoutine('SQL statement "SELECT p::int"\nPL/pgSQL function chatty() line 5 at PERFORM'), 'chatty()')
  assert.is(raisingRoutine('PL/pgSQL function inline_code_block line 1 at RAISE'), undefined)
  assert.is(raisingRoutine('PL/pgSQL function leak() line 1 at RAISE\nSQL statement "SELECT leak()"\nPL/pgSQL function inline_code_block line 1 at PERFORM'), 'leak()')
  assert.is(raisingRoutine('JSON data, line 1: {oops'), undefined)
  assert.is(raisingRoutine(undefined), undefined)
})

test('where column masking applies, a message about a table with masked columns keeps its SQLSTATE and names only', () => {
  // A foreign key's ON DELETE SET NULL writes vault, which the statement (DELETE FROM tiers) never names.
  const failing: [string, string][] = [['S', 'ERROR'], ['C', '23502'], ['M', 'null value in column "tier_id" of relation "vault" violates not-null constraint'],
    ['D', 'Failing row contains (1, null, Marzipan-Quokka-5113).'], ['s', 'public'], ['t', 'vault'], ['c', 'tier_id']]
  const asked: [string | null, string][] = []
  const ofTable = (schema: string | null, table: string) => {
    asked.push([schema, table])
    return table === 'vault' ? ['password'] : []
  }
  const out = fieldsOf(screenNotice('E', payloadOf('E', failing), { columns: [], ofTable }, detection, true))
  assert.equal(asked, [['public', 'vault']])
  assert.is(out.get('M'), "warden: the server's error text was withheld because it is about table vault, whose row or key it may repeat, and that table has masked columns (password); SQLSTATE 23502 (not_null_violation)")
  assert.equal([out.get('C'), out.get('s'), out.get('t'), out.get('c'), out.get('D')], ['23502', 'public', 'vault', 'tier_id', undefined])
  assert.is(screenNotice('E', payloadOf('E', failing), { columns: [], ofTable }, detection), undefined, 'no column masking: detectors only, which find nothing here')
  const plain: [string, string][] = failing.map(([k, v]) => [k, k === 't' ? 'tiers' : v])
  assert.is(screenNotice('E', payloadOf('E', plain), { columns: [], ofTable }, detection, true), undefined, 'a table without masked columns: as received')
})

test('where column masking applies, a message raised inside a routine keeps its SQLSTATE and names only', () => {
  const raised: [string, string][] = [['S', 'NOTICE'], ['C', '00000'], ['M', 'checked Obsidian~Pelican~0347'], ['D', 'Obsidian~Pelican~0347'],
    ['W', 'PL/pgSQL function chatty() line 3 at RAISE'], ['t', 'memos']]
  const out = fieldsOf(screenNotice('N', payloadOf('N', raised), { columns: [] }, detection, true), 'NoticeResponse')
  assert.is(out.get('M'), "warden: the server's notice text was withheld because it was raised inside function chatty(), whose reads the gateway does not judge, where results are masked; SQLSTATE 00000 (successful_completion)")
  assert.is(out.get('t'), 'memos')
  assert.not.match([...out.values()].join('\n'), 'Obsidian')
  assert.is(screenNotice('N', payloadOf('N', raised), { columns: [] }, detection), undefined, 'no column masking: detectors only, which find nothing here')
  const fromDo: [string, string][] = [['S', 'NOTICE'], ['C', '00000'], ['M', 'done'], ['W', 'PL/pgSQL function inline_code_block line 1 at RAISE']]
  assert.is(screenNotice('N', payloadOf('N', fromDo), { columns: [] }, detection, true), undefined, 'a DO block body is judged with its statement')
})

test('a text too large to scan is replaced whole', () => {
  const out = fieldsOf(screenNotice('N', payloadOf('N', [['S', 'NOTICE'], ['C', '00000'], ['M', 'x'.repeat(2 * 1024 * 1024)]]), { columns: [] }, detection), 'NoticeResponse')
  assert.is(out.get('M'), '[redacted]')
})

const notify = (payload: string, channel = 'jobs') => encodeNotificationResponse({ processId: 7, channel, payload }).subarray(5)
const payloadAfter = (raw: Buffer | undefined) => (raw === undefined ? undefined : decodeNotificationResponse(raw.subarray(5)).payload)

test('where only content masking applies, notification payloads and channels are scanned', () => {
  const raw = notify('mail ada@example.com card 4242 4242 4242 4242')
  assert.equal(decodeNotificationResponse(screenNotification(raw, { detection })!.subarray(5)), { processId: 7, channel: 'jobs', payload: 'mail [email] card [card]' })
  assert.is(screenNotification(notify('done'), { detection }), undefined)
  assert.is(payloadAfter(screenNotification(notify('done', 'ada@example.com'), { detection })), 'done')
  assert.is(screenNotification(raw, {}), undefined)
})

test('where column masking applies, a payload is kept only as a JSON object, masked by its keys as columns', () => {
  const masks = [{ column: '*password*' }, { column: 'email', strategy: 'partial' as const }, { detector: 'all' }]
  const json = jsonMasker(masks, new Uint8Array(32).fill(1))
  const row = JSON.stringify({ id: 2, label: 'analytics', password: 'Tangerine!Vortex#7782', email: 'ada@example.com', note: 'call grace@example.com' })
  assert.equal(JSON.parse(payloadAfter(screenNotification(notify(row), { detection, json }))!), {
    id: 2, label: 'analytics', password: '[redacted]', email: '***********.com', note: 'call [email]',
  })
  assert.is(screenNotification(notify('{"id": 3, "status": "paid"}'), { detection, json }), undefined, 'nothing to mask: as received')
  assert.is(screenNotification(notify(''), { detection, json }), undefined)
  // Not an object: nothing names the value.
  for (const payload of ['Tangerine!Vortex#7782', '536228147', '"Tangerine"', '["Tangerine!Vortex#7782"]', 'null', '{"a": ']) {
    assert.is(payloadAfter(screenNotification(notify(payload), { detection, json })), '[redacted]', payload)
  }
  // Sent while the statement running reads masked columns: replaced whatever its shape.
  assert.is(payloadAfter(screenNotification(notify('{"id": 3}'), { detection, json, withhold: true })), '[redacted]')
})

test.run()
