import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadSqlParsers } from '../index.ts'
import { parsePostgres } from './parse.ts'
import { functionsOf, one, pg } from './test-support.ts'

await loadSqlParsers()

test('json_object(…) as written is a name the search_path resolves; pg_catalog.json_object(…) is pg_catalog\'s', () => {
  assert.equal(functionsOf(one("SELECT json_object('a'), JSON_OBJECT(ARRAY['a', 'b'])")), ['json_object'])
  assert.equal(functionsOf(one("SELECT pg_catalog.json_object('{a,b}'), \"pg_catalog\".json_object('{c,d}')")), ['pg_catalog.json_object'])
  assert.equal(functionsOf(one("SELECT 'é', json_object('a')")), ['json_object'])
  const nested = pg("DO $$ BEGIN PERFORM json_object('a'); END $$")
  assert.equal(nested.map(functionsOf), [[], ['json_object']])
})

test('the type json as written is unqualified; pg_catalog.json stays qualified', () => {
  const typeNames = (sql: string) => JSON.stringify(parsePostgres(sql)).match(/"names":\[[^\]]*\]/g)
  assert.equal(typeNames("SELECT 'ü'::json, CAST('1' AS JSON), '2'::pg_catalog.json"), [
    '"names":[{"String":{"sval":"json"}}]', '"names":[{"String":{"sval":"json"}}]', '"names":[{"String":{"sval":"pg_catalog"}},{"String":{"sval":"json"}}]',
  ])
})

test.run()
