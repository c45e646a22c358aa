import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers } from './parse.ts'
import { one } from './test-support.ts'

test.before(async () => {
  await loadSqlParsers()
})

const casts = (sql: string) => one(sql).detail.user_type_casts

test('casts to types outside pg_catalog are reported wherever they are: filters, writes, typed literals', () => {
  assert.equal(casts("SELECT 1 WHERE '5'::noted_int IS NOT NULL"), ['noted_int'])
  assert.equal(casts("UPDATE users SET plan = 'x' WHERE id = CAST('1' AS public.noted_int)"), ['public.noted_int'])
  assert.equal(casts("INSERT INTO t VALUES (noted_int '5', 'a'::mood[])"), ['noted_int', 'mood'])
})

test('so are the column types a function in FROM or XMLTABLE makes its rows with', () => {
  assert.equal(casts(`SELECT * FROM json_to_record('{"a": 5}') AS x(a noted_int)`), ['noted_int'])
  assert.equal(casts(`SELECT * FROM ROWS FROM (json_to_record('{}') AS (b mood)) y`), ['mood'])
  assert.equal(casts(`SELECT * FROM xmltable('/r' PASSING ('<r/>'::xml) COLUMNS a public.noted_int PATH 'a')`), ['public.noted_int'])
})

test('built-in types, and column definitions that make no value, are not', () => {
  assert.is(casts("SELECT 1::int, 'a'::text, '{}'::pg_catalog.jsonb, 'x'::varchar(3)"), undefined)
  assert.is(casts(`SELECT * FROM json_to_record('{"a": 5}') AS x(a int, b text)`), undefined)
  assert.is(casts('CREATE TABLE t (a mood)'), undefined)
})

test.run()
