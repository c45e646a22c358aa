import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers, normalizePostgres } from '../normalize/sql/index.ts'
import type { Command } from '../types.ts'
import { withPreparedStatements } from './prepared-review.ts'
import { MAX_REVIEW_CHARS } from './review-text.ts'

await loadSqlParsers()

const prepared = new Map([['up', 'UPDATE users SET plan = $1 WHERE id = 5'], ['sel', 'SELECT * FROM users WHERE id = $1']])
const command = (text: string, statements = prepared) =>
  ({ protocol: 'postgres', raw: text, digest: '', fingerprint: '', sql: normalizePostgres(text, { prepared: statements }).sql }) as Command

test('each statement an EXECUTE runs follows the text, under the EXECUTE, EXPLAIN or CREATE TABLE AS that runs it', () => {
  const runs = (name: string) => `\n-- EXECUTE ${name} runs the statement prepared as:\n${prepared.get(name)}`
  for (const text of ["EXECUTE up('x')", "EXPLAIN ANALYZE EXECUTE up('x')", "EXECUTE UP('x')"]) {
    assert.is(withPreparedStatements(text, command(text)), `${text}${runs('up')}`, text)
  }
  const two = "EXECUTE up('x'); CREATE TABLE t2 AS EXECUTE sel(1); EXECUTE up('y')"
  assert.is(withPreparedStatements(two, command(two)), `${two}${runs('up')}${runs('sel')}`)
})

test('a text that runs no prepared statement is unchanged; a long prepared statement is cut and says to deny', () => {
  assert.is(withPreparedStatements('SELECT 1', command('SELECT 1')), 'SELECT 1')
  assert.is(withPreparedStatements('EXECUTE nope(1)', command('EXECUTE nope(1)')), 'EXECUTE nope(1)')
  const long = new Map([['big', `SELECT 1 WHERE 'x' <> '${'a'.repeat(MAX_REVIEW_CHARS)}'`]])
  const shown = withPreparedStatements('EXECUTE big', command('EXECUTE big', long))
  assert.ok(shown.length < MAX_REVIEW_CHARS + 200 && shown.endsWith('deny it, since what would run is not all here]'), shown.slice(-100))
})

test.run()
