// What bounds an UPDATE's or DELETE's rows, read as an allowlist: a condition bounds them only when it picks rows
// of the changed table by given values. An atom bounds when it is
// - a column of the row compared by `=` (or IS NOT DISTINCT FROM) with a given value, or by IN / `= ANY` with a list
//   of them or with given rows (`id IN (SELECT user_id FROM banned)`), or
// - EXISTS over judged tables whose own condition bounds the row (`EXISTS (SELECT 1 FROM orders o WHERE
//   o.user_id = users.id)`), or `WHERE CURRENT OF c`.
// A given value is a constant (not true or false: a boolean has two values, so it picks half the rows at best), a
// parameter, a column of a judged table (one the statement names, not the changed one, a CTE or a function), or a
// known stable function or aggregate, an operator, or an uncorrelated subquery of them. Everything else bounds nothing: a range
// (`id > -1`), a bare boolean column, IS NOT NULL, a comparison of the row with itself (`id = id`, `ctid = ctid`),
// with another of its columns, or a call that may answer differently per row (random(), nextval()). A negated atom
// (`id <> 5`, NOT IN, NOT EXISTS) keeps all rows but some, so it bounds nothing either.
import { isObject, list, names, type PgObject, str, unwrap } from './ast.ts'
import type { SchemaCatalog } from './builder.ts'

/** The FROM items of one query level: their names, whether each is judged, and their columns when all are known. */
export interface Scope {
  items: Map<string, boolean>
  columns: Set<string> | undefined
  /** Its one item is the changed table itself, bounded: every name the row has, it has too. */
  copy?: boolean
}

export interface BoundsContext {
  catalog: SchemaCatalog | undefined
  /** Names a FROM may give instead of a table's: CTEs of the text. */
  ctes: Set<string>
  /** The changed table's name (not its alias), and the names its row goes by. */
  table: string | undefined
  target: Set<string>
  /** The changed table's columns, when the catalog knows them. */
  targetColumns: Set<string> | undefined
  /** The statement's other FROM items (UPDATE … FROM, DELETE … USING, MERGE … USING). */
  outer: Scope
}

type Whose = 'row' | 'given' | 'unknown'

/** Functions that answer the same for the same arguments within a statement; other calls are not given values. */
const STABLE = new Set([
  'lower', 'upper', 'btrim', 'ltrim', 'rtrim', 'trim', 'now', 'to_date', 'to_timestamp', 'to_number', 'date_trunc',
  'make_date', 'make_timestamp', 'make_timestamptz', 'md5', 'concat', 'length', 'substr', 'substring', 'replace',
  'abs', 'round', 'string_to_array', 'max', 'min', 'count', 'sum', 'avg',
])
/** Wrappers of a column that keep its values apart (`lower(email) = 'a@b.c'` still picks by email). */
const KEEPS_VALUES = new Set(['lower', 'upper', 'btrim', 'trim'])
const EQUALS = [['='], ['pg_catalog', '=']]

const isEquals = (name: unknown) => {
  const n = names(name).join('.')
  return EQUALS.some((e) => e.join('.') === n)
}

/** The name a FROM item goes by: its alias, else its relation's name. */
function itemName(body: PgObject): string | undefined {
  return (isObject(body.alias) ? str(body.alias.aliasname) : undefined) ?? str(body.relname)
}

/** The scope of a FROM list: each item's name, whether it is judged, and the catalog's columns when it knows all. */
export function scopeOf(from: unknown[], ctx: BoundsContext, scopes: Scope[]): Scope {
  const scope: Scope = { items: new Map(), columns: new Set() }
  const add = (item: unknown): void => {
    const node = unwrap(item)
    if (node?.[0] === 'JoinExpr') {
      add(node[1].larg)
      add(node[1].rarg)
      if (isObject(node[1].alias)) scope.columns = undefined
      return
    }
    const name = node ? itemName(node[1]) : undefined
    if (!node || name === undefined) return void (scope.columns = undefined)
    scope.items.set(name, judged(node, ctx, scopes))
    const relation = node[0] === 'RangeVar' && !isCte(node[1], ctx) ? ctx.catalog?.relation(str(node[1].schemaname) ?? null, str(node[1].relname) ?? '') : undefined
    const alias = isObject(node[1].alias) ? node[1].alias : undefined
    if (!relation || list(alias?.colnames).length > 0) scope.columns = undefined
    else for (const c of relation.columns) scope.columns?.add(c)
  }
  for (const item of from) add(item)
  return scope
}

const isCte = (rangeVar: PgObject, ctx: BoundsContext) => rangeVar.schemaname === undefined && ctx.ctes.has(str(rangeVar.relname) ?? '')

/**
 * Whether a FROM item's rows are judged: a table the statement names (not a CTE, whose rows the policy does not
 * follow, nor a function such as generate_series), given rows, or the changed table itself only where the
 * subquery's own condition bounds it (`id IN (SELECT id FROM users WHERE a = 1)`) or a LIMIT does.
 */
function judged(node: [string, PgObject], ctx: BoundsContext, scopes: Scope[]): boolean {
  const [kind, body] = node
  if (kind === 'RangeSubselect') return givenRows(body.subquery, ctx, scopes, undefined)
  if (kind !== 'RangeVar' || isCte(body, ctx)) return false
  return str(body.relname) !== ctx.table
}

/** Who a column reference belongs to: the changed row, a judged item (a given value), or neither as far as known. */
function whose(ref: PgObject, scopes: Scope[], ctx: BoundsContext, guess: string | undefined): Whose {
  const fields = list(ref.fields).map((f) => unwrap(f))
  if (fields.some((f) => f?.[0] !== 'String')) return 'unknown'
  const parts = fields.map((f) => str(f![1].sval) ?? '')
  const name = parts.at(-1)!
  if (parts.length >= 2) {
    const q = parts.at(-2)!
    for (let i = scopes.length - 1; i >= 0; i--) {
      const j = scopes[i]!.items.get(q)
      if (j !== undefined) return j ? 'given' : 'unknown'
    }
    if (ctx.target.has(q)) return 'row'
    const j = ctx.outer.items.get(q)
    return j === true ? 'given' : 'unknown'
  }
  for (let i = scopes.length - 1; i >= 0; i--) {
    const s = scopes[i]!
    const allJudged = [...s.items.values()].every(Boolean)
    // Without the catalog's columns, a name in a subquery over judged tables is taken as theirs, as written, unless
    // it is the name it is compared with (`id IN (SELECT id FROM banned)` is the row's id where banned has none).
    if (s.copy) return 'given'
    if (s.columns === undefined) return allJudged && s.items.size > 0 && guess !== undefined && name !== guess ? 'given' : 'unknown'
    if (s.columns.has(name)) return allJudged ? 'given' : 'unknown'
  }
  if (ctx.outer.items.size === 0 || ctx.targetColumns?.has(name)) return 'row'
  // With other FROM items the name is the row's only when none of them has it (else the server calls it ambiguous).
  if (ctx.outer.columns === undefined) return 'unknown'
  if (ctx.outer.columns.has(name)) return [...ctx.outer.items.values()].every(Boolean) ? 'given' : 'unknown'
  return ctx.targetColumns === undefined ? 'row' : 'unknown'
}

/** The column of the row an expression is (cast, collated or lower-cased), by name; undefined when it is not one. */
function rowColumn(expr: unknown, scopes: Scope[], ctx: BoundsContext): string | undefined {
  let node = unwrap(expr)
  for (;;) {
    if (node?.[0] === 'TypeCast' && !isBooleanType(node[1].typeName)) node = unwrap(node[1].arg)
    else if (node?.[0] === 'CollateClause') node = unwrap(node[1].arg)
    else if (node?.[0] === 'FuncCall' && list(node[1].args).length === 1 && KEEPS_VALUES.has(names(node[1].funcname).at(-1) ?? '')) node = unwrap(list(node[1].args)[0])
    else break
  }
  if (node?.[0] !== 'ColumnRef' || whose(node[1], scopes, ctx, undefined) !== 'row') return undefined
  return str(unwrap(list(node[1].fields).at(-1))?.[1].sval)
}

function isBooleanType(typeName: unknown): boolean {
  const last = isObject(typeName) ? names(typeName.names).at(-1) : undefined
  return last === 'bool' || last === 'boolean'
}

/** Whether the expression is a value given by the statement (see the head comment), the same for every row. */
function isGiven(expr: unknown, scopes: Scope[], ctx: BoundsContext, guess: string | undefined): boolean {
  const node = unwrap(expr)
  if (!node) return false
  const [kind, body] = node
  const given = (e: unknown) => isGiven(e, scopes, ctx, guess)
  switch (kind) {
    case 'A_Const':
      return body.boolval === undefined
    case 'ParamRef':
    case 'SQLValueFunction':
      return true
    case 'TypeCast':
      return !isBooleanType(body.typeName) && given(body.arg)
    case 'CollateClause':
      return given(body.arg)
    case 'A_ArrayExpr':
      return list(body.elements).every(given)
    case 'CoalesceExpr':
    case 'MinMaxExpr':
      return list(body.args).every(given)
    case 'ColumnRef':
      return whose(body, scopes, ctx, guess) === 'given'
    case 'A_Expr':
      return body.kind === 'AEXPR_OP' && (body.lexpr === undefined || given(body.lexpr)) && given(body.rexpr)
    case 'FuncCall': {
      const fn = names(body.funcname)
      const plain = fn.length === 1 || (fn.length === 2 && fn[0] === 'pg_catalog')
      return plain && STABLE.has(fn.at(-1)!) && body.over === undefined && list(body.args).every(given)
    }
    case 'SubLink':
      return (body.subLinkType === 'EXPR_SUBLINK' || body.subLinkType === 'ARRAY_SUBLINK') && givenRows(body.subselect, ctx, scopes, guess)
    default:
      return false
  }
}

/**
 * Whether a subquery's rows are given: VALUES of given values, or a SELECT of given values (columns of its judged
 * tables, constants, stable calls; no set-returning function such as generate_series) from judged tables only.
 */
export function givenRows(expr: unknown, ctx: BoundsContext, scopes: Scope[], guess: string | undefined): boolean {
  const node = unwrap(expr)
  if (node?.[0] !== 'SelectStmt') return false
  const s = node[1]
  if (s.withClause !== undefined) return false
  if (s.op !== undefined && s.op !== 'SETOP_NONE') return givenRows({ SelectStmt: s.larg }, ctx, scopes, guess) && givenRows({ SelectStmt: s.rarg }, ctx, scopes, guess)
  const values = list(s.valuesLists)
  if (values.length > 0) return values.every((row) => list(unwrap(row)?.[1].items).every((v) => isGiven(v, scopes, ctx, guess)))
  const from = list(s.fromClause)
  const scope = scopeOf(from, ctx, scopes)
  const inner = [...scopes, scope]
  if ([...scope.items.values()].some((j) => !j)) {
    if (!copyBounded(s, from, ctx, scopes)) return false
    scope.items.forEach((_, name) => scope.items.set(name, true))
    scope.copy = true
  }
  const targets = list(s.targetList)
  return targets.length > 0 && targets.every((t) => isGiven(unwrap(t)?.[1].val, inner, ctx, guess))
}

/**
 * A subquery reading the changed table itself (`id IN (SELECT id FROM users WHERE a = 1)`) gives what its own
 * condition picks: bounded by the same rules with that copy as the row, or by a LIMIT of a given count.
 */
function copyBounded(s: PgObject, from: unknown[], ctx: BoundsContext, scopes: Scope[]): boolean {
  const relations = from.map((f) => unwrap(f))
  if (relations.length !== 1 || relations[0]?.[0] !== 'RangeVar' || str(relations[0][1].relname) !== ctx.table) return false
  if (s.limitCount !== undefined && isGiven(s.limitCount, [], ctx, undefined)) return true
  const copy = itemName(relations[0][1])!
  const inner: BoundsContext = { ...ctx, target: new Set([copy]), outer: { items: new Map(), columns: new Set() } }
  return scopes.length === 0 && bounds(s.whereClause, [], inner)
}

/** Whether one atom of a condition (not AND, OR or NOT) bounds the row. */
export function atomBounds(expr: unknown, scopes: Scope[], ctx: BoundsContext): boolean {
  const node = unwrap(expr)
  if (!node) return false
  const [kind, body] = node
  if (kind === 'CurrentOfExpr') return true
  if (kind === 'SubLink') {
    if (body.subLinkType === 'EXISTS_SUBLINK') return existsBounds(body.subselect, scopes, ctx)
    if (body.subLinkType !== 'ANY_SUBLINK' || (body.operName !== undefined && !isEquals(body.operName))) return false
    const column = rowColumn(body.testexpr, scopes, ctx)
    return column !== undefined && givenRows(body.subselect, ctx, scopes, column)
  }
  if (kind !== 'A_Expr' || !isEquals(body.name)) return false
  const column = rowColumn(body.lexpr, scopes, ctx)
  switch (body.kind) {
    case 'AEXPR_OP':
    case 'AEXPR_NOT_DISTINCT': {
      if (column !== undefined && isGiven(body.rexpr, scopes, ctx, column)) return true
      const right = rowColumn(body.rexpr, scopes, ctx)
      return right !== undefined && isGiven(body.lexpr, scopes, ctx, right)
    }
    case 'AEXPR_IN':
      return column !== undefined && list(body.rexpr).every((v) => isGiven(v, scopes, ctx, column))
    case 'AEXPR_OP_ANY':
      return column !== undefined && isGiven(body.rexpr, scopes, ctx, column)
    default:
      return false
  }
}

/** EXISTS over judged tables whose condition bounds the row by their columns. */
function existsBounds(expr: unknown, scopes: Scope[], ctx: BoundsContext): boolean {
  const node = unwrap(expr)
  if (node?.[0] !== 'SelectStmt') return false
  const s = node[1]
  if (s.withClause !== undefined || (s.op !== undefined && s.op !== 'SETOP_NONE')) return false
  const scope = scopeOf(list(s.fromClause), ctx, scopes)
  if (![...scope.items.values()].every(Boolean)) return false
  return bounds(s.whereClause, [...scopes, scope], ctx)
}

/** AND bounds when one part does, OR when every part does; under NOT nothing does, as NOT (a OR b) is NOT a AND NOT b. */
export function bounds(expr: unknown, scopes: Scope[], ctx: BoundsContext, negated = false): boolean {
  const node = unwrap(expr)
  if (node?.[0] === 'BoolExpr') {
    const args = list(node[1].args)
    if (node[1].boolop === 'NOT_EXPR' && args.length === 1) return bounds(args[0], scopes, ctx, !negated)
    const and = node[1].boolop === 'AND_EXPR'
    if (and || node[1].boolop === 'OR_EXPR') return anyOrEvery(and !== negated, args, (a) => bounds(a, scopes, ctx, negated))
  }
  if (node?.[0] === 'BooleanTest' && typeof node[1].booltesttype === 'string') {
    const test = node[1].booltesttype
    if (test === 'IS_TRUE' || test === 'IS_NOT_FALSE') return bounds(node[1].arg, scopes, ctx, negated)
    if (test === 'IS_FALSE' || test === 'IS_NOT_TRUE') return bounds(node[1].arg, scopes, ctx, !negated)
  }
  return !negated && atomBounds(expr, scopes, ctx)
}

/** AND limits when one part does, OR when every part does (and the other way round under NOT). */
export function anyOrEvery(any: boolean, parts: unknown[], limited: (part: unknown) => boolean): boolean {
  return any ? parts.some(limited) : parts.length > 0 && parts.every(limited)
}
