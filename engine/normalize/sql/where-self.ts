// Conditions that read the row but answer the same for every row, as they compare an expression with itself:
// `id = id`, `id::text = id`, `lower(name) = lower(name)`, `id IN (id, 2)`, `id BETWEEN id AND id`,
// `id = ANY (ARRAY[id])`, `x IS NOT DISTINCT FROM x`, or `id IN (SELECT id FROM users)` on the changed table itself.
// Casts and collations are looked through. A call of a volatile function (random() = random()) differs from row
// to row; any other call answers the same for the same argument, so judging one that does not as unbounded only
// refuses what no one writes.
import { eachEntry, isObject, list, names, type PgObject, str, unwrap } from './ast.ts'

const COMPARISONS = new Set(['=', '<>', '!=', '<', '>', '<=', '>='])
/** Comparisons true of a value with itself: ANY over a list holding it is true. */
const REFLEXIVE = new Set(['=', '<=', '>='])
const VOLATILE = new Set([
  'random', 'random_normal', 'setseed', 'clock_timestamp', 'timeofday', 'statement_timestamp', 'nextval', 'setval',
  'currval', 'lastval', 'gen_random_uuid', 'uuid_generate_v1', 'uuid_generate_v1mc', 'uuid_generate_v4', 'txid_current',
  'pg_current_xact_id',
])

/**
 * The expression cast (or collated) or not, its locations left out and its columns qualified by the changed table
 * read bare (`users.id` is `id`); undefined when it calls a volatile function.
 */
function shape(expr: unknown, qualifiers: Set<string>): string | undefined {
  let node = expr
  for (let n = unwrap(node); n?.[0] === 'TypeCast' || n?.[0] === 'CollateClause'; n = unwrap(node)) node = n[1].arg
  let volatile = false
  eachEntry([node], (key, value) => {
    if (key !== 'FuncCall' || !isObject(value)) return
    volatile = VOLATILE.has(names(value.funcname).at(-1)?.toLowerCase() ?? '')
    return volatile
  })
  if (volatile) return undefined
  return JSON.stringify(node, (key, value) => {
    if (/location|_start$|_end$/.test(key)) return undefined
    const fields = key === 'ColumnRef' && isObject(value) ? list(value.fields) : []
    const table = fields.length === 2 ? unwrap(fields[0]) : undefined
    return table?.[0] === 'String' && qualifiers.has(str(table[1].sval) ?? '') ? { fields: fields.slice(1) } : value
  })
}

/** Whether the node compares an expression with itself, so that it answers the same for every row of `table`. */
export function comparesWithItself([name, body]: [string, PgObject], table: string | undefined, target: Set<string>): boolean {
  if (name === 'SubLink') return table !== undefined && inItsOwnTable(body, table)
  if (name !== 'A_Expr' || body.lexpr === undefined) return false
  const qualifiers = target
  const same = (a: unknown, b: unknown) => {
    const left = shape(a, qualifiers)
    return left !== undefined && left === shape(b, qualifiers)
  }
  const op = str(unwrap(list(body.name).at(-1))?.[1].sval) ?? ''
  const items = list(body.rexpr)
  switch (body.kind) {
    case 'AEXPR_DISTINCT':
    case 'AEXPR_NOT_DISTINCT':
      return same(body.lexpr, body.rexpr)
    case 'AEXPR_OP':
      return COMPARISONS.has(op) && same(body.lexpr, body.rexpr)
    case 'AEXPR_IN':
      return items.some((item) => same(body.lexpr, item))
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN':
    case 'AEXPR_BETWEEN_SYM':
    case 'AEXPR_NOT_BETWEEN_SYM':
      return items.length === 2 && items.every((item) => same(body.lexpr, item))
    case 'AEXPR_OP_ANY': {
      const elements = list(unwrap(body.rexpr)?.[0] === 'A_ArrayExpr' ? unwrap(body.rexpr)![1].elements : [])
      return REFLEXIVE.has(op) && elements.some((e) => same(body.lexpr, e))
    }
    default:
      return false
  }
}

/** `id IN (SELECT id FROM users)` (or `= ANY`) where users is the changed table, with nothing that picks rows. */
function inItsOwnTable(link: PgObject, table: string): boolean {
  if (link.subLinkType !== 'ANY_SUBLINK' || link.testexpr === undefined) return false
  const select = unwrap(link.subselect)
  if (select?.[0] !== 'SelectStmt') return false
  const s = select[1]
  const from = list(s.fromClause)
  const relation = from.length === 1 ? unwrap(from[0]) : undefined
  const targets = list(s.targetList)
  if (relation?.[0] !== 'RangeVar' || targets.length !== 1 || str(relation[1].relname) !== table) return false
  if (isObject(relation[1].alias) || s.whereClause || s.havingClause || s.groupClause || s.limitCount || s.limitOffset || s.distinctClause || s.withClause) return false
  const column = unwrap(targets[0])?.[1].val
  return lastField(column) !== undefined && lastField(column) === lastField(link.testexpr)
}

/** The column name of a bare column reference (`id`, `users.id`), cast or not. */
function lastField(expr: unknown): string | undefined {
  let n = unwrap(expr)
  while (n?.[0] === 'TypeCast') n = unwrap(n[1].arg)
  if (n?.[0] !== 'ColumnRef') return undefined
  const last = unwrap(list(n[1].fields).at(-1))
  return last?.[0] === 'String' ? str(last[1].sval) : undefined
}
