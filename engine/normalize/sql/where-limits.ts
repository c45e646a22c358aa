// Whether an UPDATE's or DELETE's WHERE clause limits it to some rows of its table. `WHERE true`, `WHERE 1 = 1`,
// `WHERE id = 1 OR true`, `WHERE random() < 2` or a condition on another table only (`USING admins WHERE
// admins.on`) do not: the statement changes every row, or none, as one without a WHERE clause would.
// Read from the tree, not by evaluating: a condition limits when it reads a column of the row (or the row itself,
// or a cursor's position); AND limits when one part does, OR only when every part does.
import { eachEntry, isObject, list, str, unwrap } from './ast.ts'

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

/** Whether the expression reads the row: a column reference not qualified with another table's name. */
function readsRow(expr: unknown, target: Set<string>): boolean {
  let found = false
  eachEntry([expr], (key, value) => {
    if (key === 'CurrentOfExpr' || (key === 'ColumnRef' && isObject(value) && !otherTable(value, target))) found = true
    return found
  })
  return found
}

const otherTable = (ref: Record<string, unknown>, target: Set<string>) => {
  const q = qualifier(ref)
  return q !== undefined && !target.has(q)
}

function limits(expr: unknown, target: Set<string>): boolean {
  const node = unwrap(expr)
  if (node?.[0] === 'BoolExpr') {
    const args = list(node[1].args)
    if (node[1].boolop === 'AND_EXPR') return args.some((a) => limits(a, target))
    if (node[1].boolop === 'OR_EXPR') return args.length > 0 && args.every((a) => limits(a, target))
  }
  return readsRow(expr, target)
}

/** For an UpdateStmt or DeleteStmt body: a WHERE clause is present and limits the rows changed. */
export function whereLimitsRows(body: Record<string, unknown>): boolean {
  if (body.whereClause === undefined) return false
  return limits(body.whereClause, targetNames(body.relation))
}

// MySQL, from node-sql-parser's tree: the same reading (`binary_expr` AND / OR, `column_ref`).

type MyNode = Record<string, unknown>
const isNode = (v: unknown): v is MyNode => typeof v === 'object' && v !== null && !Array.isArray(v)

/** The names the changed tables go by in a MySQL UPDATE or DELETE: aliases, else names. */
function mysqlTargets(ast: MyNode): Set<string> {
  const names = new Set<string>()
  const from = Array.isArray(ast.from) ? ast.from.filter(isNode) : []
  for (const t of Array.isArray(ast.table) ? ast.table.filter(isNode) : []) {
    const name = typeof t.as === 'string' ? t.as : typeof t.table === 'string' ? t.table : undefined
    if (name === undefined) continue
    names.add(name)
    // DELETE u FROM users u …: the target is named by its alias in FROM; DELETE FROM users …: by its name.
    for (const f of from) if (f.as === name || f.table === name) names.add(String(f.as ?? f.table))
  }
  return names
}

function mysqlReadsRow(expr: unknown, target: Set<string>): boolean {
  const stack: unknown[] = [expr]
  while (stack.length) {
    const node = stack.pop()
    if (Array.isArray(node)) stack.push(...node)
    else if (isNode(node)) {
      if (node.type === 'column_ref' && (typeof node.table !== 'string' || target.has(node.table))) return true
      for (const key in node) stack.push(node[key])
    }
  }
  return false
}

function mysqlLimits(expr: unknown, target: Set<string>): boolean {
  if (isNode(expr) && expr.type === 'binary_expr' && typeof expr.operator === 'string') {
    const op = expr.operator.toUpperCase()
    if (op === 'AND' || op === '&&') return mysqlLimits(expr.left, target) || mysqlLimits(expr.right, target)
    if (op === 'OR' || op === '||') return mysqlLimits(expr.left, target) && mysqlLimits(expr.right, target)
  }
  return mysqlReadsRow(expr, target)
}

/** For a MySQL UPDATE or DELETE tree: a WHERE clause is present and limits the rows changed. */
export function mysqlWhereLimitsRows(ast: MyNode): boolean {
  if (ast.where === null || ast.where === undefined) return false
  return mysqlLimits(ast.where, mysqlTargets(ast))
}
