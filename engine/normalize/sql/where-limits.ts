// Whether an UPDATE's or DELETE's WHERE clause limits it to some rows of its table. `WHERE true`, `WHERE 1 = 1`,
// `WHERE id = 1 OR true`, `WHERE random() < 2` or a condition on another table only (`USING admins WHERE
// admins.on`) do not: the statement changes every row, or none, as one without a WHERE clause would.
// Read from the tree, not by evaluating: a condition limits when it reads a column of the row (or the row itself,
// or a cursor's position); AND limits when one part does, OR only when every part does. Under NOT (or IS FALSE,
// IS NOT TRUE) the two swap, as NOT (a AND b) is NOT a OR NOT b: `NOT (id = 1 AND false)` is true for every row.
// A comparison of an expression with itself (`id = id`, `id IN (id)`, where-self.ts) reads the row but answers the
// same for every row, so it limits nothing either.
import { eachEntry, isObject, list, names, type PgObject, str, unwrap } from './ast.ts'
import type { SchemaCatalog } from './builder.ts'
import { comparesWithItself } from './where-self.ts'

/** The names a column of the changed table may be qualified with: its alias, else its name. */
function targetNames(relation: unknown): Set<string> {
  if (!isObject(relation)) return new Set()
  const alias = isObject(relation.alias) ? str(relation.alias.aliasname) : undefined
  const name = str(relation.relname)
  return new Set([alias ?? name].filter((n): n is string => n !== undefined))
}

/** The table part of a qualified column reference (`users` of `users.id` or `public.users.id`), if any. */
function qualifier(columnRef: Record<string, unknown>): string | undefined {
  const fields = list(columnRef.fields)
  const last = unwrap(fields.at(-1))
  // `users.*` and `users.id` name the table before the last field; a bare `id` (or `users`, the whole row) none.
  const table = fields.length >= 2 ? unwrap(fields.at(-2)) : undefined
  if (!last || !table || table[0] !== 'String') return undefined
  return str(table[1].sval)
}

/** What a subquery's FROM brings into scope: its relations' names, and their columns when the catalog knows all. */
interface Scope {
  names: Set<string>
  columns: Set<string> | undefined
}

/** The scope of a SELECT's FROM clause; columns undefined when one of its items is not a relation the catalog knows. */
function fromScope(select: PgObject, ctx: ReadContext): Scope {
  const scope: Scope = { names: new Set(), columns: new Set() }
  const unknown = () => void (scope.columns = undefined)
  const add = (item: unknown): void => {
    const node = unwrap(item)
    const alias = node && isObject(node[1].alias) ? node[1].alias : undefined
    const aliasName = str(alias?.aliasname)
    if (aliasName !== undefined) scope.names.add(aliasName)
    if (node?.[0] === 'JoinExpr') {
      add(node[1].larg)
      add(node[1].rarg)
      return
    }
    if (node?.[0] !== 'RangeVar') return unknown()
    const name = str(node[1].relname)
    const schema = str(node[1].schemaname) ?? null
    if (name === undefined) return unknown()
    if (aliasName === undefined) scope.names.add(name)
    // A CTE of that name, or renamed columns (FROM admins a (x, y)): not read from the catalog.
    const relation = ctx.catalog === undefined || (schema === null && cteNames(ctx).has(name)) ? undefined : ctx.catalog.relation(schema, name)
    if (!relation || list(alias?.colnames).length > 0) return unknown()
    for (const c of relation.columns) scope.columns?.add(c)
  }
  for (const item of list(select.fromClause)) add(item)
  return scope
}

/**
 * Whether the expression reads the row: a column of the changed table, the row itself, or a cursor's position. In a
 * subquery, a name its own FROM holds is not the row's (`EXISTS (SELECT * FROM admins WHERE active)`, where admins
 * has active); one it may not hold is, as the server would look for it further out.
 */
function readsRow(expr: unknown, target: Set<string>, ctx: ReadContext): boolean {
  const stack: Array<[unknown, Scope[]]> = [[expr, []]]
  while (stack.length) {
    const [node, scopes] = stack.pop()!
    if (Array.isArray(node)) {
      for (const n of node) stack.push([n, scopes])
      continue
    }
    if (!isObject(node)) continue
    for (const key in node) {
      const value = node[key]
      if (key === 'CurrentOfExpr') return true
      if (key === 'ColumnRef' && isObject(value) && columnOfRow(value, target, scopes)) return true
      if (key === 'SelectStmt' && isObject(value)) stack.push([value, [...scopes, fromScope(value, ctx)]])
      else if (typeof value === 'object' && value !== null) stack.push([value, scopes])
    }
  }
  return false
}

function columnOfRow(ref: PgObject, target: Set<string>, scopes: Scope[]): boolean {
  const fields = list(ref.fields)
  const q = qualifier(ref)
  if (q !== undefined) return !scopes.some((s) => s.names.has(q)) && target.has(q)
  const last = unwrap(fields.at(-1))
  // `*` unqualified is a subquery's own FROM (there is none to take it from in a WHERE clause itself).
  if (fields.length !== 1 || !last || last[0] !== 'String') return last?.[0] !== 'A_Star'
  const name = str(last[1].sval) ?? ''
  for (let i = scopes.length - 1; i >= 0; i--) {
    const scope = scopes[i]!
    if (scope.columns === undefined) return true
    if (scope.columns.has(name) || scope.names.has(name)) return false
  }
  return true
}

export interface ReadContext {
  catalog: SchemaCatalog | undefined
  /**
   * The parse trees of the text the statement is in, and of those it is nested in: their CTEs (a writable CTE's
   * siblings among them) are names a FROM may give instead of a table's.
   */
  trees: readonly unknown[]
  ctes?: Set<string>
  /** The changed table's name (not its alias). */
  table?: string
}

function cteNames(ctx: ReadContext): Set<string> {
  if (ctx.ctes) return ctx.ctes
  const names = new Set<string>()
  eachEntry(ctx.trees, (key, value) => void (key === 'CommonTableExpr' && isObject(value) && names.add(str(value.ctename) ?? '')))
  return (ctx.ctes = names)
}

/** Whether the condition (or, when `negated`, its negation) limits the rows. */
function limits(expr: unknown, target: Set<string>, ctx: ReadContext, negated = false): boolean {
  const node = unwrap(expr)
  if (node?.[0] === 'BoolExpr') {
    const args = list(node[1].args)
    if (node[1].boolop === 'NOT_EXPR' && args.length === 1) return limits(args[0], target, ctx, !negated)
    const and = node[1].boolop === 'AND_EXPR'
    if (and || node[1].boolop === 'OR_EXPR') return anyOrEvery(and !== negated, args, (a) => limits(a, target, ctx, negated))
  }
  if (node?.[0] === 'BooleanTest' && typeof node[1].booltesttype === 'string') {
    const test = node[1].booltesttype
    if (test === 'IS_TRUE' || test === 'IS_NOT_FALSE') return limits(node[1].arg, target, ctx, negated)
    if (test === 'IS_FALSE' || test === 'IS_NOT_TRUE') return limits(node[1].arg, target, ctx, !negated)
  }
  if (node && comparesWithItself(node, ctx.table, target)) return false
  return readsRow(expr, target, ctx)
}

/** AND limits when one part does, OR when every part does (and the other way round under NOT). */
export function anyOrEvery(any: boolean, parts: unknown[], limited: (part: unknown) => boolean): boolean {
  return any ? parts.some(limited) : parts.length > 0 && parts.every(limited)
}

/**
 * For a MergeStmt body: the actions (`update`, `delete`) of WHEN clauses that may change every row of the target.
 * A WHEN MATCHED action is limited by an ON condition that limits (reads the target row) or by its own AND
 * condition; a WHEN NOT MATCHED BY SOURCE action (PostgreSQL 17) only by its own, as an empty source leaves every
 * target row unmatched.
 */
export function mergeUnboundedActions(body: PgObject, outer: ReadContext = { catalog: undefined, trees: [] }): string[] {
  const ctx = { ...outer, table: tableName(body.relation) }
  const target = rowNames(body.relation, [body.sourceRelation], body.joinCondition)
  const onLimits = body.joinCondition !== undefined && limits(body.joinCondition, target, ctx)
  const actions = new Set<string>()
  for (const item of list(body.mergeWhenClauses)) {
    const clause = unwrap(item)
    if (clause?.[0] !== 'MergeWhenClause') continue
    const { commandType, matchKind, condition } = clause[1]
    const action = commandType === 'CMD_DELETE' ? 'delete' : commandType === 'CMD_UPDATE' ? 'update' : undefined
    if (action === undefined) continue
    const own = condition !== undefined && limits(condition, target, ctx)
    if (!own && !(matchKind === 'MERGE_WHEN_MATCHED' && onLimits)) actions.add(action)
  }
  return [...actions].sort()
}

/** For an UpdateStmt or DeleteStmt body: a WHERE clause is present and limits the rows changed. */
export function whereLimitsRows(body: PgObject, ctx: ReadContext = { catalog: undefined, trees: [] }): boolean {
  if (body.whereClause === undefined) return false
  const target = rowNames(body.relation, list(body.usingClause ?? body.fromClause), body.whereClause)
  return limits(body.whereClause, target, { ...ctx, table: tableName(body.relation) })
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
