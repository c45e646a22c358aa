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

test('MySQL: a write whose string literal is mask output is marked; reads and ordinary literals are not', () => {
  const mysql = (sql: string) => normalizeMysql(sql).sql.statements.map((s) => s.carries_mask_output === true)
  assert.equal(mysql(`UPDATE users SET email = '[email]' WHERE id = 1`), [true])
  assert.equal(mysql(`INSERT INTO users (card) VALUES ("************4242")`), [true])
  assert.equal(mysql(`SELECT id FROM users WHERE email = '[email]'; UPDATE users SET plan = 'pro*' WHERE id = 1`), [false, false])
})

test.run()
