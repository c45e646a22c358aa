// Which statements may run code of the database's own (runs-code.ts): what search-path-watch.ts checks after.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type CatalogRelation, loadSqlParsers, normalizePostgres } from '../../engine/normalize/sql/index.ts'
import { type CodeCatalog, runsCode, runsCodeBeforeNames } from './runs-code.ts'

await loadSqlParsers()

const RELATIONS: Record<string, CatalogRelation> = {
  users: { schema: 'public', name: 'users', kind: 'table', columns: ['id', 'name', 'email'] },
  guarded: { schema: 'public', name: 'guarded', kind: 'table', columns: ['id'], row_security: true },
  people: { schema: 'public', name: 'people', kind: 'view', columns: ['id'], definition: 'SELECT id FROM users' },
  pg_settings: { schema: 'pg_catalog', name: 'pg_settings', kind: 'view', columns: ['name', 'setting'] },
}
const catalog: CodeCatalog = {
  isBuiltinFunction: (name) => ['upper', 'count', 'length', 'now'].includes(name),
  relation: (schema, name) => (schema === null || schema === 'public' ? RELATIONS[name] : undefined),
}
const statements = (sql: string) => normalizePostgres(sql, { catalog }).sql.statements

test('reads of plain tables calling built-ins only, settings and transaction control run no code', () => {
  for (const sql of [
    'SELECT upper(name), count(*) FROM users GROUP BY 1', 'SELECT pg_catalog.upper(name) FROM public.users', 'SELECT 1', 'VALUES (1)',
    'SET statement_timeout = 5', 'SHOW search_path', 'BEGIN', 'ROLLBACK', 'SAVEPOINT a', 'RELEASE a', 'DEALLOCATE ALL',
    'PREPARE p AS UPDATE users SET name = name', 'EXPLAIN SELECT * FROM users',
    "SELECT pg_catalog.set_config('search_path', '', false)",
  ]) assert.not.ok(runsCode(statements(sql), catalog), sql)
})

test('writes, COMMIT, user functions, views, row security, cursors and unknown relations may run code', () => {
  for (const sql of [
    "UPDATE users SET name = 'x'", 'INSERT INTO users (id) VALUES (1)', 'DELETE FROM users', 'COMMIT', 'SET CONSTRAINTS ALL IMMEDIATE',
    'SELECT peek()', 'SELECT 1 WHERE peek() IS NULL', 'SELECT public.upper(name) FROM users', 'SELECT * FROM people',
    'SELECT * FROM guarded', 'SELECT * FROM ghosts', 'FETCH ALL FROM c', 'EXPLAIN ANALYZE UPDATE users SET name = name',
    'CALL tidy()', "DO $$ BEGIN PERFORM 1; END $$", 'COPY users FROM STDIN',
    // pg_dump's set_config read as a SET reads pg_settings unqualified: a temporary relation may stand in for it.
    "SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings WHERE name = 'restrict_nonsystem_relation_kind'",
  ]) assert.ok(runsCode(statements(sql), catalog), sql)
})

test('code before a later statement that resolves names: that one was judged before the code ran', () => {
  const before = (sql: string) => runsCodeBeforeNames(statements(sql), catalog)
  assert.ok(before("UPDATE users SET name = 'x'; SELECT upper(name) FROM users"))
  assert.ok(before('SELECT peek(); SELECT 1; COMMIT'))
  assert.ok(before("BEGIN; UPDATE users SET name = 'x'; COMMIT; SELECT 1"))
  assert.not.ok(before("SELECT upper(name) FROM users; UPDATE users SET name = 'x'"), 'code last')
  assert.not.ok(before("UPDATE users SET name = 'x'"), 'one statement')
  assert.not.ok(before("BEGIN; UPDATE users SET name = 'x'; COMMIT"), 'only transaction control after it')
  assert.not.ok(before('BEGIN; DECLARE c CURSOR FOR SELECT name FROM users; COMMIT'), 'DECLARE runs nothing')
  assert.not.ok(before('WITH x AS (SELECT peek()) SELECT * FROM x'), 'nested in the last one')
})

test.run()
