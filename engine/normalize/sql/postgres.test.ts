import { createHash } from 'node:crypto'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers } from './parse.ts'
import { normalizePostgres } from './postgres.ts'
import { assertValidSql, one, pg, shape, tablesOf } from './test-support.ts'

test.before(async () => {
  await loadSqlParsers()
})

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex')

test('multi-statement strings: one entry per statement with its own text', () => {
  const s = pg("SELECT 'é;'; /* x */ DELETE FROM users WHERE id = 1;\n  UPDATE t SET a = 'ü' ;")
  assert.equal(shape(s), ['select', 'delete', 'update'])
  assert.equal(s.map((e) => e.text), ["SELECT 'é;'", 'DELETE FROM users WHERE id = 1', "UPDATE t SET a = 'ü'"])
})

test('SELECT 1; DROP TABLE users: the DROP is seen', () => {
  const s = pg('SELECT 1; DROP TABLE users')
  assert.equal(shape(s), ['select', 'drop'])
  assert.equal(tablesOf(s[1]!), ['users:write'])
})

test('evasion: mixed case, comments, line comments, quoted identifiers', () => {
  assert.is(one('DeLeTe FrOm users').type, 'delete')
  assert.is(one('/* x */ DELETE FROM users').type, 'delete')
  assert.is(one('-- x\nDROP TABLE users').type, 'drop')
  assert.is(one('-- x\nDROP TABLE users').text, 'DROP TABLE users')
  assert.equal(pg('SELECT 1 -- ; DROP TABLE users').length, 1)
  assert.equal(pg('SELECT 1 /* ; DROP TABLE users */').length, 1)
  assert.equal(shape(pg('SELECT 1 /* nested /* comment */ ; DROP TABLE x */; DELETE FROM y')), ['select', 'delete'])
  assert.equal(tablesOf(one('DELETE FROM "Users"')), ['Users:write'])
  assert.equal(tablesOf(one('DELETE FROM "public"."users"')), ['public.users:write'])
  assert.equal(tablesOf(one('DELETE FROM "my;table"')), ['my;table:write'])
})

test('evasion: dollar quoting and string escapes do not hide or invent statements', () => {
  assert.equal(shape(pg('SELECT $tag$; DROP TABLE x; $tag$')), ['select'])
  assert.equal(shape(pg('SELECT $$ a $$; DROP TABLE x')), ['select', 'drop'])
  assert.equal(shape(pg("SELECT E'\\'; DROP TABLE x; --'")), ['select'])
  assert.equal(shape(pg("SELECT 'it''s'; DROP TABLE x")), ['select', 'drop'])
})

test('empty and comment-only text: no statements and no parse_error (nothing runs)', () => {
  for (const text of ['', '   \n\t', '-- nothing', '/* nothing */', ';', ';;']) {
    const { sql, fingerprint } = normalizePostgres(text)
    assertValidSql(sql)
    assert.equal(sql.statements, [], JSON.stringify(text))
    assert.is(sql.parse_error, undefined, JSON.stringify(text))
    assert.type(fingerprint, 'string')
    assert.not.ok(fingerprint.startsWith('parse-error:'))
  }
})

test('garbage text: parse_error with the parser message and position; fingerprint binds the exact text', () => {
  const text = 'SELECT 1; garbage text here'
  const { sql, fingerprint } = normalizePostgres(text)
  assertValidSql(sql)
  assert.equal(sql.statements, [])
  assert.is(sql.parse_error, 'syntax error at or near "garbage" at position 10')
  assert.is(fingerprint, `parse-error:${sha256(text)}`)
})

test('parse_error positions are string indexes, whatever the UTF-8 width of what precedes', () => {
  for (const text of ["SELECT 'ééé' FROMM t", "SELECT '€😀' FROMM t", 'SELECT 1 FROMM t']) {
    const { sql } = normalizePostgres(text)
    assert.ok(sql.parse_error?.endsWith(`at position ${text.indexOf(' t') + 1}`), `${text}: ${sql.parse_error}`)
  }
})

test('unterminated string and dollar quote are parse errors', () => {
  assert.ok(normalizePostgres("SELECT 'abc").sql.parse_error)
  assert.ok(normalizePostgres('SELECT $$abc').sql.parse_error)
})

test('a NUL character is refused: the parser would stop reading there', () => {
  const { sql } = normalizePostgres('SELECT 1\u0000; DROP TABLE users')
  assert.equal(sql.statements, [])
  assert.is(sql.parse_error, 'NUL character in query text at position 8')
})

test('invalid UTF-8 (lone surrogates, replacement characters) parses without crashing and cuts texts right', () => {
  const s = pg("SELECT 'a\uD800b'; DROP TABLE \"\uFFFDx\"; SELECT '\uDC00'")
  assert.equal(shape(s), ['select', 'drop', 'select'])
  assert.equal(s.map((e) => e.text), ["SELECT 'a\uFFFDb'", 'DROP TABLE "\uFFFDx"', "SELECT '\uFFFD'"])
  assert.equal(tablesOf(s[1]!), ['\uFFFDx:write'])
})

test('a 1 MB statement normalizes without crashing', () => {
  const wide = `SELECT ${Array.from({ length: 20000 }, (_, i) => `col${i}`).join(', ')} FROM t WHERE note = '${'x'.repeat(900_000)}'`
  assert.ok(wide.length > 1_000_000)
  const s = one(wide)
  assert.is(s.type, 'select')
  assert.is(s.columns.length, 20001)
})

test('absurd nesting never throws: it is either analysed or a parse_error', () => {
  const deep = `SELECT ${'1+'.repeat(200_000)}1`
  const { sql } = normalizePostgres(deep)
  assertValidSql(sql)
  assert.ok(sql.parse_error !== undefined || sql.statements.length === 1)
})

test('fingerprint: libpg-query fingerprint of the whole text, equal across literals and spacing', () => {
  const a = normalizePostgres('SELECT * FROM users WHERE id = 1')
  const b = normalizePostgres('select *  from users where id = 42')
  const c = normalizePostgres('SELECT * FROM users WHERE id = 1; SELECT 1')
  assert.is(a.fingerprint, b.fingerprint)
  assert.is.not(a.fingerprint, c.fingerprint)
  assert.match(a.fingerprint, /^[0-9a-f]{16}$/)
})

test('entries carry only schema fields; nested is absent on top-level entries', () => {
  const [s] = pg('SELECT 1')
  assert.equal(Object.keys(s!).sort(), ['columns', 'detail', 'functions', 'has_where', 'node', 'outputs', 'predicates', 'read_only', 'tables', 'text', 'type'])
})

test.run()
