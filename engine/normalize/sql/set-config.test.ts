import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { CatalogRelation, SchemaCatalog } from './index.ts'
import { loadSqlParsers } from './parse.ts'
import { one } from './test-support.ts'

test.before(async () => {
  await loadSqlParsers()
})

test("pg_dump's set_config of search_path is read as SET search_path = '': no function call, one literal result column", () => {
  const s = one("SELECT pg_catalog.set_config('search_path', '', false);")
  assert.is(s.type, 'set')
  assert.is(s.node, 'VariableSetStmt')
  assert.equal(s.detail, { name: 'search_path', value: '', values: [''], local: false, kind: 'VAR_SET_VALUE', via: 'pg_catalog.set_config' })
  assert.equal(s.functions, [])
  assert.equal(s.outputs, [{ name: 'set_config', lineage: 'derived', sources: [], safe: true }])
  assert.is(s.text, "SELECT pg_catalog.set_config('search_path', '', false)")
})

const PG_SETTINGS: CatalogRelation = { schema: 'pg_catalog', name: 'pg_settings', kind: 'view', columns: ['name', 'setting'] }
const catalog = (found: CatalogRelation | undefined): SchemaCatalog => ({ relation: (schema, name) => (schema === null && name === 'pg_settings' ? found : undefined) })
const RESTRICT = "SELECT set_config(name, 'view, foreign-table', false) FROM pg_settings WHERE name = 'restrict_nonsystem_relation_kind'"

test("pg_dump's set_config of restrict_nonsystem_relation_kind is read as its SET, marked as reading pg_settings", () => {
  for (const value of ['view, foreign-table', 'view']) {
    const s = one(`SELECT set_config(name, '${value}', false) FROM pg_settings WHERE name = 'restrict_nonsystem_relation_kind'`, { catalog: catalog(PG_SETTINGS) })
    assert.is(s.type, 'set')
    assert.equal(s.detail, { name: 'restrict_nonsystem_relation_kind', value, values: [value], local: false, kind: 'VAR_SET_VALUE', via: 'set_config', reads: 'pg_settings' })
    assert.equal(s.tables, [])
  }
})

test('unless pg_settings resolves to pg_catalog\'s (a temporary relation of that name, a moved search_path): then a set_config call', () => {
  for (const found of [undefined, { ...PG_SETTINGS, schema: 'public' }]) {
    const s = one(RESTRICT, { catalog: catalog(found) })
    assert.is(s.type, 'select')
    assert.ok(s.functions.some((f) => f.name === 'set_config'))
  }
  assert.is(one(RESTRICT).type, 'select', 'no catalog')
})

test('every other set_config stays a function call', () => {
  for (const text of [
    "SELECT pg_catalog.set_config('search_path', '', true)",
    "SELECT set_config('search_path', '', false)",
    "SELECT pg_catalog.set_config('search_path', 'public', false)",
    "SELECT pg_catalog.set_config('search_path', ' ', false)",
    "SELECT pg_catalog.set_config('SEARCH_PATH', '', false)",
    "SELECT pg_catalog.set_config('backslash_quote', '', false)",
    "SELECT pg_catalog.set_config('search_path', ''::text, false)",
    "SELECT pg_catalog.set_config('search_path', '' || '', false)",
    "SELECT pg_catalog.set_config('search_path', '', 'f')",
    "SELECT pg_catalog.set_config('search_path', '', false) AS x",
    "SELECT pg_catalog.set_config('search_path', '', false), 1",
    "SELECT pg_catalog.set_config('search_path', '', false) FROM users",
    "SELECT pg_catalog.set_config('search_path', '', false) LIMIT 1",
    "SELECT DISTINCT pg_catalog.set_config('search_path', '', false)",
    "SELECT upper(pg_catalog.set_config('search_path', '', false))",
    "WITH x AS (SELECT 1) SELECT pg_catalog.set_config('search_path', '', false)",
    "SELECT pg_catalog.set_config('search_path', '', false) UNION SELECT ''",
    "SELECT set_config(name, 'view', false) FROM pg_settings WHERE name = 'search_path'",
    "SELECT set_config(name, '', false) FROM pg_settings WHERE name = 'restrict_nonsystem_relation_kind'",
    "SELECT set_config(name, 'view', false) FROM pg_catalog.pg_settings WHERE name = 'restrict_nonsystem_relation_kind'",
    "SELECT set_config(name, 'view', false) FROM pg_settings WHERE name <> 'restrict_nonsystem_relation_kind'",
    "SELECT set_config(name, 'view', false) FROM pg_settings WHERE name = 'restrict_nonsystem_relation_kind' OR true",
    "SELECT set_config(setting, 'view', false) FROM pg_settings WHERE name = 'restrict_nonsystem_relation_kind'",
    "SELECT set_config(name, 'view', false) FROM pg_settings, users WHERE name = 'restrict_nonsystem_relation_kind'",
    "SELECT set_config(name, 'view', false) FROM ONLY pg_settings WHERE name = 'restrict_nonsystem_relation_kind'",
  ]) {
    const s = one(text)
    assert.is.not(s.type, 'set', text)
    assert.ok(s.functions.some((f) => f.name === 'set_config'), text)
  }
})

test.run()
