// Whether an UPDATE's or DELETE's WHERE clause bounds it to some rows of its table, read as an allowlist
// (where-bounds.ts): only a condition that picks rows of the changed table by given values does. `WHERE true`,
// `WHERE id > -1`, `WHERE v_flag`, `WHERE id = id`, `WHERE id IS NOT NULL` or a condition on another table only
// (`USING admins WHERE admins.on`) do not: the statement may change every row, as one without a WHERE clause would.
import { eachEntry, isObject, list, names, type PgObject, str, unwrap } from './ast.ts'
import type { SchemaCatalog } from './builder.ts'
import { bounds, type BoundsContext, scopeOf } from './where-bounds.ts'

export { anyOrEvery } from './where-bounds.ts'

/** The names a column of the changed table may be qualified with: its alias, else its name. */
function targetNames(relation: unknown): Set<string> {
  if (!isObject(relation)) return new Set()
  const alias = isObject(relation.alias) ? str(relation.alias.aliasname) : undefined
  const name = str(relation.relname)
  return new Set([alias ?? name].filter((n): n is string => n !== undefined))
}

export interface ReadContext {
  catalog: SchemaCatalog | undefined
  /**
   * The parse trees of the text the statement is in, and of those it is nested in: their CTEs (a writable CTE's
   * siblings among them) are names a FROM may give instead of a table's.
   */
  trees: readonly unknown[]
}

function cteNames(trees: readonly unknown[]): Set<string> {
  const names = new Set<string>()
  eachEntry(trees, (key, value) => void (key === 'CommonTableExpr' && isObject(value) && names.add(str(value.ctename) ?? '')))
  return names
}

/** The bounds context of a statement changing `relation`, with `from` its other FROM items. */
function boundsContext(relation: unknown, from: unknown[], condition: unknown, read: ReadContext): BoundsContext {
  const table = tableName(relation)
  const target = rowNames(relation, from, condition)
  // A self-joined copy (rowNames) is the row; the other items are the statement's judged (or not) FROM items.
  const others = from.filter((item) => {
    const node = unwrap(item)
    const name = node?.[0] === 'RangeVar' ? (isObject(node[1].alias) ? str(node[1].alias.aliasname) : str(node[1].relname)) : undefined
    return name === undefined || !target.has(name)
  })
  const schema = isObject(relation) ? str(relation.schemaname) ?? null : null
  const ctx: BoundsContext = {
    catalog: read.catalog,
    ctes: cteNames(read.trees),
    table,
    target,
    targetColumns: table === undefined ? undefined : toSet(read.catalog?.relation(schema, table)?.columns),
    outer: { items: new Map(), columns: new Set() },
  }
  ctx.outer = scopeOf(others, ctx, [])
  return ctx
}

const toSet = (columns: readonly string[] | undefined) => (columns ? new Set(columns) : undefined)

/**
 * For a MergeStmt body: the actions (`update`, `delete`) of WHEN clauses that may change every row of the target.
 * A WHEN MATCHED action is limited by an ON condition that bounds the target row or by its own AND
 * condition; a WHEN NOT MATCHED BY SOURCE action (PostgreSQL 17) only by its own, as an empty source leaves every
 * target row unmatched.
 */
export function mergeUnboundedActions(body: PgObject, read: ReadContext = { catalog: undefined, trees: [] }): string[] {
  const ctx = boundsContext(body.relation, [body.sourceRelation], body.joinCondition, read)
  const onLimits = body.joinCondition !== undefined && bounds(body.joinCondition, [], ctx)
  const actions = new Set<string>()
  for (const item of list(body.mergeWhenClauses)) {
    const clause = unwrap(item)
    if (clause?.[0] !== 'MergeWhenClause') continue
    const { commandType, matchKind, condition } = clause[1]
    const action = commandType === 'CMD_DELETE' ? 'delete' : commandType === 'CMD_UPDATE' ? 'update' : undefined
    if (action === undefined) continue
    const own = condition !== undefined && bounds(condition, [], ctx)
    if (!own && !(matchKind === 'MERGE_WHEN_MATCHED' && onLimits)) actions.add(action)
  }
  return [...actions].sort()
}

/** For an UpdateStmt or DeleteStmt body: a WHERE clause is present and limits the rows changed. */
export function whereLimitsRows(body: PgObject, read: ReadContext = { catalog: undefined, trees: [] }): boolean {
  if (body.whereClause === undefined) return false
  const ctx = boundsContext(body.relation, list(body.usingClause ?? body.fromClause), body.whereClause, read)
  return bounds(body.whereClause, [], ctx)
}

function tableName(relation: unknown): string | undefined {
  return isObject(relation) ? str(relation.relname) : undefined
}

/**
 * The names a column of the changed row may be qualified with: its alias (else its name), and the names of the
 * table joined to itself on one of its columns (`DELETE FROM users USING users u2 WHERE users.id = u2.id`, MERGE's
 * `USING users s ON u.id = s.id`), whose row is then the changed one: `users.id = u2.id` compares it with itself.
 */
function rowNames(relation: unknown, from: unknown[], condition: unknown): Set<string> {
  const target = targetNames(relation)
  const table = tableName(relation)
  const selves = new Set<string>()
  for (const item of from) {
    const node = unwrap(item)
    if (node?.[0] !== 'RangeVar' || table === undefined || str(node[1].relname) !== table) continue
    selves.add(isObject(node[1].alias) ? str(node[1].alias.aliasname) ?? table : table)
  }
  if (selves.size === 0) return target
  let joined = false
  eachEntry([condition], (key, value) => {
    if (key !== 'A_Expr' || !isObject(value) || value.kind !== 'AEXPR_OP' || names(value.name).join() !== '=') return
    const [l, r] = [columnOf(value.lexpr), columnOf(value.rexpr)]
    joined = l !== undefined && r !== undefined && l.column === r.column &&
      ((selves.has(l.table ?? '') && (r.table === undefined || target.has(r.table))) || (selves.has(r.table ?? '') && (l.table === undefined || target.has(l.table))))
    return joined
  })
  return joined ? new Set([...target, ...selves]) : target
}

/** A column reference as its table qualifier (if any) and column name. */
function columnOf(expr: unknown): { table: string | undefined; column: string } | undefined {
  const node = unwrap(expr)
  if (node?.[0] !== 'ColumnRef') return undefined
  const fields = list(node[1].fields).map((f) => unwrap(f))
  if (fields.length > 2 || fields.some((f) => f?.[0] !== 'String')) return undefined
  const parts = fields.map((f) => str(f![1].sval) ?? '')
  return parts.length === 2 ? { table: parts[0], column: parts[1]! } : { table: undefined, column: parts[0]! }
}
