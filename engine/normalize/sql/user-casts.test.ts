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

test('so are the types XMLSERIALIZE, a SQL/JSON RETURNING clause and JSON_TABLE columns make their values of', () => {
  assert.equal(casts("SELECT XMLSERIALIZE(CONTENT '<a/>'::xml AS noted_text)"), ['noted_text'])
  assert.equal(casts("SELECT 1 WHERE JSON_OBJECT('a': 5 RETURNING public.noted_json) IS NOT NULL"), ['public.noted_json'])
  assert.equal((casts("SELECT JSON_VALUE('{\"a\": 5}'::jsonb, '$.a' RETURNING noted_int), JSON_ARRAYAGG(1 RETURNING noted_json)") as string[]).sort(), ['noted_int', 'noted_json'])
  assert.equal(casts(`SELECT * FROM JSON_TABLE('{"a": 5}'::jsonb, '$' COLUMNS (a noted_int PATH '$.a'))`), ['noted_int'])
  assert.is(casts("SELECT XMLSERIALIZE(CONTENT '<a/>'::xml AS text), JSON_OBJECT('a': 5 RETURNING jsonb)"), undefined)
})

test('built-in types, and column definitions that make no value, are not', () => {
  assert.is(casts("SELECT 1::int, 'a'::text, '{}'::pg_catalog.jsonb, 'x'::varchar(3)"), undefined)
  assert.is(casts(`SELECT * FROM json_to_record('{"a": 5}') AS x(a int, b text)`), undefined)
  assert.is(casts('CREATE TABLE t (a mood)'), undefined)
})

test.run()
