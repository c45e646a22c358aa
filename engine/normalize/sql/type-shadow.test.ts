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

test('an unqualified built-in name is refused: a search_path starting with pg_temp creates it in the temporary schema', () => {
  for (const sql of [
    'CREATE DOMAIN text AS int CHECK (f(VALUE))', 'CREATE TABLE text (a int)', "CREATE TYPE inet AS ENUM ('a')", 'CREATE TYPE json AS (a int)',
    'CREATE TYPE date', 'CREATE TYPE uuid AS RANGE (subtype = int4)', 'CREATE VIEW jsonb AS SELECT 1', 'CREATE MATERIALIZED VIEW point AS SELECT 1',
    'CREATE TABLE numeric AS SELECT 1', 'SELECT 1 INTO numeric', 'CREATE SEQUENCE bytea', 'CREATE FOREIGN TABLE text (a int) SERVER s',
    "CREATE FUNCTION f() RETURNS void LANGUAGE sql SET search_path = pg_temp AS 'CREATE DOMAIN text AS int'",
  ]) assert.match(refused(sql) ?? '', /an unqualified name is created there when the search_path starts with pg_temp/, sql)
})

test('other names, and built-in names outside the temporary schema, are not', () => {
  for (const sql of ['CREATE TEMP TABLE notes (a text)', 'CREATE TABLE public.text (a int)', 'CREATE DOMAIN public.text AS int', 'CREATE VIEW public.date AS SELECT 1',
    'INSERT INTO text VALUES (1)', 'SELECT * FROM text', 'ALTER SEQUENCE bytea RESTART', 'CREATE TABLE notes (a text)', 'ALTER TABLE notes RENAME COLUMN a TO text', 'SELECT a::text FROM notes']) {
    assert.is(refused(sql), undefined, sql)
  }
})

test.run()
