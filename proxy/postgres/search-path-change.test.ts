// Which statements change how the server resolves unqualified names (search-path.ts); the end-to-end attack is
// in search-path.test.ts.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers, normalizePostgres } from '../../engine/normalize/sql/index.ts'
import { catalogNamesOnly, changesSearchPath, qualifiedNamesOnly, setsEmptySearchPath } from './search-path.ts'

await loadSqlParsers()
const changes = (sql: string) => changesSearchPath(normalizePostgres(sql).sql.statements)

test('search_path and role changes, however spelled, nested ones included', () => {
  for (const sql of [
    'SET search_path = reporting, public', "SET LOCAL search_path TO 'reporting'", 'SET SESSION "search_path" = x', 'RESET search_path',
    'SET search_path TO DEFAULT', 'SET ROLE warden_md5', 'RESET ROLE', 'SET SESSION AUTHORIZATION other', 'SET LOCAL ROLE r',
    'SELECT 1; SET search_path = x',
  ]) assert.ok(changes(sql), sql)
  for (const sql of ['SET statement_timeout = 5', 'SHOW search_path', 'SELECT 1', 'RESET ALL', 'DISCARD ALL', "SELECT 'SET search_path = x'"]) {
    assert.not.ok(changes(sql), sql)
  }
})

test("an empty search_path, set alone and for the session (pg_dump's set_config), is told apart from other changes", () => {
  const empties = (sql: string) => setsEmptySearchPath(normalizePostgres(sql).sql.statements)
  for (const sql of ["SELECT pg_catalog.set_config('search_path', '', false)", "SET search_path = ''", "SET search_path TO ''"]) {
    assert.ok(changes(sql), sql)
    assert.ok(empties(sql), sql)
  }
  for (const sql of [
    "SET LOCAL search_path = ''", "SET search_path = '', public", "SET search_path = ' '", 'SET search_path TO DEFAULT', 'RESET search_path',
    "SET search_path = ''; SELECT 1", "SELECT pg_catalog.set_config('search_path', '', true)", 'SET search_path = public',
  ]) assert.not.ok(empties(sql), sql)
})

test('after an empty search_path, an unqualified name resolves as a relation of pg_catalog, unless a temporary one has it', () => {
  const pgClass = { schema: 'pg_catalog', name: 'pg_class', kind: 'table' as const, columns: ['relname'] }
  const users = { schema: 'public', name: 'users', kind: 'table' as const, columns: ['id'] }
  const catalog = catalogNamesOnly({
    relation: (schema, name) => (schema === 'pg_catalog' && name === 'pg_class' ? pgClass : schema === 'public' && name === 'users' ? users : undefined),
    catalogRelation: (name) => (name === 'pg_class' ? pgClass : undefined),
  })
  assert.is(catalog.relation(null, 'pg_class'), pgClass)
  assert.is(catalog.relation(null, 'users'), undefined)
  assert.is(catalog.relation('public', 'users'), users)
})

test('a session with a changed search_path resolves schema-qualified names only', () => {
  const seen: [string | null, string][] = []
  const relation = { schema: 'public', name: 'users', kind: 'table' as const, columns: ['id'] }
  const catalog = qualifiedNamesOnly({ relation: (schema, name) => (seen.push([schema, name]), relation) })
  assert.is(catalog.relation(null, 'users'), undefined)
  assert.is(catalog.relation('public', 'users'), relation)
  assert.equal(seen, [['public', 'users']], 'an unqualified name is not even asked (nor looked up)')
})

test('a session with a changed search_path takes a built-in name as shadowed by a function in any schema', () => {
  const relation = () => undefined
  const functionSchema = (name: string, anySchema = false) => (name === 'count' ? (anySchema ? 'reporting' : undefined) : undefined)
  assert.is(qualifiedNamesOnly({ relation, functionSchema }).functionSchema?.('count'), 'reporting')
  assert.is(qualifiedNamesOnly({ relation }).functionSchema, undefined, 'a catalog that knows no functions')
})

test.run()
