import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Target } from '../types.ts'
import { loadSqlParsers, normalize, type Normalized, type RawRequest } from './index.ts'
import { SqlNormalizeCache } from './sql-cache.ts'
import type { CatalogRelation, SchemaCatalog } from './sql/index.ts'

await loadSqlParsers()

const target: Target = { name: 'prod-db', kind: 'postgres', environment: 'production', labels: {} }
type SqlRequest = Extract<RawRequest, { kind: 'sql' }>

/** A catalog whose relations can be replaced, recording every question, as the gateway's does. */
function catalogOf(relations: Record<string, CatalogRelation>) {
  const asked: string[] = []
  const catalog: SchemaCatalog & { asked: string[]; set(name: string, r: CatalogRelation | undefined): void } = {
    asked,
    relation(schema, name) {
      asked.push(`${schema ?? ''}.${name}`)
      return relations[name]
    },
    set(name, r) {
      if (r) relations[name] = r
      else delete relations[name]
    },
  }
  return catalog
}

function counted(cache: SqlNormalizeCache) {
  let computed = 0
  return {
    run: (request: SqlRequest): Normalized => cache.normalize(request, target, (r) => (computed++, normalize(r, target))),
    get computed() { return computed },
  }
}

const users = (columns: string[]): CatalogRelation => ({ schema: 'public', name: 'users', kind: 'table', columns })

test('the same text is normalized once and gives the same (frozen) result as normalizing it', () => {
  const c = counted(new SqlNormalizeCache())
  const a = c.run({ kind: 'sql', text: 'SELECT a FROM t WHERE b = 1' })
  const b = c.run({ kind: 'sql', text: 'SELECT a FROM t WHERE b = 1' })
  assert.is(a, b)
  assert.is(c.computed, 1)
  assert.equal(a, normalize({ kind: 'sql', text: 'SELECT a FROM t WHERE b = 1' }, target))
  assert.ok(Object.isFrozen(a.command.sql!.statements[0]))
  c.run({ kind: 'sql', text: "SELECT a FROM t WHERE b = '2'" })
  assert.is(c.computed, 2, 'another text (integer literals alone may share a template: sql-template.test.ts)')
})

test('a text whose normalization resolved a prepared statement is never kept', () => {
  const c = counted(new SqlNormalizeCache())
  const prepared = new Map([['p', 'DELETE FROM users']])
  const first = c.run({ kind: 'sql', text: 'EXECUTE p', prepared })
  assert.is(first.command.sql!.statements.some((s) => s.type === 'delete'), true)
  prepared.set('p', 'SELECT 1')
  const second = c.run({ kind: 'sql', text: 'EXECUTE p', prepared })
  assert.is(second.command.sql!.statements.some((s) => s.type === 'delete'), false)
  assert.is(c.computed, 2)
  // A text that does not look at the prepared statements is kept whatever map comes with it.
  c.run({ kind: 'sql', text: 'SELECT 1', prepared })
  c.run({ kind: 'sql', text: 'SELECT 1', prepared: new Map() })
  c.run({ kind: 'sql', text: 'SELECT 1' })
  assert.is(c.computed, 3)
})

test('EXECUTE of an unknown name without a prepared map is not kept either (a later map may name it)', () => {
  const c = counted(new SqlNormalizeCache())
  const unknown = c.run({ kind: 'sql', text: 'EXECUTE p' })
  const known = c.run({ kind: 'sql', text: 'EXECUTE p', prepared: new Map([['p', 'DROP TABLE users']]) })
  assert.not.equal(unknown.command.sql, known.command.sql)
  assert.equal(known, normalize({ kind: 'sql', text: 'EXECUTE p', prepared: new Map([['p', 'DROP TABLE users']]) }, target))
})

test('an entry holds only while the same catalog gives the same answers; a change is normalized afresh', () => {
  const c = counted(new SqlNormalizeCache())
  const catalog = catalogOf({ users: users(['id', 'name']) })
  const text = 'SELECT * FROM users'
  const before = c.run({ kind: 'sql', text, catalog })
  assert.equal(before.command.sql!.statements[0]!.outputs!.map((o) => o.name), ['id', 'name'])
  c.run({ kind: 'sql', text, catalog })
  assert.is(c.computed, 1)
  catalog.set('users', users(['id', 'name', 'email']))
  const after = c.run({ kind: 'sql', text, catalog })
  assert.equal(after.command.sql!.statements[0]!.outputs!.map((o) => o.name), ['id', 'name', 'email'])
  assert.is(c.computed, 2)
  catalog.set('users', undefined)
  const gone = c.run({ kind: 'sql', text, catalog })
  assert.equal(gone, normalize({ kind: 'sql', text, catalog }, target))
  assert.is(c.computed, 3)
  // Another catalog object, or none: another entry.
  c.run({ kind: 'sql', text, catalog: catalogOf({ users: users(['id']) }) })
  c.run({ kind: 'sql', text })
  assert.is(c.computed, 5)
})

test('a hit asks the catalog every question the normalization asked (the gateway learns its misses from them)', () => {
  const cache = new SqlNormalizeCache()
  const catalog = catalogOf({ users: users(['id']) })
  const text = 'SELECT * FROM users JOIN nowhere USING (id)'
  cache.normalize({ kind: 'sql', text, catalog }, target, (r) => normalize(r, target))
  const first = [...catalog.asked]
  catalog.asked.length = 0
  cache.normalize({ kind: 'sql', text, catalog }, target, (r) => normalize(r, target))
  assert.ok(first.includes('.nowhere'))
  assert.equal(new Set(catalog.asked), new Set(first))
})

test('an entry is used only while the catalog names the same shadowing function schemas as when it was made', () => {
  const cache = new SqlNormalizeCache()
  let shadow: string | undefined
  const table = users(['id', 'email'])
  const catalog: SchemaCatalog = { relation: () => table, functionSchema: (name) => (name === 'count' ? shadow : undefined) }
  const run = () => cache.normalize({ kind: 'sql', text: 'SELECT count(email) FROM users', catalog }, target, (r) => normalize(r, target))
  const fns = (n: Normalized) => n.command.sql?.statements[0]?.functions.map((f) => f.full_name)
  assert.equal(fns(run()), ['count'])
  shadow = 'public'
  assert.equal(fns(run()), ['public.count'])
  assert.equal(fns(run()), ['public.count'])
  assert.is(cache.hits, 1)
})

test('target kind and name are part of the key: SQL to a MySQL target is another normalization', () => {
  const c = new SqlNormalizeCache()
  const mysql: Target = { ...target, name: 'my', kind: 'mysql' }
  const pg = c.normalize({ kind: 'sql', text: 'SELECT 1' }, target, (r) => normalize(r, target))
  const my = c.normalize({ kind: 'sql', text: 'SELECT 1' }, mysql, (r) => normalize(r, mysql))
  assert.is(pg.command.protocol, 'postgres')
  assert.is(my.command.protocol, 'mysql')
})

test('memory is bounded by entries and by the summed text length; long texts are not kept', () => {
  const cache = new SqlNormalizeCache({ maxEntries: 3, maxChars: 200, maxTextLength: 120 })
  const run = (text: string) => cache.normalize({ kind: 'sql', text }, target, (r) => normalize(r, target))
  for (let i = 0; i < 5; i++) run(`SELECT c${i}`)
  assert.is(cache.size, 3)
  run(`SELECT '${'x'.repeat(150)}'`)
  assert.is(cache.size, 3, 'over maxTextLength: not kept')
  run(`SELECT '${'y'.repeat(100)}'`)
  assert.ok(cache.size <= 3)
})

test.run()
