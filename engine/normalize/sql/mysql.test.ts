import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { SqlStatement, StatementType } from '../../types.ts'
import { normalizeMysql } from './mysql.ts'
import { assertValidSql, columnsOf, functionsOf, shape, tablesOf } from './test-support.ts'

function my(text: string): SqlStatement[] {
  const { sql } = normalizeMysql(text)
  assertValidSql(sql)
  assert.is(sql.dialect, 'mysql')
  assert.is(sql.parse_error, undefined, `unexpected parse_error for ${text}: ${sql.parse_error}`)
  return sql.statements
}

function myOne(text: string): SqlStatement {
  const statements = my(text)
  assert.is(statements.length, 1)
  return statements[0] as SqlStatement
}

const CASES: Array<[sql: string, type: StatementType, readOnly: boolean, detail?: Record<string, unknown>]> = [
  ['SELECT * FROM t', 'select', true, { locking: [] }],
  ['SELECT * FROM t FOR UPDATE', 'select', false, { locking: ['for_update'] }],
  ['SELECT a INTO @x FROM t', 'select_into', false],
  ['INSERT INTO t (a) VALUES (1)', 'insert', false],
  ['REPLACE INTO t (a) VALUES (1)', 'insert', false, { replace: true }],
  ['UPDATE t SET a = 1 WHERE id = 2', 'update', false],
  ['DELETE FROM t WHERE id = 2', 'delete', false],
  ['CREATE TABLE x (a int)', 'create', false, { object_kind: 'table' }],
  ['CREATE DATABASE d', 'create', false, { object_kind: 'database' }],
  ['CREATE TABLE t2 AS SELECT * FROM t', 'create_table_as', false],
  ['DROP TABLE a.b', 'drop', false, { object_kind: 'table' }],
  ['DROP DATABASE d', 'drop', false, { object_kind: 'database' }],
  ['ALTER TABLE x ADD COLUMN b int', 'alter', false],
  ['TRUNCATE TABLE t', 'truncate', false],
  ['GRANT SELECT ON db.* TO \'u\'@\'%\'', 'grant', false],
  ['SET autocommit = 0', 'set', true, { name: 'autocommit', value: '0', scope: 'session' }],
  ['SET GLOBAL max_connections = 10', 'alter_system', false, { name: 'max_connections', scope: 'global' }],
  ['SET @@global.max_connections = 10', 'alter_system', false],
  ['SHOW TABLES', 'show', true, { name: 'tables' }],
  ['USE db2', 'set', true, { name: 'database', value: 'db2' }],
  ['BEGIN', 'begin', true],
  ['START TRANSACTION', 'begin', true],
  ['COMMIT', 'commit', true],
  ['ROLLBACK', 'rollback', true],
  ['LOCK TABLES t WRITE', 'lock', false],
  ['CALL p()', 'call', false],
  ['UNLOCK TABLES', 'other', false],
]

for (const [sql, type, readOnly, detail] of CASES) {
  test(`mysql ${sql} → ${type}`, () => {
    const s = myOne(sql)
    assert.is(s.type, type)
    assert.is(s.read_only, readOnly, 'read_only')
    for (const [key, value] of Object.entries(detail ?? {})) assert.equal(s.detail[key], value, `detail.${key}`)
  })
}

test('mysql tables, columns (aliases resolved) and functions', () => {
  const s = myOne('SELECT a, u.b, COUNT(*), db.f(x) FROM db1.users u JOIN t2 ON u.id = t2.id WHERE x > 1')
  assert.equal(tablesOf(s), ['db1.users:read', 't2:read'])
  for (const c of ['db1.users.b:read', 'db1.users.id:read', 't2.id:read', '?.a:read']) assert.ok(columnsOf(s).includes(c), c)
  assert.equal(functionsOf(s), ['count', 'db.f'])
  const update = myOne('UPDATE t SET a = upper(b) WHERE c = 1')
  assert.equal(tablesOf(update), ['t:write'])
  assert.equal(columnsOf(update), ['t.a:write', 't.b:read', 't.c:read'])
  assert.is(update.has_where, true)
  assert.is(myOne('DELETE FROM t').has_where, false)
  assert.equal(columnsOf(myOne('INSERT INTO t VALUES (1)')), ['t.*:write'])
  assert.equal(tablesOf(myOne('INSERT INTO t (a) SELECT x FROM s')), ['s:read', 't:write'])
})

test('mysql string literals are not columns', () => {
  assert.equal(myOne("SELECT 'a;b', \"c\"").columns, [])
})

test('mysql multi-statement: split on top-level semicolons only, original text kept', () => {
  const s = my("SELECT 'a;b'; /* ; */ DELETE FROM users -- ;\n; # x;\n")
  assert.equal(shape(s), ['select', 'delete'])
  assert.equal(s.map((e) => e.text), ["SELECT 'a;b'", '/* ; */ DELETE FROM users -- ;'])
  assert.equal(shape(my("SELECT 'it\\'s;'; DROP TABLE t")), ['select', 'drop'])
})

test('mysql empty and comment-only text: no statements, no parse_error', () => {
  for (const text of ['', '  ', '-- c', '# c', '/* c */', ';']) assert.equal(my(text), [], JSON.stringify(text))
})

test('mysql parse error: message with position, fingerprint bound to the text', () => {
  const { sql, fingerprint } = normalizeMysql('SELECT 1; SELEC 1')
  assertValidSql(sql)
  assert.equal(sql.statements, [])
  assert.match(sql.parse_error ?? '', /at position 16$/)
  assert.match(fingerprint, /^parse-error:[0-9a-f]{64}$/)
  assert.match(normalizeMysql("SELECT 'open").sql.parse_error ?? '', /unterminated string at position 7/)
})

test('mysql executable comments are refused: MySQL would run their content', () => {
  for (const text of ['SELECT 1 /*! ; DROP TABLE t */', '/*!50000 DROP TABLE t */ SELECT 1', 'SELECT 1 /*M!100000 , 2 */']) {
    const { sql } = normalizeMysql(text)
    assert.equal(sql.statements, [])
    assert.match(sql.parse_error ?? '', /executable comment/)
  }
  assert.equal(shape(my('SELECT /*+ MAX_EXECUTION_TIME(1000) */ 1')), ['select'])
})

test('mysql 1 MB statement normalizes without crashing', () => {
  const s = myOne(`SELECT * FROM t WHERE note = '${'x'.repeat(1 << 20)}'`)
  assert.is(s.type, 'select')
})

test('mysql NUL character is refused', () => {
  assert.match(normalizeMysql('SELECT 1\u0000; DROP TABLE t').sql.parse_error ?? '', /NUL character/)
})

test('mysql fingerprint ignores literals, comments, spacing and keyword case', () => {
  const a = normalizeMysql("SELECT * FROM users WHERE id = 1 AND name = 'x'")
  const b = normalizeMysql("select *  from users /* c */ where id = 42 and name = 'y'")
  const c = normalizeMysql('SELECT * FROM orders WHERE id = 1')
  assert.is(a.fingerprint, b.fingerprint)
  assert.is.not(a.fingerprint, c.fingerprint)
  assert.match(a.fingerprint, /^[0-9a-f]{64}$/)
})

test.run()
