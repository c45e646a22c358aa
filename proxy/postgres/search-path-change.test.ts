// Which statements change how the server resolves unqualified names (search-path.ts); the end-to-end attack is
// in search-path.test.ts.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers, normalizePostgres } from '../../engine/normalize/sql/index.ts'
import { changesSearchPath, qualifiedNamesOnly } from './search-path.ts'

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
