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
