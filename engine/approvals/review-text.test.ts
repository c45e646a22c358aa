import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers } from '../normalize/sql/parse.ts'
import { MAX_REVIEW_CHARS, MAX_SHOWN_CHARS, quoteLiteral, reviewJson, reviewText } from './review-text.ts'

test.before(async () => {
  await loadSqlParsers()
})

const text = (...values: (string | null)[]) => ({ params: values.map((v) => (v === null ? null : Buffer.from(v))), formats: [] })

test('text parameters become quoted literals in place of $n', () => {
  assert.is(reviewText('UPDATE users SET plan = $1 WHERE id = $2', text("pro'plus", '4')), "UPDATE users SET plan = 'pro''plus' WHERE id = '4'")
})

test('NULL, repeated and out-of-order placeholders; a missing value stays $n', () => {
  assert.is(reviewText('SELECT $2, $1, $2, $3', text(null, 'b')), "SELECT 'b', NULL, 'b', $3")
})

test('a $1 inside a string, a comment or a dollar-quoted body is not a placeholder', () => {
  assert.is(reviewText("SELECT '$1', $1 /* $1 */, $$ $1 $$", text('x')), "SELECT '$1', 'x' /* $1 */, $$ $1 $$")
})

test('binary parameters are hex with their type OID; one format code applies to all', () => {
  const values = { params: [Buffer.from([0, 0, 0, 4]), Buffer.from('ab')], formats: [1], types: [23] }
  assert.is(reviewText('SELECT $1, $2', values), "SELECT '\\x00000004' /* binary, type OID 23 */, '\\x6162' /* binary, type OID unspecified */")
})

test('per-parameter format codes', () => {
  const values = { params: [Buffer.from('a'), Buffer.from([255])], formats: [0, 1], types: [25, 17] }
  assert.is(reviewText('SELECT $1, $2', values), "SELECT 'a', '\\xff' /* binary, type OID 17 */")
})

test('values that could mislead a reader are escaped in an E literal', () => {
  assert.is(quoteLiteral("a'\n--b"), "E'a''\\n--b'")
  assert.is(quoteLiteral('x\u202ey\\'), "E'x\\u202ey\\\\'")
  assert.is(quoteLiteral('plain'), "'plain'")
})

test('a value with a character a reader cannot see is an E literal naming it, as PostgreSQL reads the escape', () => {
  // Read without them, each is 'alice'; as bound, none is.
  assert.is(quoteLiteral('alice\u00ad'), "E'alice\\u00ad'", 'soft hyphen')
  assert.is(quoteLiteral('alice\u3164'), "E'alice\\u3164'", 'Hangul filler')
  assert.is(quoteLiteral('alice\u00a0'), "E'alice\\u00a0'", 'no-break space')
  assert.is(quoteLiteral('alice\u180e'), "E'alice\\u180e'", 'Mongolian vowel separator')
  assert.is(quoteLiteral('alice\u{e0041}'), "E'alice\\U000e0041'", 'tag character: \\U and eight digits')
  // \x85 would be the byte 0x85, not U+0085.
  assert.is(quoteLiteral('a\u0085'), "E'a\\u0085'")
  assert.is(quoteLiteral('Ålice 東京 🙂'), "'Ålice 東京 🙂'")
})

test('a long value is shown whole, so a field after a long first one is seen; past the cap it is cut and says to deny', () => {
  const doc = JSON.stringify({ notes: 'n'.repeat(5000), role: 'admin' })
  assert.is(reviewText('UPDATE accounts SET settings = $1 WHERE id = 5', text(doc)), `UPDATE accounts SET settings = '${doc}' WHERE id = 5`)
  const shown = reviewText('SELECT $1', text('a'.repeat(MAX_SHOWN_CHARS + 10)))
  assert.ok(shown.startsWith(`SELECT '${'a'.repeat(MAX_SHOWN_CHARS - 20)}`), shown.slice(0, 80))
  assert.ok(shown.endsWith('deny it, since what would run is not all here]'), shown.slice(-80))
})

test('a review text is cut at MAX_REVIEW_CHARS and says so: thousands of $n, each a long value full of escapes, do not make one of megabytes', () => {
  const n = 2300
  const sql = `UPDATE t SET a = 1 WHERE id IN (${Array.from({ length: n }, (_, i) => `$${i + 1}`).join(',')})`
  assert.ok(Buffer.byteLength(sql) <= 16 * 1024, 'fits the largest text the gateway takes')
  const value = Buffer.from('\u200b'.repeat(MAX_SHOWN_CHARS))
  const values = { params: Array.from({ length: n }, () => value), formats: [] }
  const shown = reviewText(sql, values)
  assert.ok(shown.length < MAX_REVIEW_CHARS + 200, `${shown.length} characters`)
  assert.ok(shown.startsWith("UPDATE t SET a = 1 WHERE id IN (E'\\u200b"), shown.slice(0, 60))
  assert.ok(shown.endsWith(`\n-- [cut: the statement with its values is longer than ${MAX_REVIEW_CHARS} characters, and the rest is not shown; deny it, since what would run is not all here]`), shown.slice(-200))
  const unscanned = reviewText(`${sql} 'unterminated`, values)
  assert.ok(unscanned.length < MAX_REVIEW_CHARS + 200 && unscanned.includes('-- parameters: $1 = ') && unscanned.endsWith('not all here]'), unscanned.slice(-200))
  // A pair cut in two would leave a lone surrogate.
  const astral = reviewText('SELECT $1', { params: [Buffer.from('🙂'.repeat(MAX_REVIEW_CHARS))], formats: [] })
  assert.not.match(astral, /[\ud800-\udbff](?![\udc00-\udfff])/)
  assert.is(reviewText('SELECT $1, $2', text('a', 'b')), "SELECT 'a', 'b'", 'short ones are whole')
})

test('text the scanner rejects gets its values listed after it', () => {
  assert.is(reviewText("SELECT $1 'unterminated", text('v')), "SELECT $1 'unterminated\n-- parameters: $1 = 'v'")
})

test('without parameters the text is shown as is', () => {
  assert.is(reviewText('DELETE FROM t WHERE id = 1'), 'DELETE FROM t WHERE id = 1')
})

test('JSON for a reviewer: bidi, invisible and control characters escaped as JSON reads them; long text cut with its length', () => {
  const value = { service: 'pay\u202eload\u200b', note: 'a\\b\u0085', user: 'alice\u00ad\u3164\u{e0041}\u00a0' }
  const shown = reviewJson(value)
  assert.not.match(shown, /[\u202e\u200b\u0085\u00ad\u3164\u{e0041}\u00a0]/u)
  assert.equal(JSON.parse(shown), value)
  const whole = { text: 'x'.repeat(5000), service: 'payments-prod' }
  assert.equal(JSON.parse(reviewJson(whole)), whole)
  const long = reviewJson({ text: 'x'.repeat(MAX_REVIEW_CHARS) })
  assert.ok(long.length < MAX_REVIEW_CHARS + 200 && long.endsWith(`${MAX_REVIEW_CHARS + 11} characters, the first ${MAX_REVIEW_CHARS} shown; deny it, since what would run is not all here]`), long.slice(-120))
})

test.run()
