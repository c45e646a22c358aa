// Whether a MySQL UPDATE's or DELETE's WHERE clause bounds it to some rows: where-bounds.ts's allowlist, on
// node-sql-parser's tree (`binary_expr` AND / OR, `column_ref`). An atom bounds when it compares a column of a
// changed table by `=` or IN with given values (constants, `?`, columns of a judged table: one the statement
// names that is not changed, not a CTE and not a derived table), or is EXISTS over judged tables whose condition
// bounds the row. An inner join's ON bounds the rows as WHERE does (`JOIN orders o ON o.user_id = u.id`); a LEFT
// or RIGHT join's keeps every row of one side, so `LEFT JOIN parent p … WHERE p.id IS NULL` bounds nothing.
import { anyOrEvery } from './where-bounds.ts'

type MyNode = Record<string, unknown>
const isNode = (v: unknown): v is MyNode => typeof v === 'object' && v !== null && !Array.isArray(v)
const nodes = (v: unknown): MyNode[] => (Array.isArray(v) ? v.filter(isNode) : [])
const nameOf = (t: MyNode) => (typeof t.as === 'string' ? t.as : typeof t.table === 'string' ? t.table : undefined)
const INNER_JOINS = new Set(['JOIN', 'INNER JOIN', 'CROSS JOIN', 'STRAIGHT_JOIN'])
const CONSTANTS = new Set(['number', 'string', 'single_quote_string', 'double_quote_string', 'natural_string', 'hex_string', 'full_hex_string', 'bit_string', 'null', 'date', 'datetime', 'time', 'timestamp'])
/** Functions that answer the same for the same arguments within a statement (where-bounds.ts's list). */
const STABLE = new Set(['LOWER', 'UPPER', 'TRIM', 'NOW', 'CURRENT_DATE', 'CURRENT_TIMESTAMP', 'DATE', 'DATE_SUB', 'DATE_ADD', 'CONCAT', 'MD5', 'UNHEX', 'HEX', 'ABS', 'ROUND', 'MAX', 'MIN', 'COUNT', 'SUM'])

/** The names the FROM items of one query level go by, and whether each is judged. */
type MyScope = Map<string, boolean>

interface MyTables {
  /** The names the changed tables go by (aliases, else names). */
  target: Set<string>
  /** The statement's other tables (lower-cased names), and whether each is judged. */
  others: MyScope
  /** Names a WITH clause gives. */
  ctes: Set<string>
  /** The tables of the statement that are changed, by table name (lower-cased). */
  changedTables: Set<string>
}

/** The tables an UPDATE or DELETE reads (UPDATE's table list, DELETE's FROM) and those it changes. */
function mysqlTables(ast: MyNode): MyTables {
  const joined = joinedTables(ast)
  const changed = new Set<string>()
  if (ast.type === 'update') {
    // UPDATE users u JOIN orders o … SET u.a = 1 changes users only; an unqualified SET column may be either's.
    const set = nodes(ast.set)
    const named = set.length > 0 && set.every((c) => typeof c.table === 'string')
    for (const t of named ? set.map((c) => c.table as string) : joined.map(nameOf)) if (t !== undefined) changed.add(t)
  } else {
    for (const t of nodes(ast.table)) {
      const name = nameOf(t)
      if (name === undefined) continue
      changed.add(name)
      // DELETE u FROM users u …: the target is named by its alias in FROM; DELETE FROM users …: by its name.
      for (const f of joined) if (f.as === name || f.table === name) changed.add(String(nameOf(f)))
    }
  }
  const ctes = new Set(nodes(ast.with).map((w) => (isNode(w.name) ? String(w.name.value) : '')))
  const changedTables = new Set(joined.filter((t) => changed.has(String(nameOf(t)))).map((t) => String(t.table).toLowerCase()))
  const tables: MyTables = { target: changed, others: new Map(), ctes, changedTables }
  for (const t of joined) {
    const name = nameOf(t)
    if (name !== undefined && !changed.has(name)) tables.others.set(name.toLowerCase(), judged(t, tables))
  }
  return tables
}

/** A table the statement names: not a changed one (a self-join), a CTE or a derived table. */
function judged(t: MyNode, tables: MyTables): boolean {
  if (typeof t.table !== 'string' || t.expr !== undefined) return false
  const name = t.table.toLowerCase()
  return !tables.changedTables.has(name) && !(t.db == null && tables.ctes.has(t.table))
}

const joinedTables = (ast: MyNode) => (ast.type === 'update' ? nodes(ast.table) : nodes(ast.from))

/** Who a column reference belongs to: the changed row, a judged table (a given value), or neither as far as known. */
function whose(ref: MyNode, scopes: MyScope[], tables: MyTables, guess: string | undefined): 'row' | 'given' | 'unknown' {
  const q = ref.table
  const column = String(ref.column)
  if (typeof q === 'string') {
    for (let i = scopes.length - 1; i >= 0; i--) {
      const j = scopes[i]!.get(q.toLowerCase())
      if (j !== undefined) return j ? 'given' : 'unknown'
    }
    if (tables.target.has(q)) return 'row'
    const j = tables.others.get(q.toLowerCase())
    // A name no other table goes by is the changed table's, written in another case (lower_case_table_names=1).
    if (j === undefined) return [...tables.target].some((t) => t.toLowerCase() === q.toLowerCase()) ? 'row' : 'unknown'
    return j ? 'given' : 'unknown'
  }
  if (column === '*') return 'unknown'
  const inner = scopes.at(-1)
  // In a subquery over judged tables a bare name is taken as theirs, as written, unless it is the name compared.
  if (inner) return inner.size > 0 && [...inner.values()].every(Boolean) && guess !== undefined && column !== guess ? 'given' : 'unknown'
  return tables.others.size === 0 ? 'row' : 'unknown'
}

function rowColumn(expr: unknown, scopes: MyScope[], tables: MyTables): string | undefined {
  // lower(name) = 'x' still picks by name.
  const name = isNode(expr) && expr.type === 'function' && isNode(expr.name) ? nodes(expr.name.name).map((n) => String(n.value).toUpperCase()).join() : undefined
  const args = name && isNode(expr) && isNode(expr.args) ? nodes(expr.args.value) : []
  if (name !== undefined && ['LOWER', 'UPPER', 'TRIM'].includes(name) && args.length === 1) return rowColumn(args[0], scopes, tables)
  return isNode(expr) && expr.type === 'column_ref' && whose(expr, scopes, tables, undefined) === 'row' ? String(expr.column) : undefined
}

function isGiven(expr: unknown, scopes: MyScope[], tables: MyTables, guess: string | undefined): boolean {
  if (!isNode(expr)) return false
  const given = (e: unknown) => isGiven(e, scopes, tables, guess)
  if (typeof expr.type === 'string' && CONSTANTS.has(expr.type)) return true
  if (expr.type === 'origin') return expr.value === '?'
  if (expr.type === 'column_ref') return whose(expr, scopes, tables, guess) === 'given'
  if (expr.type === 'unary_expr') return expr.operator === '-' && given(expr.expr)
  if (expr.type === 'binary_expr') return ['+', '-', '*', '/'].includes(String(expr.operator)) && given(expr.left) && given(expr.right)
  if (expr.type === 'function' && isNode(expr.name) && expr.over == null) {
    const name = nodes(expr.name.name).map((n) => String(n.value).toUpperCase())
    const args = isNode(expr.args) ? nodes(expr.args.value) : []
    return name.length === 1 && STABLE.has(name[0]!) && args.every(given)
  }
  if (expr.type === 'aggr_func') return STABLE.has(String(expr.name).toUpperCase()) && isNode(expr.args) && given(expr.args.expr)
  return false
}

/** A subquery of given values from judged tables only (or none). */
function givenRows(select: unknown, scopes: MyScope[], tables: MyTables, guess: string | undefined): boolean {
  if (!isNode(select) || select.type !== 'select' || select.with != null || select._next !== undefined) return false
  const scope = scopeOf(select, tables)
  if (![...scope.values()].every(Boolean)) return false
  const inner = [...scopes, scope]
  const columns = nodes(select.columns)
  return columns.length > 0 && columns.every((c) => isGiven(c.expr, inner, tables, guess))
}

function scopeOf(select: MyNode, tables: MyTables): MyScope {
  const scope: MyScope = new Map()
  for (const t of nodes(select.from)) {
    const name = nameOf(t)
    if (name !== undefined) scope.set(name.toLowerCase(), judged(t, tables))
    else scope.set('', false)
  }
  return scope
}

/** The SELECT of a subquery operand (`(SELECT …)`, wrapped by the parser in an expr_list), if it is one. */
function subquery(expr: unknown): MyNode | undefined {
  const list = isNode(expr) && expr.type === 'expr_list' ? nodes(expr.value) : []
  const ast = list.length === 1 && isNode(list[0]!.ast) ? list[0]!.ast : undefined
  return ast
}

function atomBounds(expr: MyNode, scopes: MyScope[], tables: MyTables): boolean {
  if (expr.type === 'function' && isNode(expr.name)) {
    const name = nodes(expr.name.name).map((n) => String(n.value).toUpperCase())
    const select = subquery(expr.args)
    if (name.join() !== 'EXISTS' || !select || select.with != null) return false
    const scope = scopeOf(select, tables)
    return [...scope.values()].every(Boolean) && mysqlBounds(select.where, [...scopes, scope], tables)
  }
  if (expr.type !== 'binary_expr') return false
  const op = String(expr.operator).toUpperCase()
  const column = rowColumn(expr.left, scopes, tables)
  if (op === '=') {
    if (column !== undefined && isGiven(expr.right, scopes, tables, column)) return true
    const right = rowColumn(expr.right, scopes, tables)
    return right !== undefined && isGiven(expr.left, scopes, tables, right)
  }
  if (op !== 'IN' || column === undefined) return false
  const select = subquery(expr.right)
  if (select) return givenRows(select, scopes, tables, column)
  return isNode(expr.right) && expr.right.type === 'expr_list' && nodes(expr.right.value).every((v) => isGiven(v, scopes, tables, column))
}

/** A boolean test's polarity: `x IS TRUE` / `x IS NOT FALSE` keep x's, `x IS FALSE` / `x IS NOT TRUE` turn it. */
function isTest(expr: MyNode): boolean | undefined {
  const op = String(expr.operator).toUpperCase()
  const right = isNode(expr.right) && expr.right.type === 'bool' ? expr.right.value : undefined
  if (typeof right !== 'boolean' || (op !== 'IS' && op !== 'IS NOT')) return undefined
  return (op === 'IS') !== right
}

function notArg(expr: MyNode): unknown {
  const op = typeof expr.operator === 'string' ? expr.operator.toUpperCase() : undefined
  if (expr.type === 'unary_expr' && (op === 'NOT' || op === '!')) return expr.expr
  if (expr.type !== 'function' || !isNode(expr.name) || !isNode(expr.args)) return undefined
  const name = nodes(expr.name.name)
  const args = nodes(expr.args.value)
  const isNot = name.length === 1 && String(name[0]!.value).toUpperCase() === 'NOT' && args.length === 1
  return isNot ? args[0] : undefined
}

/** AND bounds when one part does, OR when every part does; under NOT nothing does. XOR is a NOT of one side. */
function mysqlBounds(expr: unknown, scopes: MyScope[], tables: MyTables, negated = false): boolean {
  if (!isNode(expr)) return false
  const inner = notArg(expr)
  if (inner !== undefined) return mysqlBounds(inner, scopes, tables, !negated)
  if (expr.type === 'binary_expr' && typeof expr.operator === 'string') {
    const op = expr.operator.toUpperCase()
    const parts = [expr.left, expr.right]
    const bounded = (part: unknown) => mysqlBounds(part, scopes, tables, negated)
    if (op === 'AND' || op === '&&') return anyOrEvery(!negated, parts, bounded)
    if (op === 'OR' || op === '||') return anyOrEvery(negated, parts, bounded)
    const flips = isTest(expr)
    if (flips !== undefined) return mysqlBounds(expr.left, scopes, tables, negated !== flips)
  }
  return !negated && atomBounds(expr, scopes, tables)
}

/** For a MySQL UPDATE or DELETE tree: a WHERE clause is present and, with the inner joins' ON, bounds the rows. */
export function mysqlWhereLimitsRows(ast: MyNode): boolean {
  if (ast.where === null || ast.where === undefined) return false
  const tables = mysqlTables(ast)
  if (mysqlBounds(ast.where, [], tables)) return true
  return joinedTables(ast).some((t) => {
    if (typeof t.join !== 'string' || !INNER_JOINS.has(t.join.toUpperCase())) return false
    // JOIN … USING (id) compares the columns of that name on both sides: a judged table's with the changed one's.
    const name = nameOf(t)
    if (Array.isArray(t.using) && t.using.length > 0) return name !== undefined && tables.others.get(name.toLowerCase()) === true && joinsChanged(ast, t, tables)
    return mysqlBounds(t.on, [], tables)
  })
}

/** JOIN … USING joins the table to the ones before it: a changed one among them. */
function joinsChanged(ast: MyNode, t: MyNode, tables: MyTables): boolean {
  const joined = joinedTables(ast)
  return joined.slice(0, joined.indexOf(t)).some((f) => tables.target.has(String(nameOf(f))))
}
