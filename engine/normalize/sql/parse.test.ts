// Runs in its own process: the first test sees the parser before it is loaded.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers, normalizeMysql, normalizePostgres } from './index.ts'
import { parsePostgres, sqlParserLoadCount, sqlParsersLoaded, SqlParseError } from './parse.ts'

test('before loadSqlParsers: normalizing fails closed with a parse_error that says what to do', () => {
  assert.is(sqlParsersLoaded(), false)
  const { sql, fingerprint } = normalizePostgres('SELECT 1')
  assert.equal(sql.statements, [])
  assert.match(sql.parse_error ?? '', /await loadSqlParsers\(\)/)
  assert.match(fingerprint, /^parse-error:[0-9a-f]{64}$/)
})

test('the parse seam throws coded errors', () => {
  try {
    parsePostgres('SELECT 1')
    assert.unreachable('expected SqlParseError')
  } catch (error) {
    assert.instance(error, SqlParseError)
    assert.is((error as SqlParseError).code, 'SQL_PARSER_NOT_LOADED')
  }
})

test('loadSqlParsers is idempotent and normalizing never reloads the module', async () => {
  await Promise.all([loadSqlParsers(), loadSqlParsers()])
  await loadSqlParsers()
  assert.is(sqlParsersLoaded(), true)
  assert.is(sqlParserLoadCount(), 1)
  for (let i = 0; i < 50; i++) normalizePostgres('SELECT id, email FROM users WHERE id = $1')
  normalizeMysql('SELECT 1')
  assert.is(sqlParserLoadCount(), 1)
})

test('syntax errors carry code and position', async () => {
  await loadSqlParsers()
  try {
    parsePostgres('SELECT FROM WHERE')
    assert.unreachable('expected SqlParseError')
  } catch (error) {
    assert.instance(error, SqlParseError)
    assert.is((error as SqlParseError).code, 'SQL_PARSE_ERROR')
    assert.is((error as SqlParseError).position, 12)
    assert.ok((error as SqlParseError).cause)
  }
})

test.run()
