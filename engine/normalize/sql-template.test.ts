import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { frozenJson } from '../json-text.ts'
import type { Target } from '../types.ts'
import { loadSqlParsers, normalize, type Normalized, type RawRequest } from './index.ts'
import { SqlNormalizeCache } from './sql-cache.ts'
import { boundSqlDigest, sqlDigest } from './sql-template.ts'
import type { CatalogRelation, SchemaCatalog } from './sql/index.ts'
import { constText } from './sql/ast.ts'
import { parsePostgres } from './sql/parse.ts'
import { integerLiterals, LiteralWatch, templateKey } from './sql-template.ts'

await loadSqlParsers()

const target: Target = { name: 'prod-db', kind: 'postgres', environment: 'production', labels: {} }
type SqlRequest = Extract<RawRequest, { kind: 'sql' }>

const accounts: CatalogRelation = { schema: 'public', name: 'pgbench_accounts', kind: 'table', columns: ['aid', 'bid', 'abalance', 'filler'] }
const users: CatalogRelation = { schema: 'public', name: 'users', kind: 'table', columns: ['id', 'email', 'plan'] }
const catalog: SchemaCatalog = { relation: (_schema, name) => ({ pgbench_accounts: accounts, users })[name] }

function counted(cache = new SqlNormalizeCache()) {
  let computed = 0
  return {
    cache,
    run: (text: string): Normalized => cache.normalize({ kind: 'sql', text, catalog }, target, (r: SqlRequest) => (computed++, normalize(r, target))),
    get computed() { return computed },
  }
}

const fresh = (text: string) => normalize({ kind: 'sql', text, catalog }, target)

test('integer literals: whole digit runs of plain texts, nothing else', () => {
  const starts = (text: string) => integerLiterals(text)?.map((l) => text.slice(l.start, l.start + l.length))
  assert.equal(starts('SELECT abalance FROM pgbench_accounts WHERE aid = 4242;'), ['4242'])
  assert.equal(starts('SELECT a FROM t1 WHERE b IN (1,22, 333) LIMIT 5'), ['1', '22', '333', '5'])
  assert.equal(starts('SELECT 123456789'), ['123456789'])
  // Not whole ICONST tokens: names, decimals, exponents, parameters, 10 digits (may not fit int4), 1_000.
  for (const text of ['SELECT t1.a2 FROM t1', 'SELECT 1.5', 'SELECT .5', 'SELECT 1e5', 'SELECT 1234567890', 'SELECT 1_000', 'SELECT 0x1F']) {
    assert.is(starts(text), undefined, text)
  }
  // Texts the lexer could read differently around the digits are never templates.
  for (const text of ["SELECT 'a' || 1", 'SELECT "c1" FROM t WHERE x = 1', 'SELECT $1 + 1', 'SELECT $$x$$, 1', 'SELECT 1 -- 2', 'SELECT 1 /* 2 */', 'SELECT E\'\\x\', 1', 'SELECT 1 AS é', 'SELECT 1 \\g', 'SELECT 1\u0000']) {
    assert.is(integerLiterals(text), undefined, text)
  }
})

test('the template key keeps every other character and each literal length', () => {
  const key = (t: string) => templateKey(t, integerLiterals(t)!)
  assert.is(key('SELECT a WHERE b = 7'), key('SELECT a WHERE b = 9'))
  assert.is.not(key('SELECT a WHERE b = 7'), key('SELECT a WHERE b = 70'))
  assert.is.not(key('SELECT a WHERE b = 7'), key('SELECT a WHERE c = 7'))
  assert.is.not(key('SELECT a WHERE b = 7'), key('SELECT a WHERE b <7'))
})

test('texts that differ only in integer values share one normalization, equal to normalizing each', () => {
  const c = counted()
  const texts = ['SELECT abalance FROM pgbench_accounts WHERE aid = 4242;', 'SELECT abalance FROM pgbench_accounts WHERE aid = 1717;', 'SELECT abalance FROM pgbench_accounts WHERE aid = 0000;', '  SELECT abalance FROM pgbench_accounts WHERE aid = 9999 ;  ']
  for (const text of texts) {
    const got = c.run(text)
    assert.equal(got, fresh(text), text)
    assert.ok(Object.isFrozen(got.command) && Object.isFrozen(got.command.sql!.statements[0]), 'frozen like every cached form')
  }
  assert.is(c.computed, 2, 'one computed per shape (the last one has other spacing)')
  assert.is(c.cache.templateHits, 2)
  assert.is(c.run('SELECT abalance FROM pgbench_accounts WHERE aid = 42;').command.raw, 'SELECT abalance FROM pgbench_accounts WHERE aid = 42;')
  assert.is(c.computed, 3, 'another literal length is another template')
  const many = ['SELECT id, email FROM users WHERE id IN (1, 2, 3) LIMIT 10', 'SELECT id, email FROM users WHERE id IN (7, 8, 9) LIMIT 50']
  for (const text of many) assert.equal(c.run(text), fresh(text))
  assert.is(c.computed, 4)
  const ctes = ['WITH x AS (SELECT email, 1 AS n FROM users) SELECT email, n FROM x', 'WITH x AS (SELECT email, 2 AS n FROM users) SELECT email, n FROM x']
  for (const text of ctes) assert.equal(c.run(text), fresh(text))
  assert.is(c.computed, 5)
})

test('an instance comes with its JSON text, byte for byte what stringifying it gives', () => {
  const c = counted()
  const texts = [
    'SELECT abalance FROM pgbench_accounts WHERE aid = 4242;',
    'SELECT abalance FROM pgbench_accounts WHERE aid = 1717;',
    '\tSELECT abalance FROM pgbench_accounts WHERE aid = 1212\r\n',
    '\tSELECT abalance FROM pgbench_accounts WHERE aid = 3434\r\n',
    'SELECT id, email FROM users WHERE id IN (1, 2, 3) LIMIT 10',
    'SELECT id, email FROM users WHERE id IN (7, 8, 9) LIMIT 50',
  ]
  for (const text of texts) {
    const { command } = c.run(text)
    assert.is(frozenJson(command), JSON.stringify(command), text)
  }
  assert.is(c.cache.templateHits, 3)
})

test('instances with tabs, CR/LF, several literals up to nine digits: each equal to normalizing its text, with that JSON text', () => {
  const c = counted()
  let seed = 7
  const digit = () => String((seed = (seed * 1103515245 + 12345) % 2147483648) % 10)
  const digits = (n: number) => Array.from({ length: n }, digit).join('')
  // Only plain ASCII texts are templates (integerLiterals); the last shape is none, and is checked all the same.
  const shapes = [
    (a: string) => `SELECT email FROM users WHERE id = ${a}\r\n`,
    (a: string, b: string) => `\tSELECT email, ${a} FROM users LIMIT ${b};`,
    (a: string, b: string) => `SELECT email FROM users WHERE id IN (${a},\t${b})\n\n`,
    (a: string, b: string) => `SELECT email FROM users WHERE id = ${a}::int8 + ${b}`,
    (a: string, b: string) => `SELECT email FROM users WHERE plan = 'é\u2028"\\' AND id = ${a} + ${b}`,
  ]
  for (const shape of shapes) {
    for (const [la, lb] of [[1, 3], [9, 9], [5, 1]] as const) {
      for (let i = 0; i < 3; i++) {
        const text = shape(digits(la), digits(lb))
        const got = c.run(text)
        assert.equal(got, fresh(text), text)
        assert.is(frozenJson(got.command), JSON.stringify(got.command), text)
      }
    }
  }
  assert.ok(c.cache.templateHits >= 24, `instances made: ${c.cache.templateHits}`)
})

test('a normalization that read a literal, or whose literal the grammar consumed or folded, is no template', () => {
  const groups = [
    // The lineage reads the position: the output of ORDER BY 1 is another column than ORDER BY 2.
    ['SELECT id, email FROM users ORDER BY 1', 'SELECT id, email FROM users ORDER BY 2'],
    // -5 becomes one constant at the minus sign.
    ['SELECT id FROM users WHERE id = -5', 'SELECT id FROM users WHERE id = -7'],
    // float(p) is real up to 24 bits, double precision above; FETCH takes its count in the statement.
    ['SELECT 1::float(3)', 'SELECT 1::float(30)'],
    ['FETCH 1 FROM c', 'FETCH 5 FROM c'],
    // Several statements, nested statements.
    ['SELECT 1; SELECT 2', 'SELECT 3; SELECT 4'],
    ['PREPARE p AS SELECT id FROM users LIMIT 1', 'PREPARE p AS SELECT id FROM users LIMIT 2'],
  ]
  for (const texts of groups) {
    const c = counted()
    for (const text of texts) assert.equal(c.run(text), fresh(text), text)
    assert.is(c.cache.templateHits, 0, texts[0])
    assert.is(c.computed, texts.length, texts[0])
  }
})

test('a text is never taken for a template key, nor a template key for a text', () => {
  // The template key marks each literal digit with U+0001; a text spelling out such a key (which PostgreSQL
  // cannot parse) must get its own normalization, and must not leave its parse error where a template goes.
  const text = 'SELECT id FROM users WHERE id = 5'
  const spelled = `\u0001${templateKey(text, integerLiterals(text)!)}`
  const c = counted()
  c.run(text)
  assert.equal(c.run(spelled), fresh(spelled), 'the spelled key after the template')
  assert.ok(c.run(spelled).command.sql!.parse_error)
  const d = counted()
  assert.equal(d.run(spelled), fresh(spelled))
  assert.equal(d.run('SELECT id FROM users WHERE id = 7'), fresh('SELECT id FROM users WHERE id = 7'), 'a text of that shape after the spelled key')
})

test('a literal the tree holds twice is no template: the guard covers one copy, a read of the other would go unseen', () => {
  // SET (a, b) = (row): the grammar hands the same row to each column's MultiAssignRef, so the JSON tree
  // holds every constant of it once per column, at the same offset.
  const text = 'UPDATE users SET (id, plan) = (1, 2)'
  const watch = new LiteralWatch(text, integerLiterals(text)!)
  const stmts = parsePostgres(text)
  watch.parsed(text, stmts)
  const targets = (stmts[0]!.stmt as any).UpdateStmt.targetList
  const copy = targets[1].ResTarget.val.MultiAssignRef.source.RowExpr.args[0]
  assert.is(constText(copy), '1', 'the second column holds its own copy of the constant')
  assert.is(watch.reusable(fresh(text)), undefined)
  const c = counted()
  for (const t of [text, 'UPDATE users SET (id, plan) = (3, 4)']) assert.equal(c.run(t), fresh(t))
  assert.is(c.cache.templateHits, 0)
})

test('a template is used only while the catalog answers as it did', () => {
  let columns = ['aid', 'bid', 'abalance', 'filler']
  const live: SchemaCatalog = { relation: (_s, name) => (name === 'pgbench_accounts' ? { ...accounts, columns } : undefined) }
  const cache = new SqlNormalizeCache()
  const run = (text: string) => cache.normalize({ kind: 'sql', text, catalog: live }, target, (r) => normalize(r, target))
  run('SELECT * FROM pgbench_accounts WHERE aid = 1')
  columns = ['aid', 'abalance', 'secret']
  const after = run('SELECT * FROM pgbench_accounts WHERE aid = 2')
  assert.equal(after.command.sql!.statements[0]!.outputs!.map((o) => o.name), ['aid', 'abalance', 'secret'])
  assert.is(cache.templateHits, 0)
})

test('the schema leaves raw, digest and statement text free: an instance passes exactly when its template does', () => {
  const schema = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'schemas', 'input.schema.json'), 'utf8'))
  const command = schema.properties.command.properties
  assert.equal(command.raw, { type: 'string' })
  assert.equal(command.digest, { type: 'string' })
  const statement = schema.$defs.sql.properties.statements.items.properties
  assert.equal(statement.text, { type: 'string' })
})

test('a bound digest differs for every difference a Bind can make, and is the text digest without parameters', () => {
  const text = 'UPDATE users SET plan = $1 WHERE id = $2'
  const b = (...params: (string | null)[]) => params.map((p) => (p === null ? null : Buffer.from(p)))
  const base = boundSqlDigest(text, { params: b('gold', '7'), formats: [] })
  const variants = [
    boundSqlDigest(text, { params: b('gold', '8'), formats: [] }),
    boundSqlDigest(text, { params: b('gold', null), formats: [] }),
    boundSqlDigest(text, { params: b('gold', ''), formats: [] }),
    boundSqlDigest(text, { params: b('gold7', ''), formats: [] }),
    boundSqlDigest(text, { params: b('gold', '7'), formats: [1] }),
    boundSqlDigest(text, { params: b('gold', '7'), formats: [], types: [25, 23] }),
    boundSqlDigest(`${text} `, { params: b('gold', '7'), formats: [] }),
    sqlDigest(text),
  ]
  assert.is(new Set([base, ...variants]).size, variants.length + 1)
  assert.is(boundSqlDigest(text, { params: b('gold', '7'), formats: [] }), base)
  assert.is(boundSqlDigest(text, { params: [], formats: [] }), sqlDigest(text))
})

test('the digest of a SQL EXECUTE covers the statement it runs, so a grant on it does not cover one prepared again', () => {
  const digestWith = (prepared: string) => normalize({ kind: 'sql', text: "EXECUTE up('silver', 5)", prepared: new Map([['up', prepared]]) }, target).command.digest
  const update = digestWith('UPDATE users SET plan = $1 WHERE id = $2')
  assert.is(digestWith('UPDATE users SET plan = $1 WHERE id = $2'), update)
  assert.is.not(digestWith('UPDATE users SET plan = $1 WHERE id <> $2'), update)
  assert.is.not(update, sqlDigest("EXECUTE up('silver', 5)"))
  assert.is(fresh('SELECT 1').command.digest, sqlDigest('SELECT 1'))
})

test.run()
