// Session bookkeeping from statements that completed on the server: SQL PREPARE / DEALLOCATE / DECLARE /
// CLOSE / DISCARD change what names mean, and DDL makes cached catalog lookups stale.
import type { Judgement } from '../../engine/gateway.ts'
import type { SqlStatement, StatementType } from '../../engine/types.ts'
import type { ResultPlanner } from './masker.ts'
import type { StatementRun } from './pending.ts'
import type { SessionStatements } from './session.ts'

const DDL = new Set<StatementType>(['create', 'create_table_as', 'select_into', 'alter', 'drop', 'rename', 'create_function', 'create_extension'])

/** A SQL identifier as PostgreSQL reads it: quoted keeps case ("" is a quote), unquoted folds to lower case. */
function identifier(raw: string): string {
  return raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw.toLowerCase()
}

const IDENT = String.raw`("(?:[^"]|"")+"|[^\s(;"]+)`
const PREPARE = new RegExp(String.raw`^\s*prepare\s+${IDENT}`, 'i')
const DEALLOCATE = new RegExp(String.raw`^\s*deallocate\s+(?:prepare\s+)?${IDENT}`, 'i')
const DECLARE = new RegExp(String.raw`^\s*declare\s+${IDENT}`, 'i')
const CLOSE = new RegExp(String.raw`^\s*close\s+${IDENT}`, 'i')

/** The statement's name from the normalizer's detail, or read from its text. */
function nameOf(s: SqlStatement, pattern: RegExp): string | undefined {
  if (typeof s.detail.name === 'string' && s.detail.name) return s.detail.name
  const m = pattern.exec(s.text.replace(/^(\s*(--[^\n]*\n|\/\*[\s\S]*?\*\/))*/, ''))
  return m ? identifier(m[1]!) : undefined
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

export function applyStatementEffect(run: StatementRun, n: number, statements: SessionStatements, planner: ResultPlanner): void {
  const judgement = run.verdict.judgement
  const shape = shapeOf(judgement)
  const top = shape.top[n]
  if (!top) return
  const { statement: s, index } = top
  const all = judgement.input.command.sql?.statements ?? []
  if (DDL.has(s.type) || shape.ddlParents.has(index)) planner.invalidate()
  switch (s.type) {
    case 'prepare': {
      const name = nameOf(s, PREPARE)
      if (name === undefined) return
      const inner = all.find((x) => x.nested?.via === 'prepare' && x.nested.parent_index === index)
      statements.setStatement(name, { text: inner?.text ?? s.text, judgement, approvalId: run.verdict.approvalId })
      return
    }
    case 'deallocate': {
      const name = s.detail.all === true ? 'all' : nameOf(s, DEALLOCATE)
      if (name === undefined || name === 'all') statements.clearStatements()
      else statements.setStatement(name, undefined)
      return
    }
    case 'declare_cursor': {
      const name = nameOf(s, DECLARE)
      if (name !== undefined) statements.declareCursor(name, { text: s.text, judgement, approvalId: run.verdict.approvalId })
      return
    }
    case 'close': {
      const name = nameOf(s, CLOSE)
      if (name === undefined || name === 'all') statements.clearPortals()
      else statements.setPortal(name, undefined)
      return
    }
    case 'discard':
      if (/\ball\b/i.test(s.text)) {
        statements.clearStatements()
        statements.clearPortals()
      }
      return
  }
}
