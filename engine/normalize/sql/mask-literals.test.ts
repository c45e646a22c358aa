import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers } from './parse.ts'
import { normalizeMysql } from './mysql.ts'
import { pg } from './test-support.ts'

test.before(async () => {
  await loadSqlParsers()
})

const marked = (sql: string) => pg(sql).map((s) => s.carries_mask_output === true)

test('a write whose string literal is mask output is marked', () => {
  assert.equal(marked("UPDATE customers SET email = '****************.com' WHERE id = 1"), [true])
  assert.equal(marked("INSERT INTO customers (email) VALUES (E'[redacted]'::text)"), [true])
  assert.equal(marked("INSERT INTO customers (email) SELECT 'h:0123456789abcdef'"), [true])
  assert.equal(marked("SELECT 1; UPDATE users SET card_number = '************4242'"), [false, true])
})

test('a nested write is marked on its own entry', () => {
  const s = pg("DO $$BEGIN UPDATE users SET email = '[email]'; END$$")
  assert.ok(s.some((e) => e.type === 'update' && e.carries_mask_output === true))
})

test('reads and ordinary literals are not marked', () => {
  assert.equal(marked("SELECT * FROM customers WHERE email = '[redacted]'"), [false])
  assert.equal(marked("UPDATE files SET pattern = '*.txt', note = 'a * b [INFO]' WHERE id = 7"), [false])
  assert.equal(marked('UPDATE t SET n = 4242 WHERE id = 1'), [false])
  assert.not.ok('carries_mask_output' in pg('UPDATE t SET n = 1')[0]!)
})

test('a constant string expression that makes mask output is marked, whatever pieces it is made of', () => {
  for (const value of [
    "'[em' || 'ail]'", "chr(91) || 'email]'", "concat('[em', NULL, 'ail]')", "pg_catalog.concat('[red', 'acted]')",
    "repeat('*', 12) || '4242'", "lpad('4242', 16, '*')", "rpad('****', 8, 'abcd')", "'h:0123' || 456789 || 'abcdef'",
    "('[em'::text || 'ail]')::varchar",
  ]) assert.equal(marked(`UPDATE customers SET email = ${value} WHERE id = 1`), [true], value)
  assert.equal(marked("UPDATE t SET a = 'x' || b || '[email]'"), [true])
})

test('a read that calls a function is marked (the policy tells whether the function may write); a plain read is not', () => {
  assert.equal(marked("SELECT set_email(1, '[email]')"), [true])
  assert.equal(marked("SELECT id FROM users WHERE email = '[email]'"), [false])
  const mysql = (sql: string) => normalizeMysql(sql).sql.statements.map((s) => s.carries_mask_output === true)
  assert.equal(mysql("SELECT set_email(1, '[email]')"), [true])
  assert.equal(mysql("SELECT id FROM users WHERE email = '[email]'"), [false])
})

test('a JSON escape in a literal and a comment\'s text are read too', () => {
  assert.equal(marked(String.raw`UPDATE t SET doc = '{"email":"\u005bemail]"}'::jsonb WHERE id = 1`), [true])
  assert.equal(marked("COMMENT ON COLUMN customers.email IS 'owner: [email]'"), [true])
})

test('constant expressions of ordinary text are not marked', () => {
  assert.equal(marked("UPDATE t SET a = repeat('*', 8), b = 'x' || chr(42), c = concat('*.', ext) WHERE id = 1"), [false])
  assert.equal(marked("UPDATE t SET a = lpad('7', 3, '0') || repeat('ab', 100000) || lpad('', 5000, '*') WHERE id = 1"), [false])
})

test('MySQL: a write whose string literal is mask output is marked; reads and ordinary literals are not', () => {
  const mysql = (sql: string) => normalizeMysql(sql).sql.statements.map((s) => s.carries_mask_output === true)
  assert.equal(mysql(`UPDATE users SET email = '[email]' WHERE id = 1`), [true])
  assert.equal(mysql(`INSERT INTO users (card) VALUES ("************4242")`), [true])
  assert.equal(mysql(`SELECT id FROM users WHERE email = '[email]'; UPDATE users SET plan = 'pro*' WHERE id = 1`), [false, false])
})

test('MySQL: hex and bit literals and constant expressions that make mask output are marked', () => {
  const mysql = (sql: string) => normalizeMysql(sql).sql.statements.map((s) => s.carries_mask_output === true)
  const hex = Buffer.from('[email]').toString('hex')
  const bits = Array.from(Buffer.from('[email]'), (b) => b.toString(2).padStart(8, '0')).join('')
  for (const value of [
    `0x${hex}`, `X'${hex}'`, `b'${bits}'`, "CONCAT('[em', 'ail]')", 'CHAR(91, 101, 109, 97, 105, 108, 93)',
    "CONCAT(REPEAT('*', 12), '4242')", "LPAD('4242', 16, '*')", "concat('h:0123', 456789, 'abcdef')",
  ]) assert.equal(mysql(`UPDATE users SET email = ${value} WHERE id = 1`), [true], value)
  assert.equal(mysql("UPDATE users SET a = CONCAT('*.', ext), b = REPEAT('*', 8), c = 0x2a2e747874 WHERE id = 1"), [false])
})

test('a long or deep || chain, or a column beside the pieces, does not hide mask output', () => {
  for (const value of [
    "'a' || ".repeat(70) + "'[em' || 'ail]'", "'a' || (".repeat(64) + "'[em' || 'ail]'" + ')'.repeat(64),
    "b || '[em' || 'ail]'", "concat(b, '[em', 'ail]')", "concat('x', concat(b, '[em'), 'ail]')",
  ]) assert.equal(marked(`UPDATE customers SET email = ${value} WHERE id = 1`), [true], value)
  assert.equal(marked("UPDATE t SET a = 'x' || repeat('y', 5000) || 'z'"), [false])
})

test('counts and codes fold as PostgreSQL evaluates them: negative, huge with an empty text, NULL cast, any code point', () => {
  for (const value of [
    "'[em' || repeat('x', -1) || 'ail]'", "'[em' || repeat('', 5000000) || 'ail]'", "concat('[em', lpad('x', -2), 'ail]')",
    "concat('[em', NULL::text, 'ail]')", "concat('[em', rpad('x', 0, 'y'), 'ail]')",
  ]) assert.equal(marked(`UPDATE customers SET email = ${value} WHERE id = 1`), [true], value)
  assert.equal(marked("UPDATE t SET a = concat(chr(128512), '[em', 'ail]')"), [true])
  assert.equal(marked("UPDATE t SET a = concat(chr(0), chr(1114112), chr(55296), 'x')"), [false])
})

test('MySQL: CHAR() of a number past 255 gives up to four bytes; REPEAT() of a negative count is empty', () => {
  const mysql = (sql: string) => normalizeMysql(sql).sql.statements.map((s) => s.carries_mask_output === true)
  assert.equal(mysql("UPDATE users SET email = CONCAT(CHAR(1533373793), 'il]') WHERE id = 1"), [true])
  assert.equal(mysql("UPDATE users SET email = CONCAT('[em', REPEAT('x', -3), 'ail]') WHERE id = 1"), [true])
  assert.equal(mysql("UPDATE users SET email = CONCAT(CHAR(4294967296), 'x') WHERE id = 1"), [false])
})

test('MySQL: a column beside the pieces of a CONCAT(), or CONCAT() nested deep, does not hide mask output', () => {
  const mysql = (sql: string) => normalizeMysql(sql).sql.statements.map((s) => s.carries_mask_output === true)
  for (const value of ["CONCAT(b, '[em', 'ail]')", "CONCAT('x', CONCAT(b, '[em'), 'ail]')", 'CONCAT(b, '.repeat(70) + "'[em', 'ail]'" + ')'.repeat(70)]) {
    assert.equal(mysql(`UPDATE users SET email = ${value} WHERE id = 1`), [true], value)
  }
  assert.equal(mysql("UPDATE users SET email = CONCAT('[em', b, 'ail]') WHERE id = 1"), [false])
  assert.equal(mysql("UPDATE users SET email = CONCAT(b, '[em', 'ail]', c) WHERE id = 1"), [true])
})

test.run()
