import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Judgement } from '../../engine/gateway.ts'
import { compileRules } from '../../engine/obligations/mask/index.ts'
import type { CatalogRelation } from '../../engine/normalize/sql/index.ts'
import type { SqlOutput, SqlStatement } from '../../engine/types.ts'
import { maskedReferences, resultOutputs } from './result-statement.ts'

const out = (name: string, column = name): SqlOutput => ({ name, lineage: 'plain', sources: [{ table: 'public.users', column }] })

function stmt(type: SqlStatement['type'], o: Partial<SqlStatement> = {}): SqlStatement {
  return { type, node: '', text: '', read_only: true, tables: [], columns: [], functions: [], has_where: false, detail: {}, ...o }
}

const judged = (...statements: SqlStatement[]): Judgement => ({
  input: { command: { sql: { dialect: 'postgres', statements } } } as never,
  decision: { effect: 'allow', reasons: [], obligations: { mask: [] } },
})

test('a simple query\'s n-th result belongs to its n-th top-level statement, nested ones skipped', () => {
  const a = [out('email')]
  const b = [out('phone')]
  const j = judged(stmt('begin'), stmt('select', { outputs: a }), stmt('select', { nested: { via: 'cte', parent_index: 1 }, outputs: b }), stmt('select', { outputs: b }))
  assert.is(resultOutputs(j, 1), a)
  assert.is(resultOutputs(j, 2), b)
  assert.is(resultOutputs(j, 3), undefined)
  assert.is(resultOutputs(j, 0), undefined, 'BEGIN has no outputs')
})

test('EXECUTE returns the prepared statement the normalizer resolved under it', () => {
  const inner = [out('email')]
  assert.is(resultOutputs(judged(stmt('execute'), stmt('select', { nested: { via: 'execute', parent_index: 0 }, outputs: inner })), 0), inner)
  const own = [out('e', 'email')]
  assert.is(resultOutputs(judged(stmt('execute', { outputs: own }), stmt('select', { nested: { via: 'execute', parent_index: 0 }, outputs: inner })), 0), own)
})

test('FETCH returns the rows its cursor\'s DECLARE defined; an unknown cursor has no lineage', () => {
  const declared = [out('email')]
  const declaring = judged(stmt('begin'), stmt('declare_cursor', { detail: { name: 'c' }, outputs: declared }))
  const cursors = (name: string) => (name === 'c' ? { text: 'DECLARE c …', judgement: declaring } : undefined)
  assert.is(resultOutputs(judged(stmt('fetch', { detail: { name: 'c' }, outputs: [out('x')] })), 0, cursors), declared)
  assert.is(resultOutputs(judged(stmt('fetch', { detail: { name: 'other' } })), 0, cursors), undefined)
})

test('a name declared twice in one text: the DECLARE in force (by its text) defines the rows', () => {
  const harmless = [out('one')]
  const masked = [out('email')]
  const declaring = judged(
    stmt('declare_cursor', { text: 'DECLARE c CURSOR FOR SELECT 1', detail: { name: 'c' }, outputs: harmless }),
    stmt('close', { detail: { name: 'c' } }),
    stmt('declare_cursor', { text: 'DECLARE c CURSOR FOR SELECT email FROM users', detail: { name: 'c' }, outputs: masked }),
  )
  const cursors = () => ({ text: 'DECLARE c CURSOR FOR SELECT email FROM users', judgement: declaring })
  assert.is(resultOutputs(judged(stmt('fetch', { detail: { name: 'c' } })), 0, cursors), masked)
})

test('EXPLAIN and SHOW are server text: one derived star over all their columns', () => {
  assert.equal(resultOutputs(judged(stmt('explain')), 0), [{ name: '*', lineage: 'derived', sources: [], star: true }])
  assert.equal(resultOutputs(judged(stmt('show')), 0), [{ name: '*', lineage: 'derived', sources: [], star: true }])
  assert.is(resultOutputs(judged(stmt('call')), 0), undefined)
})

const RULES = compileRules([{ column: '*email*' }, { column: 'users.card*' }]).columns
const users: CatalogRelation = { schema: 'public', name: 'users', kind: 'table', columns: ['id', 'name', 'email', 'card_number'] }
const relation = (schema: string | null, name: string) => (name === 'users' && schema !== 'other' ? users : undefined)

test('masked references: any column reference, predicate or output source; stars through the catalog', () => {
  assert.equal(maskedReferences(judged(stmt('select', { columns: [{ table: 'users', name: 'email', access: 'read' }] })), RULES, relation), ['email'])
  assert.equal(maskedReferences(judged(stmt('select', { predicates: [{ table: 'users', column: 'card_number' }] })), RULES, relation), ['card_number'])
  assert.equal(maskedReferences(judged(stmt('select', { predicates: [{ table: 'orders', column: 'card_number' }] })), RULES, relation), [])
  assert.equal(maskedReferences(judged(stmt('select', { columns: [{ table: 'users', name: '*', access: 'read' }] })), RULES, relation), ['email', 'card_number'])
  assert.equal(maskedReferences(judged(stmt('select', { columns: [{ table: 'ghost', name: '*', access: 'read' }] })), RULES, relation), ['ghost.* (columns not known)'])
  assert.equal(maskedReferences(judged(stmt('select', { outputs: [{ name: 'f', lineage: 'unknown', sources: [] }] })), RULES, relation), ['f (origin unknown)'])
  assert.equal(maskedReferences(judged(stmt('select', { columns: [{ table: 'users', name: 'name', access: 'read' }] })), RULES, relation), [])
  assert.equal(maskedReferences(judged(stmt('select', { columns: [{ table: 'users', name: 'email', access: 'read' }] })), [], relation), [], 'no column rules')
})

test('a name that is no column of its relation is a whole-row reference: every masked column of it counts', () => {
  const whole = (table: string | null) => judged(stmt('select', { tables: [{ schema: null, name: 'users', full_name: 'users', access: 'read' }], columns: [{ table, name: 'u', access: 'read' }] }))
  assert.equal(maskedReferences(whole('users'), RULES, relation), ['email', 'card_number'])
  assert.equal(maskedReferences(whole(null), RULES, relation), ['email', 'card_number'])
})

test('a column of no relation the statement reads (a function\'s rows in FROM) is of unknown origin', () => {
  const fromFunction = judged(stmt('select', { columns: [{ table: null, name: 'v', access: 'read' }], functions: [{ schema: null, name: 'g', full_name: 'g' }] }))
  assert.equal(maskedReferences(fromFunction, RULES, relation, undefined, (name) => name === 'g'), ['v (origin unknown)'])
  assert.equal(maskedReferences(fromFunction, [], relation), [], 'no column rules')
  const variable = judged(stmt('select', { nested: { via: 'do', parent_index: 0 }, columns: [{ table: null, name: 'e', access: 'read' }] }))
  assert.equal(maskedReferences(variable, RULES, relation), [], 'a variable in a DO block or function body')
})

test('a call of a function outside pg_catalog counts as a read of unknown origin where column rules apply', () => {
  const builtin = (name: string) => name === 'upper'
  const calling = (functions: { schema: string | null; name: string; full_name: string }[], nested?: { via: 'function_body' | 'do'; parent_index: number }) =>
    judged(stmt('select', { functions, ...(nested ? { nested } : {}) }))
  const peek = { schema: null, name: 'peek', full_name: 'peek' }
  assert.equal(maskedReferences(calling([peek]), RULES, relation, undefined, builtin), ['peek() (a function whose reads the gateway does not judge)'])
  assert.equal(maskedReferences(calling([{ schema: 'public', name: 'upper', full_name: 'public.upper' }]), RULES, relation, undefined, builtin), ['public.upper() (a function whose reads the gateway does not judge)'], 'a built-in name in another schema')
  assert.equal(maskedReferences(calling([peek], { via: 'do', parent_index: 0 }), RULES, relation, undefined, builtin).length, 1, 'a DO block\'s body runs with the statement')
  assert.equal(maskedReferences(calling([{ schema: 'pg_catalog', name: 'upper', full_name: 'pg_catalog.upper' }, { schema: null, name: 'upper', full_name: 'upper' }]), RULES, relation, undefined, builtin), [])
  assert.equal(maskedReferences(calling([peek], { via: 'function_body', parent_index: 0 }), RULES, relation, undefined, builtin), [], 'a function body being created does not run')
  assert.equal(maskedReferences(calling([peek]), [], relation, undefined, builtin), [], 'no column rules')
  assert.equal(maskedReferences(calling([{ schema: null, name: 'upper', full_name: 'upper' }]), RULES, relation).length, 1, 'built-ins not looked up yet: none is known')
})

test('masked references of a FETCH include its cursor\'s DECLARE', () => {
  const declaring = judged(stmt('declare_cursor', { detail: { name: 'c' }, columns: [{ table: 'users', name: 'email', access: 'read' }] }))
  const cursors = () => ({ text: '', judgement: declaring })
  assert.equal(maskedReferences(judged(stmt('fetch', { detail: { name: 'c' } })), RULES, relation, cursors), ['email'])
})

test.run()
