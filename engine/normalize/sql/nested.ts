// Statements that run inside another one, flattened into the same list with `nested: {via, parent_index}`:
// writable CTEs, EXPLAIN ANALYZE's query, PREPARE's query, EXECUTE's resolved statement, DO and function
// bodies, rule actions, COPY's writing query. A policy that judges every entry then sees them all.
import type { NestedVia, SqlStatement } from '../../types.ts'
import type { PgObject } from './ast.ts'
import { bodyOf, constText, defElems, list, names, str, unwrap } from './ast.ts'
import type { Builder, Program } from './builder.ts'
import { parsePostgres } from './parse.ts'
import { doBlockFunction, plpgsqlBody, type EmbeddedSql } from './plpgsql.ts'
import { WRITING_NODES, writableCtes } from './read-only.ts'
import type { ByteRange } from './tokens.ts'
import { afterAs, atomicBody, copyQuery, cteBody, explainQuery, returnExpression, ruleActions, tokensIn } from './tokens.ts'
import { collectRefs } from './walk.ts'

export interface Parent {
  name: string
  body: PgObject
  entry: SqlStatement
  index: number
  program: Program
  range: ByteRange
  depth: number
}

const FALSE_WORDS = new Set(['false', 'off', '0', 'no'])

/** EXPLAIN runs its query when ANALYZE is given without an explicit false (`ANALYZE`, `(ANALYZE)`, `(ANALYZE on)`). */
export function explainAnalyzes(body: PgObject): boolean {
  const analyze = defElems(body.options).get('analyze')
  if (!analyze) return false
  if (analyze.arg === undefined) return true
  return !FALSE_WORDS.has((constText(analyze.arg) ?? '').toLowerCase())
}

/**
 * EXPLAIN prints sizes of the rows its plan carries: estimated widths unless COSTS is off, and with ANALYZE the
 * memory and disk a sort, hash or aggregate used. The server reads these options as booleans, the last one given wins.
 */
export function explainPrintsSizes(body: PgObject): boolean {
  const costs = defElems(body.options).get('costs')
  const costsOff = costs !== undefined && costs.arg !== undefined && FALSE_WORDS.has((constText(costs.arg) ?? '').toLowerCase())
  return !costsOff || explainAnalyzes(body)
}

/** Children of one statement, already appended to the builder; returns the direct children. */
export function expandNested(b: Builder, p: Parent): SqlStatement[] {
  switch (p.name) {
    case 'ExplainStmt':
      return explainAnalyzes(p.body) ? [treeChild(b, p, p.body.query, explainQuery(tokens(p)), 'explain')] : []
    case 'PrepareStmt':
      return [treeChild(b, p, p.body.query, afterAs(tokens(p)), 'prepare')]
    case 'ExecuteStmt':
      return execute(b, p)
    case 'DoStmt':
      return doBlock(b, p)
    case 'CreateFunctionStmt':
      return functionBody(b, p)
    case 'RuleStmt':
      return ruleActionsOf(b, p)
    case 'CopyStmt': {
      const query = unwrap(p.body.query)
      if (query && WRITING_NODES.has(query[0])) return [treeChild(b, p, p.body.query, copyQuery(tokens(p)), 'subquery')]
      return cteChildren(b, p, p.body.query)
    }
    case 'CreateTableAsStmt': {
      // CREATE TABLE … AS EXECUTE p runs a prepared statement.
      const query = unwrap(p.body.query)
      if (query?.[0] === 'ExecuteStmt') return [treeChild(b, p, p.body.query, afterAs(tokens(p)), 'subquery')]
      return cteChildren(b, p, p.body)
    }
    default:
      return cteChildren(b, p, p.body)
  }
}

function tokens(p: Parent) {
  return tokensIn(p.program.tokens(), p.range.start, p.range.end)
}

function nestedUnder(p: Parent, via: NestedVia) {
  return { via, parent_index: p.index }
}

/** A nested statement whose tree is part of the parent's; its text is cut at `range` (or the parent's). */
function treeChild(b: Builder, p: Parent, node: unknown, range: ByteRange | undefined, via: NestedVia): SqlStatement {
  return b.statement(node, p.program, range ?? p.range, nestedUnder(p, via), p.depth + 1)
}

function cteChildren(b: Builder, p: Parent, tree: unknown): SqlStatement[] {
  return writableCtes(tree).map((cte) => {
    const location = typeof cte.location === 'number' ? cte.location : p.range.start
    return treeChild(b, p, cte.ctequery, cteBody(tokens(p), location), 'cte')
  })
}

/** Keys of the session's prepared statements are matched exactly first, then case-insensitively. */
function resolvePrepared(prepared: ReadonlyMap<string, string> | undefined, name: string): string | undefined {
  if (!prepared) return undefined
  const exact = prepared.get(name)
  if (exact !== undefined) return exact
  const folded = [...prepared.keys()].filter((k) => k.toLowerCase() === name.toLowerCase()).sort()
  return folded.length > 0 ? prepared.get(folded[0] as string) : undefined
}

function execute(b: Builder, p: Parent): SqlStatement[] {
  const name = String(p.entry.detail.name ?? '')
  const text = resolvePrepared(b.context.prepared, name)
  p.entry.detail.resolved = text !== undefined
  if (text === undefined) return []
  return b.program(text, nestedUnder(p, 'execute'), p.depth + 1, `prepared statement ${name}`)
}

/** Statements found in a PL/pgSQL body; an expression becomes an entry only when it touches a table or function. */
function embeddedStatements(b: Builder, p: Parent, queries: readonly EmbeddedSql[], via: NestedVia): SqlStatement[] {
  const out: SqlStatement[] = []
  if (queries.some((q) => !q.dynamic && usesWholeTriggerRow(q.text))) p.entry.detail.whole_trigger_row = true
  for (const query of queries) {
    if (query.kind === 'statement') {
      out.push(...b.program(query.text, nestedUnder(p, via), p.depth + 1, 'PL/pgSQL body'))
      continue
    }
    const stmts = parsePostgres(query.text)
    b.noteSyntax(query.text, stmts)
    const literal = query.dynamic ? literalOf(stmts[0]?.stmt) : undefined
    if (literal !== undefined) {
      out.push(...b.program(literal, nestedUnder(p, via), p.depth + 1, 'EXECUTE string'))
      continue
    }
    const refs = collectRefs(stmts[0]?.stmt)
    if (refs.tables.length > 0 || refs.functions.length > 0 || readsTriggerRow(stmts[0]?.stmt)) {
      out.push(...b.program(query.text, nestedUnder(p, via), p.depth + 1, 'PL/pgSQL expression'))
    }
  }
  return out
}

/**
 * Whether an expression reads a trigger's row (NEW, OLD, a field of either): the row of whatever table the trigger
 * is on, any session's write, so what it hands on (`NEW.label := NEW.password`, `x := NEW::text`) is judged.
 */
function readsTriggerRow(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(readsTriggerRow)
  if (node === null || typeof node !== 'object') return false
  const n = unwrap(node)
  if (n?.[0] === 'ColumnRef') {
    const first = str(bodyOf(list(n[1].fields)[0], 'String')?.sval)?.toLowerCase()
    return first === 'new' || first === 'old' || labelledRow(list(n[1].fields))
  }
  return Object.values(node).some(readsTriggerRow)
}

/**
 * `tf.new`, `tf.new.password`: the row qualified by the function's name (the label of its outermost block), a
 * name no mask follows; counted as a use of the whole row (a column of a table named new is counted too).
 */
function labelledRow(fields: unknown[]): boolean {
  const second = str(bodyOf(fields[1], 'String')?.sval)?.toLowerCase()
  return second === 'new' || second === 'old'
}

/** `new`, `old`, `new.*`: a trigger's whole row, as a value. */
function wholeRowRef(fields: unknown[]): boolean {
  const first = str(bodyOf(fields[0], 'String')?.sval)?.toLowerCase()
  if (first !== 'new' && first !== 'old') return false
  return fields.length === 1 || (fields.length === 2 && unwrap(fields[1])?.[0] === 'A_Star')
}

/** `NEW IS DISTINCT FROM OLD`, `NEW = OLD`: two whole rows compared, a yes or no that hands no value on. */
function rowComparison(e: PgObject): boolean {
  const comparing = e.kind === 'AEXPR_DISTINCT' || e.kind === 'AEXPR_NOT_DISTINCT' || (e.kind === 'AEXPR_OP' && ['=', '<>'].includes(names(e.name).join()))
  const row = (side: unknown) => {
    const ref = unwrap(side)
    return ref?.[0] === 'ColumnRef' && wholeRowRef(list(ref[1].fields))
  }
  return comparing && row(e.lexpr) && row(e.rexpr)
}

/**
 * Whether a text of a routine's body uses a trigger's whole row (`NEW::text`, `to_jsonb(NEW)`, `r := OLD`): every
 * column of whatever table the trigger is on, masked ones included, under no name a mask can follow.
 */
function usesWholeTriggerRow(text: string): boolean {
  let tree: unknown
  try {
    tree = parsePostgres(text)
  } catch {
    return false
  }
  const visit = (node: unknown): boolean => {
    if (Array.isArray(node)) return node.some(visit)
    if (node === null || typeof node !== 'object') return false
    const n = unwrap(node)
    if (n?.[0] === 'ColumnRef') return wholeRowRef(list(n[1].fields)) || labelledRow(list(n[1].fields))
    if (n?.[0] === 'A_Expr' && rowComparison(n[1])) return false
    return Object.values(node).some(visit)
  }
  return visit(tree)
}

/** The string of `SELECT 'literal'`, i.e. an EXECUTE whose query text is a constant. */
function literalOf(node: unknown): string | undefined {
  const select = bodyOf(node, 'SelectStmt')
  const targets = list(select?.targetList)
  if (!select || targets.length !== 1 || select.fromClause !== undefined) return undefined
  const value = bodyOf(targets[0], 'ResTarget')?.val
  const constant = bodyOf(value, 'A_Const')
  return constant && constant.sval !== undefined ? constText(value) : undefined
}

function doBlock(b: Builder, p: Parent): SqlStatement[] {
  const args = defElems(p.body.args)
  const language = (constText(args.get('language')?.arg) ?? 'plpgsql').toLowerCase()
  const source = constText(args.get('as')?.arg) ?? ''
  p.entry.detail.language = language
  if (language !== 'plpgsql') {
    Object.assign(p.entry.detail, { dynamic_sql: false, opaque: true })
    return []
  }
  const body = plpgsqlBody(doBlockFunction(source))
  Object.assign(p.entry.detail, { dynamic_sql: body.dynamic, opaque: false })
  if (body.aliasesTriggerRow) p.entry.detail.whole_trigger_row = true
  return embeddedStatements(b, p, body.queries, 'do')
}

function functionBody(b: Builder, p: Parent): SqlStatement[] {
  const language = String(p.entry.detail.language ?? 'sql')
  const asItems = list(defElems(p.body.options).get('as')?.arg)
  Object.assign(p.entry.detail, { dynamic_sql: false, opaque: false })
  if (p.body.sql_body !== undefined) return standardBody(b, p)
  if (language === 'plpgsql') {
    const body = plpgsqlBody(p.entry.text)
    p.entry.detail.dynamic_sql = body.dynamic
    if (body.aliasesTriggerRow) p.entry.detail.whole_trigger_row = true
    return embeddedStatements(b, p, body.queries, 'function_body')
  }
  if (language === 'sql' && asItems.length === 1) {
    const source = constText(asItems[0]) ?? ''
    return source.trim() === '' ? [] : b.program(source, nestedUnder(p, 'function_body'), p.depth + 1, 'function body')
  }
  p.entry.detail.opaque = true
  return []
}

/** SQL-standard bodies: `BEGIN ATOMIC … END` or `RETURN expr`, already parsed in the tree. */
function standardBody(b: Builder, p: Parent): SqlStatement[] {
  const ret = bodyOf(p.body.sql_body, 'ReturnStmt')
  const range = ret ? returnExpression(tokens(p)) : atomicBody(tokens(p))
  if (range) {
    const text = p.program.src.slice(range.start, range.end)
    return b.program(ret ? `SELECT ${text}` : text, nestedUnder(p, 'function_body'), p.depth + 1, 'function body')
  }
  const nodes = ret ? [p.body.sql_body] : list(list(p.body.sql_body)[0])
  return nodes.map((node) => treeChild(b, p, node, undefined, 'function_body'))
}

function ruleActionsOf(b: Builder, p: Parent): SqlStatement[] {
  const actions = list(p.body.actions)
  if (actions.length === 0) return []
  const range = ruleActions(tokens(p))
  if (range) return b.program(p.program.src.slice(range.start, range.end), nestedUnder(p, 'rule'), p.depth + 1, 'rule action')
  return actions.map((node) => treeChild(b, p, node, undefined, 'rule'))
}
