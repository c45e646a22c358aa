import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers } from '../index.ts'
import { normalizePostgres } from './postgres.ts'

await loadSqlParsers()

const refused = (sql: string) => normalizePostgres(sql).sql.parse_error

test('a type the temporary schema would hold under a built-in type\'s name is refused, nested code included', () => {
  for (const sql of [
    'CREATE DOMAIN pg_temp.text AS int CHECK (f(VALUE))', 'CREATE TEMP TABLE text (a int)', 'CREATE TABLE pg_temp.uuid (a int)',
    'CREATE TYPE pg_temp.json AS (a int)', "CREATE TYPE pg_temp.inet AS ENUM ('a')", 'CREATE TYPE pg_temp.date', 'CREATE TEMP VIEW jsonb AS SELECT 1',
    'SELECT 1 INTO TEMP numeric', 'CREATE TEMP SEQUENCE bytea', 'ALTER TABLE notes RENAME TO text', 'ALTER TYPE mood RENAME TO uuid',
    'DO $$ BEGIN CREATE TEMP TABLE varchar (a int); END $$',
  ]) assert.match(refused(sql) ?? '', /may be temporary: the server looks unqualified type names up in the temporary schema/, sql)
})

test('other names, and built-in names outside the temporary schema, are not', () => {
  for (const sql of ['CREATE TEMP TABLE notes (a text)', 'CREATE TABLE text (a int)', 'CREATE DOMAIN public.text AS int', 'ALTER TABLE notes RENAME COLUMN a TO text', 'SELECT a::text FROM notes']) {
    assert.is(refused(sql), undefined, sql)
  }
})

test.run()
