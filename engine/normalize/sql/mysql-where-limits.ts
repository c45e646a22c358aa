// Whether a MySQL UPDATE's or DELETE's WHERE clause limits it to some rows: where-limits.ts's reading, on
// node-sql-parser's tree (`binary_expr` AND / OR, `column_ref`). A table joined to a
// changed one (its ON reads the changed table, or JOIN … USING) counts as the changed row: `DELETE c FROM child c
// LEFT JOIN parent p ON p.id = c.parent_id WHERE p.id IS NULL` removes the orphans only. An inner join's ON limits
// the rows as WHERE does; a LEFT or RIGHT join's keeps every row of one side.
import { anyOrEvery } from './where-limits.ts'

type MyNode = Record<string, unknown>
const isNode = (v: unknown): v is MyNode => typeof v === 'object' && v !== null && !Array.isArray(v)
const nodes = (v: unknown): MyNode[] => (Array.isArray(v) ? v.filter(isNode) : [])
const nameOf = (t: MyNode) => (typeof t.as === 'string' ? t.as : typeof t.table === 'string' ? t.table : undefined)
const INNER_JOINS = new Set(['JOIN', 'INNER JOIN', 'CROSS JOIN', 'STRAIGHT_JOIN'])

interface MyTables {
  /** The names the changed tables go by (aliases, else names), and those of the tables joined to them. */
  target: Set<string>
  /** The names of the other tables of the statement, lower-cased. */
  others: Set<string>
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
  const others = new Set<string>()
  eachMyNode([ast.table, ast.from, ast.where], (node) => {
    const name = node.type === 'column_ref' ? undefined : nameOf(node)
    if (name !== undefined && !changed.has(name)) others.add(name.toLowerCase())
  })
  const tables = { target: changed, others }
  // Tables joined to the changed ones, and those joined to them in turn.
  for (let grew = true; grew;) {
    grew = false
    joined.forEach((t, i) => {
      const linked = (Array.isArray(t.using) && t.using.length > 0) || (t.on !== undefined && mysqlReadsRow(t.on, tables))
      if (!linked) return
      const names = [nameOf(t), ...(Array.isArray(t.using) ? joined.slice(0, i).map(nameOf) : [])]
      eachMyNode([t.on], (n) => void (n.type === 'column_ref' && names.push(typeof n.table === 'string' ? n.table : undefined)))
      for (const n of names) {
        if (n === undefined || tables.target.has(n)) continue
        tables.target.add(n)
        grew = true
      }
    })
  }
  return tables
}

const joinedTables = (ast: MyNode) => (ast.type === 'update' ? nodes(ast.table) : nodes(ast.from))

function eachMyNode(trees: unknown[], visit: (node: MyNode) => boolean | void): void {
  const stack: unknown[] = [...trees]
  while (stack.length) {
    const node = stack.pop()
    if (Array.isArray(node)) stack.push(...node)
    else if (isNode(node)) {
      if (visit(node) === true) return
      for (const key in node) stack.push(node[key])
    }
  }
}

/**
 * Whether the expression reads a changed table's row: a column not qualified, or qualified with a changed table's
 * name, or with a name no other table of the statement goes by (`USERS.id` where table names ignore case). In a
 * subquery, `*` and a name its own FROM gives (a table named like the changed one too) are its own.
 */
function mysqlReadsRow(expr: unknown, tables: MyTables): boolean {
  const stack: Array<[unknown, Set<string>]> = [[expr, new Set()]]
  while (stack.length) {
    const [node, inner] = stack.pop()!
    if (Array.isArray(node)) {
      for (const n of node) stack.push([n, inner])
      continue
    }
    if (!isNode(node)) continue
    if (node.type === 'column_ref') {
      const q = node.table
      if (typeof q !== 'string') {
        if (node.column !== '*') return true
      } else if (!inner.has(q) && (tables.target.has(q) || !tables.others.has(q.toLowerCase()))) return true
      continue
    }
    let scope = inner
    if (node.type === 'select') {
      scope = new Set(inner)
      eachMyNode([node.from], (t) => void (t.type !== 'column_ref' && nameOf(t) !== undefined && scope.add(nameOf(t)!)))
    }
    for (const key in node) stack.push([node[key], scope])
  }
  return false
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

function mysqlLimits(expr: unknown, tables: MyTables, negated = false): boolean {
  if (!isNode(expr)) return false
  const inner = notArg(expr)
  if (inner !== undefined) return mysqlLimits(inner, tables, !negated)
  if (expr.type === 'binary_expr' && typeof expr.operator === 'string') {
    const op = expr.operator.toUpperCase()
    const parts = [expr.left, expr.right]
    const limited = (part: unknown) => mysqlLimits(part, tables, negated)
    if (op === 'AND' || op === '&&') return anyOrEvery(!negated, parts, limited)
    if (op === 'OR' || op === '||') return anyOrEvery(negated, parts, limited)
    const flips = isTest(expr)
    if (flips !== undefined) return mysqlLimits(expr.left, tables, negated !== flips)
  }
  return mysqlReadsRow(expr, tables)
}

/** For a MySQL UPDATE or DELETE tree: a WHERE clause is present and, with the inner joins' ON, limits the rows. */
export function mysqlWhereLimitsRows(ast: MyNode): boolean {
  if (ast.where === null || ast.where === undefined) return false
  const tables = mysqlTables(ast)
  if (mysqlLimits(ast.where, tables)) return true
  return joinedTables(ast).some((t) => {
    if (typeof t.join !== 'string' || !INNER_JOINS.has(t.join.toUpperCase())) return false
    // JOIN … USING (id) compares columns of the same name on both sides, the changed table's among them.
    return (Array.isArray(t.using) && t.using.length > 0) || mysqlLimits(t.on, tables)
  })
}
