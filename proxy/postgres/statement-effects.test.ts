import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Judgement } from '../../engine/gateway.ts'
import type { SqlStatement, StatementType } from '../../engine/types.ts'
import type { ResultPlanner } from './masker.ts'
import type { StatementRun } from './pending.ts'
import { SessionStatements } from './session.ts'
import { applyStatementEffect } from './statement-effects.ts'
import { loadSqlParsers } from '../../engine/normalize/sql/parse.ts'
import { pg } from '../../engine/normalize/sql/test-support.ts'

test.before(async () => {
  await loadSqlParsers()
})

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

/** A judgement of `text` as the normalizer parses it, with an email mask. */
function parsed(text: string): StatementRun {
  return runOf(pg(text))
}

test('PREPARE records the inner statement under the name from the parse tree (quoted case kept, unquoted folded)', () => {
  const s = new SessionStatements()
  const { p } = planner()
  applyStatementEffect(parsed('PREPARE "Mixed Case" AS SELECT 1'), 0, s, p)
  applyStatementEffect(parsed('/* prepare other */ prepare/**/Lower AS SELECT 2'), 0, s, p)
  assert.is(s.prepared().get('Mixed Case'), 'SELECT 1')
  assert.is(s.prepared().get('lower'), 'SELECT 2')
  assert.is(s.prepared().get('other'), undefined)
})

test('a PREPARE allowed by a grant leaves its statement to be judged again at its first Bind', () => {
  const s = new SessionStatements()
  const { p } = planner()
  const run = parsed('PREPARE up AS UPDATE users SET plan = $1 WHERE id = 1')
  const j = run.verdict.judgement
  j.input.session = { id: 's', started_at: '', grants: [{ id: 'g1', scope: 'statement', approved_by: 'alice', expires_at_ns: 9e18 }] }
  j.decision.reasons = [{ rule: 'warden.grant', message: 'approved by alice (grant g1, scope statement)' }]
  applyStatementEffect(run, 0, s, p)
  assert.equal([s.statement('up')?.needsApproval, s.statement('up')?.grantUntil], [true, 9e12])
  applyStatementEffect(parsed('PREPARE plain AS SELECT 1'), 0, s, p)
  assert.equal([s.statement('plain')?.needsApproval, s.statement('plain')?.grantUntil], [undefined, undefined])
})

test('a statement without a name in its detail records nothing (names are never read from the text)', () => {
  const s = new SessionStatements()
  const { p } = planner()
  applyStatementEffect(runOf([stmt('prepare', 'PREPARE lower AS SELECT 2', { detail: {} })]), 0, s, p)
  assert.is(s.prepared().size, 0)
})

test('DEALLOCATE one or ALL, CLOSE, DISCARD ALL forget names, whatever comments sit between the words', () => {
  const s = new SessionStatements()
  const { p } = planner()
  s.setStatement('a', { text: 'x', judgement: runOf([]).verdict.judgement })
  s.setStatement('b', { text: 'y', judgement: runOf([]).verdict.judgement })
  applyStatementEffect(parsed('DEALLOCATE /* b */ a'), 0, s, p)
  assert.equal([...s.prepared().keys()], ['b'])
  applyStatementEffect(parsed('DEALLOCATE/**/ALL'), 0, s, p)
  assert.is(s.prepared().size, 0)
  applyStatementEffect(parsed('DECLARE "Cur" CURSOR FOR SELECT email FROM users'), 0, s, p)
  applyStatementEffect(parsed('DECLARE other CURSOR FOR SELECT 1'), 0, s, p)
  assert.ok(s.portal('Cur'))
  // Each mask once, however many cursors carry it.
  assert.equal(s.cursorMaskObligations(), [{ column: 'email' }])
  applyStatementEffect(parsed('CLOSE -- all\n "Cur"'), 0, s, p)
  assert.is(s.portal('Cur'), undefined)
  assert.ok(s.portal('other'))
  applyStatementEffect(parsed('CLOSE/**/ALL'), 0, s, p)
  assert.is(s.portal('other'), undefined)
  s.setStatement('c', { text: 'z', judgement: runOf([]).verdict.judgement })
  applyStatementEffect(parsed('DISCARD /* all */ PLANS'), 0, s, p)
  assert.is(s.prepared().size, 1)
  applyStatementEffect(parsed('DISCARD/**/ALL'), 0, s, p)
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
