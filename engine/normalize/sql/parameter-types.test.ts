import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers } from '../index.ts'
import { normalizePostgres } from './postgres.ts'

await loadSqlParsers()

const refused = (sql: string) => normalizePostgres(sql).sql.parse_error

test('a PREPARE declaring a parameter of a type outside pg_catalog is refused, nested code included', () => {
  for (const sql of [
    'PREPARE p (noted_int) AS SELECT $1', 'PREPARE p (int, public.noted_int) AS SELECT $1, $2', 'PREPARE p (mood[]) AS SELECT $1',
    "DO $$ BEGIN EXECUTE 'PREPARE q (noted_int) AS SELECT 1'; END $$",
  ]) assert.match(refused(sql) ?? '', /^PREPARE declares parameter \$\d of type [\w.]+, a type outside pg_catalog/, sql)
  assert.match(refused('PREPARE p (int, public.noted_int) AS SELECT $1, $2') ?? '', /parameter \$2 of type public\.noted_int/)
})

test('built-in parameter types, however spelled, and casts written in the statement are not', () => {
  for (const sql of [
    'PREPARE p (int, text, varchar(3), double precision, int[], timestamp with time zone, pg_catalog.int4, numeric(3,2), "char", jsonb, uuid) AS SELECT $1',
    'PREPARE p AS SELECT $1::noted_int', 'PREPARE p AS SELECT 1',
  ]) assert.is(refused(sql), undefined, sql)
})

test.run()
