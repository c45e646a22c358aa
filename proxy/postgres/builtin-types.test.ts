// Which statements name only built-in types (builtin-types.ts); the end-to-end case is in masking.test.ts.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers } from '../../engine/normalize/sql/index.ts'
import { onlyBuiltinTypes } from './builtin-types.ts'

await loadSqlParsers()

test('casts, typed literals and parameter types to anything but a built-in type are caught', () => {
  for (const sql of ['SELECT a FROM t WHERE id = 1', 'SELECT a::text, CAST(b AS integer), 1::int8 FROM t', "SELECT date '2024-01-01'", 'SELECT $1::pg_catalog.int4']) {
    assert.ok(onlyBuiltinTypes(sql), sql)
  }
  for (const sql of ['SELECT CAST(1 AS d)', 'SELECT 1::public.int4', "SELECT d '1'", 'SELECT ARRAY[1]::d[]', 'SELECT 1::other.text', 'not sql']) {
    assert.not.ok(onlyBuiltinTypes(sql), sql)
  }
  assert.ok(onlyBuiltinTypes('SELECT $1', [0, 23]))
  assert.not.ok(onlyBuiltinTypes('SELECT $1', [16384]), 'a type created after initdb')
  assert.not.ok(onlyBuiltinTypes('SELECT $1', [-1]))
})

test.run()
