// Session bookkeeping from statements that completed on the server: SQL PREPARE / DEALLOCATE / DECLARE /
// CLOSE / DISCARD change what names mean, and DDL makes cached catalog lookups stale.
import type { Judgement } from '../../engine/gateway.ts'
import type { SqlStatement, StatementType } from '../../engine/types.ts'
import { grantDeadline } from './judge.ts'
import type { ResultPlanner } from './masker.ts'
import type { StatementRun } from './pending.ts'
import type { SessionStatements } from './session.ts'

const DDL = new Set<StatementType>(['create', 'create_table_as', 'select_into', 'alter', 'drop', 'rename', 'create_function', 'create_extension'])

/** The name a statement gives or removes, from the normalizer's parse tree (detail.name; quoted case kept). */
function nameOf(s: SqlStatement): string | undefined {
  return typeof s.detail.name === 'string' && s.detail.name !== '' ? s.detail.name : undefined
}

interface Shape {
  top: { statement: SqlStatement; index: number }[]
  /** Indexes of statements with a nested DDL statement. */
  ddlParents: Set<number>
}

const shapes = new WeakMap<Judgement, Shape>()

/**
 * Computed once per judgement: it is asked at every CommandComplete, and recomputing it (a scan of every
 * statement) made a long query string quadratic.
 */
function shapeOf(j: Judgement): Shape {
  let shape = shapes.get(j)
  if (!shape) {
    const all = j.input.command?.sql?.statements ?? []
    const ddlParents = new Set<number>()
    for (const x of all) if (x.nested && DDL.has(x.type)) ddlParents.add(x.nested.parent_index)
    shape = { top: all.flatMap((statement, index) => (statement.nested ? [] : [{ statement, index }])), ddlParents }
    shapes.set(j, shape)
  }
  return shape
}

/** Top-level statements (one CommandComplete each), with their index in the flattened list. */
export function topLevel(j: Judgement): { statement: SqlStatement; index: number }[] {
  return shapeOf(j).top
}

export function hasType(j: Judgement, ...types: StatementType[]): boolean {
  return (j.input.command?.sql?.statements ?? []).some((s) => types.includes(s.type))
}

export function applyStatementEffect(run: StatementRun, n: number, statements: SessionStatements, planner: ResultPlanner, tag = ''): void {
  // ROLLBACK, ROLLBACK TO SAVEPOINT and a COMMIT of a failed transaction all complete as ROLLBACK.
  if (tag === 'ROLLBACK') statements.rolledBack()
  // An Execute of a statement SQL PREPAREd (or a cursor SQL DECLAREd) runs that one statement of its text, a
  // query with no session effect: the text's other statements ran when it did, and must not be replayed.
  if (run.resultIndex !== undefined) return
  const judgement = run.verdict.judgement
  const shape = shapeOf(judgement)
  const top = shape.top[n]
  if (!top) return
  const { statement: s, index } = top
  const all = judgement.input.command.sql?.statements ?? []
  if (DDL.has(s.type) || shape.ddlParents.has(index)) planner.invalidate()
  switch (s.type) {
    case 'prepare': {
      const name = nameOf(s)
      if (name === undefined) return
      const inner = all.find((x) => x.nested?.via === 'prepare' && x.nested.parent_index === index)
      // A PREPARE allowed by a grant approved preparing it: its first Bind judges the statement itself, with
      // its values, as a SQL EXECUTE of it would be.
      const grantUntil = grantDeadline(judgement)
      statements.setStatement(name, {
        text: inner?.text ?? s.text,
        judgement,
        // PREPARE (like DECLARE) carries the outputs of its statement (normalize/sql/lineage.ts).
        resultIndex: index,
        approvalId: run.verdict.approvalId,
        ...(grantUntil === undefined ? {} : { grantUntil, needsApproval: true }),
      })
      return
    }
    case 'deallocate': {
      // DEALLOCATE ALL (detail.all), or a name the tree did not give: forget every statement (fail closed).
      const name = s.detail.all === true ? undefined : nameOf(s)
      if (name === undefined) statements.clearStatements()
      else statements.setStatement(name, undefined)
      return
    }
    case 'declare_cursor': {
      const name = nameOf(s)
      if (name !== undefined) {
        statements.declareCursor(name, { text: s.text, judgement, resultIndex: index, approvalId: run.verdict.approvalId, grantUntil: grantDeadline(judgement) }, s.detail.hold === true)
      }
      return
    }
    case 'close': {
      // CLOSE ALL has no name in the tree.
      const name = nameOf(s)
      if (name === undefined) statements.clearPortals()
      else statements.setPortal(name, undefined)
      return
    }
    case 'discard':
      if (s.detail.target === 'all') {
        statements.clearStatements()
        statements.clearPortals()
      }
      return
  }
}
