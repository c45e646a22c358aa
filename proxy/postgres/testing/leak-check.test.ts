// The leak checker: finds seeded secrets behind each decoder the masking corpus relies on, and stays quiet on
// masked values, one-way hashes, numbers and the corpus's own SQL.
import { createHash } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createLeakChecker, decodings, needlesOf, type Received } from './leak-check.ts'
import { loadMaskingCorpus } from './masking-corpus.ts'
import { receivedFromBytes } from './received.ts'
import { SEEDED_SECRETS } from './seed-leaks.ts'
import { encodeDataRow } from '../messages/data-row.ts'
import { encodeFields } from '../messages/error-response.ts'
import { encodeRowDescription } from '../messages/row-description.ts'

const checker = createLeakChecker(SEEDED_SECRETS)
const leaks = (s: string) => checker.scanText(s, 'test')
const leaksIn = (r: Received) => checker.scan(r)
const one = (rows: string[][]): Received => ({ results: [{ fields: rows[0]!.map((_, i) => `c${i}`), rows }], messages: [] })

const EMAIL = 'ada@example.com'
const TOKEN = 'tok_8HqW2eYc5KdJ7uFaZr'
const CARD = '4916 3827 1052 2746'

const b64 = (s: string) => Buffer.from(s).toString('base64')
const hex = (s: string) => Buffer.from(s).toString('hex')
const rev = (s: string) => Array.from(s).reverse().join('')

test('needles: the hidden part of a partial mask, the whole of a redacted value, fragments of distinctive ones', () => {
  const email = needlesOf({ column: 'users.email', value: EMAIL, strategy: 'partial', distinctive: false })
  assert.equal(email.exact, ['adaexamplecom', 'adaexample'])
  assert.equal(email.fragments, [])
  const card = needlesOf({ column: 'customers.card_number', value: CARD, strategy: 'partial', distinctive: true })
  assert.ok(card.exact.includes('491638271052'))
  assert.ok(card.fragments.every((f) => f.length === 8))
  const token = needlesOf({ column: 'credentials.access_token', value: TOKEN, strategy: 'redact', distinctive: true })
  assert.ok(token.fragments.every((f) => f.length === 6))
})

test('finds the value as received, in any case, with any separators', () => {
  for (const s of [EMAIL, EMAIL.toUpperCase(), 'ADA@Example.Com', 'a d a @ e x a m p l e . c o m', `x${EMAIL}x`, 'ada#example!com', '4000-0566-5566-5556', '+44.20.7946.0958']) {
    assert.ok(leaks(s).length, s)
  }
})

test('finds reversed, translated, leet, atbash, rot13, full-width and interleaved forms', () => {
  const forms = [
    rev(EMAIL),
    '4000 0566 5566 5556'.replace(/\d/g, (d) => 'abcdefghij'[Number(d)]!),
    'ada@example.com'.replace(/[a-z]/g, (c) => String.fromCharCode(219 - c.charCodeAt(0))),
    TOKEN.toLowerCase().replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97)),
    '4d4@3x4mpl3.c0m',
    'ada＠example．com',
    'axdxax@xexxxaxmxpxlxex.xcxoxmx',
    Array.from(EMAIL).join('\u200b'),
    'ada at example dot com',
    'ada [at] example (dot) com',
    Array.from(EMAIL).map((c) => String.fromCharCode(c.charCodeAt(0) + 1)).join(''),
    Array.from('536-22-8147').map((c) => String.fromCharCode(c.charCodeAt(0) + 17)).join(''),
  ]
  for (const f of forms) assert.ok(leaks(f).length, f)
})

test('finds base64, hex, bytea hex and escape, percent, entity, bit-string and code-point encodings', () => {
  const forms = [
    b64(EMAIL),
    b64(b64(EMAIL)),
    `prefix ${b64(`zz${TOKEN}`)} suffix`,
    hex(EMAIL),
    `\\x${hex(EMAIL)}`,
    hex(rev('536-22-8147')),
    EMAIL.replace(/[a-z]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`),
    EMAIL.replace(/[a-z@.]/g, (c) => `%${c.charCodeAt(0).toString(16)}`),
    EMAIL.replace(/[a-z@.]/g, (c) => `&#${c.charCodeAt(0)};`),
    Array.from(Buffer.from(EMAIL)).map((b) => b.toString(2).padStart(8, '0')).join(''),
    Array.from(EMAIL).map((c) => c.charCodeAt(0)).join(','),
    `{${Array.from(EMAIL).map((c) => c.charCodeAt(0)).join(',')},0,0,0}`,
  ]
  for (const f of forms) assert.ok(leaks(f).length, f)
})

test('unwraps JSON, arrays, tsvectors and records', () => {
  const forms = [
    JSON.stringify({ email: EMAIL }),
    JSON.stringify({ [EMAIL]: 1 }),
    JSON.stringify(EMAIL).replace('@', '\\u0040'),
    '{ada,example.com}',
    "'0958':4 '20':2 '44':1 '7946':3",
    `(1,"Ada Lovelace",${EMAIL},"+44 20 7946 0958")`,
  ]
  for (const f of forms) assert.ok(leaks(f).length, f)
})

test('fragments of distinctive values count; split_part and substr leak them', () => {
  for (const f of ['marlowe.quintrell', 'vexholm', 'tok_8HqW2eY', '4916 3827 1', 'Quokka']) assert.ok(leaks(f).length, f)
})

test('joins values down a column and across a row', () => {
  assert.ok(leaksIn(one(Array.from(EMAIL).map((ch, i) => [String(i + 1), ch]))).length, 'one character per row')
  assert.ok(leaksIn(one(Array.from(EMAIL).map((ch, i) => [String(i + 1), String(ch.charCodeAt(0))]))).length, 'one code point per row')
  assert.ok(leaksIn(one([['ada@', 'example', '.com']])).length, 'pieces across a row')
  assert.ok(leaksIn(one(Array.from('536-22-8147').map((ch) => [`*~~~~${ch}`]))).length, 'partial masks of padded characters')
})

test("the gateway's own ids in its notices are random letters, not data: they are not searched", () => {
  // 'hqw2ey' is a fragment of TOKEN that an approval id (10 random base32 characters) may hold by chance.
  const held = 'warden: held for approval apr_hqw2eyabcd; approve with: warden approvals approve apr_hqw2eyabcd'
  assert.equal(leaksIn({ results: [], messages: [held] }), [])
  assert.ok(leaksIn({ results: [], messages: ['warden: held for approval apr_abcdefghij; value hqw2eyabcd'] }).length)
})

test('looks in error and notice fields, and in frames read from the raw bytes', () => {
  assert.ok(leaksIn({ results: [], messages: [`invalid input syntax for type integer: "${EMAIL}"`] }).length)
  const bytes = Buffer.concat([
    encodeRowDescription([{ name: 'x', tableOid: 0, attnum: 0, typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 }]),
    encodeDataRow([Buffer.from(rev(TOKEN))]),
    encodeFields('E', new Map([['S', 'ERROR'], ['C', '22P02'], ['M', `bad value "${hex('412-73-9065')}"`]])),
  ])
  const r = receivedFromBytes(bytes)
  assert.is(r.results[0]!.rows[0]![0], rev(TOKEN))
  const found = leaksIn(r)
  assert.ok(found.some((l) => l.column === 'credentials.access_token'))
  assert.ok(found.some((l) => l.column === 'customers.ssn'))
})

test('masked values, one-way hashes, numbers and dates are not leaks', () => {
  const masked = [
    '***********.com', '************4242', '************0958', '[redacted]', '[email]', 'write to [email]', '[card]', '[ssn]',
    'h:0123456789abcdef', 'Ada Lovelace', 'GRACE HOPPER', '2026-01-15 10:00:00+00', 'pro', 'free', 'team',
    '{"email": "[email]", "name": "Ada Lovelace", "phone": "************0958"}',
  ]
  for (const m of masked) assert.equal(leaks(m), [], m)
  for (const s of SEEDED_SECRETS) {
    for (const digest of [createHash('md5').update(s.value).digest('hex'), createHash('sha256').update(s.value).digest('hex')]) {
      assert.equal(leaks(digest), [], `${s.column} hash ${digest}`)
      assert.equal(leaks(`\\x${digest}`), [], `${s.column} hash ${digest}`)
    }
  }
  const count = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => [String(from + i)])
  assert.equal(leaksIn(one(count(1, 20_000))), [], 'integers 1..20000 down a column')
  assert.equal(leaksIn(one(count(0, 2_000).map(([n]) => [n!, String(Number(n) * 7), String(Number(n) ** 2)]))), [], 'a table of numbers')
})

test('no entry of the masking corpus contains a seeded value or a fragment of one', () => {
  const dirty = loadMaskingCorpus().filter((e) => leaks(e.sql).length).map((e) => e.name)
  assert.equal(dirty, [])
})

test('decoding stays bounded and fast on large results', () => {
  assert.ok(decodings('a'.repeat(2_000_000)).size === 1)
  const rows = Array.from({ length: 2_000 }, (_, i) => [String(i), `Name ${i}`, '***********.com', b64(`row ${i}`), `{"k": ${i}}`])
  const started = performance.now()
  assert.equal(leaksIn(one(rows)), [])
  const ms = performance.now() - started
  // Generous: two cores shared by many processes; unloaded this takes well under a second.
  assert.ok(ms < 30_000, `took ${ms.toFixed(0)} ms`)
})

test.run()
