import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers, normalizePostgres } from '../../engine/normalize/sql/index.ts'
import { firstPinnedChange, pinnedValueHolds } from './pinned-settings.ts'

const changeOf = (sql: string) => {
  const { sql: command } = normalizePostgres(sql)
  assert.is(command.parse_error, undefined, sql)
  return firstPinnedChange(command.statements)
}

test('finds every way a statement could change a pinned setting', async () => {
  await loadSqlParsers()
  const cases: [string, string][] = [
    ["SET client_encoding = 'SJIS'", 'client_encoding'],
    ["SET NAMES 'GBK'", 'client_encoding'],
    ['SET LOCAL standard_conforming_strings TO off', 'standard_conforming_strings'],
    ['RESET backslash_quote', 'backslash_quote'],
    ["SELECT set_config('client_encoding', 'BIG5', false)", 'client_encoding'],
    ["SELECT \"set_config\"( 'Standard_Conforming_Strings' , 'off', true)", 'standard_conforming_strings'],
    ["SELECT set_config('client_' || 'encoding', 'SJIS', false)", 'a session setting'],
    ["SELECT set_config(E'client\\x5fencoding', 'SJIS', false)", 'a session setting'],
    ['SELECT set_config(name, setting, false) FROM pg_settings', 'a session setting'],
    ["ALTER ROLE app SET client_encoding = 'SJIS'", 'client_encoding'],
    ['ALTER DATABASE app SET standard_conforming_strings = off', 'standard_conforming_strings'],
    ['ALTER FUNCTION f() SET backslash_quote = on', 'backslash_quote'],
    ['ALTER FUNCTION f() SET U&"client\\005fencoding" = \'SJIS\'', 'a session setting'],
    ["UPDATE pg_settings SET setting = 'off' WHERE name = 'standard_conforming_strings'", 'a session setting'],
    ["DO $$ BEGIN SET client_encoding = 'SJIS'; END $$", 'client_encoding'],
  ]
  for (const [sql, setting] of cases) assert.is(changeOf(sql)?.setting, setting, sql)
})

test('leaves ordinary statements, other settings and RESET ALL / DISCARD ALL alone', async () => {
  await loadSqlParsers()
  for (const sql of ["SET statement_timeout = '5s'", 'RESET ALL', 'DISCARD ALL', "SELECT set_config('application_name', 'x', false)", "SELECT 'client_encoding'", 'SHOW client_encoding']) {
    assert.is(changeOf(sql), undefined, sql)
  }
})

test('compares reported values case-insensitively and ignores unpinned names', () => {
  assert.ok(pinnedValueHolds('client_encoding', 'UTF8'))
  assert.ok(pinnedValueHolds('standard_conforming_strings', 'ON'))
  assert.not.ok(pinnedValueHolds('client_encoding', 'SJIS'))
  assert.ok(pinnedValueHolds('DateStyle', 'German, DMY'))
})

test.run()
