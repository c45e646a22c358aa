import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Judgement } from '../../engine/gateway.ts'
import type { SqlStatement, StatementType } from '../../engine/types.ts'
import type { ResultPlanner } from './masker.ts'
import type { StatementRun } from './pending.ts'
import { SessionStatements } from './session.ts'
import { applyStatementEffect } from './statement-effects.ts'

const stmt = (type: StatementType, text: string, extra: Partial<SqlStatement> = {}): SqlStatement => ({
  type, node: 'X', text, read_only: true, tables: [], columns: [], functions: [], has_where: false, detail: {}, ...extra,
})

function runOf(statements: SqlStatement[]): StatementRun {
  const judgement = {
    input: { command: { sql: { dialect: 'postgres', statements } } },
    decision: { effect: 'allow', reasons: [], obligations: { mask: [{ column: 'email' }] } },
  } as unknown as Judgement
  return { text: '', verdict: { allow: true, judgement }, protocol: 'simple', startedAt: 0, masks: [], rows: 0, masked: 0, completed: 0 }
}

function planner() {
  let invalidated = 0
  return { p: { invalidate: () => invalidated++ } as unknown as ResultPlanner, count: () => invalidated }
}

test('PREPARE records the inner statement under the name PostgreSQL would use (names read from text when needed)', () => {
  const s = new SessionStatements()
  const run = runOf([
    stmt('prepare', 'PREPARE "Mixed Case" AS SELECT 1'),
    stmt('select', 'SELECT 1', { nested: { via: 'prepare', parent_index: 0 } }),
    stmt('prepare', 'prepare Lower AS SELECT 2', { detail: {} }),
  ])
  const { p } = planner()
  applyStatementEffect(run, 0, s, p)
  applyStatementEffect(run, 1, s, p)
  assert.is(s.prepared().get('Mixed Case'), 'SELECT 1')
  assert.is(s.prepared().get('lower'), 'prepare Lower AS SELECT 2')
})

test('DEALLOCATE one or ALL, CLOSE, DISCARD ALL forget names', () => {
  const s = new SessionStatements()
  const { p } = planner()
  s.setStatement('a', { text: 'x', judgement: runOf([]).verdict.judgement })
  s.setStatement('b', { text: 'y', judgement: runOf([]).verdict.judgement })
  applyStatementEffect(runOf([stmt('deallocate', 'DEALLOCATE a', { detail: { name: 'a', all: false } })]), 0, s, p)
  assert.equal([...s.prepared().keys()], ['b'])
  applyStatementEffect(runOf([stmt('deallocate', 'DEALLOCATE ALL', { detail: { name: null, all: true } })]), 0, s, p)
  assert.is(s.prepared().size, 0)
  applyStatementEffect(runOf([stmt('declare_cursor', 'DECLARE cur CURSOR FOR SELECT email FROM users')]), 0, s, p)
  assert.ok(s.portal('cur'))
  assert.equal(s.cursorMaskObligations(), [{ column: 'email' }])
  applyStatementEffect(runOf([stmt('close', 'CLOSE cur')]), 0, s, p)
  assert.is(s.portal('cur'), undefined)
  s.setStatement('c', { text: 'z', judgement: runOf([]).verdict.judgement })
  applyStatementEffect(runOf([stmt('discard', 'DISCARD ALL')]), 0, s, p)
  assert.is(s.prepared().size, 0)
})

test('DDL, top level or nested, invalidates cached column names', () => {
  const s = new SessionStatements()
  const { p, count } = planner()
  applyStatementEffect(runOf([stmt('alter', 'ALTER TABLE users RENAME COLUMN a TO b')]), 0, s, p)
  applyStatementEffect(runOf([stmt('select', 'SELECT 1')]), 0, s, p)
  assert.is(count(), 1)
  applyStatementEffect(runOf([stmt('do', 'DO $$ ... $$'), stmt('drop', 'DROP TABLE t', { nested: { via: 'do', parent_index: 0 } })]), 0, s, p)
  assert.is(count(), 2)
})

test.run()
