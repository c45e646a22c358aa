// Whether a statement is positively read-only. Everything not recognised here is a write: a policy that
// allows read-only statements must never allow something this module did not understand.
import type { SqlStatement, StatementType } from '../../types.ts'
import type { PgObject } from './ast.ts'
import { bodyOf, isObject, unwrap } from './ast.ts'
import { selectInto } from './statement-type.ts'

export const WRITING_NODES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'])

/** Types that never change data: session state, transaction control, cursors over read-only queries. */
const ALWAYS_READ_ONLY = new Set<StatementType>([
  'show', 'begin', 'commit', 'rollback', 'savepoint', 'release', 'set', 'reset', 'deallocate', 'fetch', 'close',
  'discard', 'listen', 'unlisten',
])

/** Depth-first search for nodes named `name`; does not look inside a match. */
function findNodes(value: unknown, name: string, out: PgObject[] = []): PgObject[] {
  if (Array.isArray(value)) {
    for (const item of value) findNodes(item, name, out)
    return out
  }
  if (!isObject(value)) return out
  const node = unwrap(value)
  if (node && node[0] === name) {
    out.push(node[1])
    return out
  }
  for (const child of Object.values(node ? node[1] : value)) findNodes(child, name, out)
  return out
}

/** Row-locking clauses anywhere in the tree (FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE), e.g. `for_update`. */
export function lockingOf(value: unknown): string[] {
  const known = isObject(value) ? lockingMemo.get(value) : undefined
  if (known) return known
  const result = computeLocking(value)
  if (isObject(value)) lockingMemo.set(value, result)
  return result
}

// The builder and the read-only check both ask about the same parse tree nodes: walk each once.
const lockingMemo = new WeakMap<object, string[]>()
const writableMemo = new WeakMap<object, PgObject[]>()

function computeLocking(value: unknown): string[] {
  const strengths = findNodes(value, 'LockingClause').map((c) => String(c.strength ?? 'LCS_FORUPDATE').replace(/^LCS_/, '').toLowerCase())
  const named: Record<string, string> = { forupdate: 'for_update', fornokeyupdate: 'for_no_key_update', forshare: 'for_share', forkeyshare: 'for_key_share' }
  return [...new Set(strengths.map((s) => named[s] ?? s))]
}

/** CTEs whose body writes (INSERT / UPDATE / DELETE / MERGE), outermost first. */
export function writableCtes(value: unknown): PgObject[] {
  const known = isObject(value) ? writableMemo.get(value) : undefined
  if (known) return known
  const result = computeWritableCtes(value)
  if (isObject(value)) writableMemo.set(value, result)
  return result
}

function computeWritableCtes(value: unknown): PgObject[] {
  const out: PgObject[] = []
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit)
    if (!isObject(v)) return
    const node = unwrap(v)
    if (node && node[0] === 'CommonTableExpr') {
      const query = unwrap(node[1].ctequery)
      if (query && WRITING_NODES.has(query[0])) {
        out.push(node[1])
        return
      }
    }
    for (const child of Object.values(node ? node[1] : v)) visit(child)
  }
  visit(value)
  return out
}

/** A SELECT / VALUES that neither writes through a CTE, nor selects INTO, nor locks rows. */
export function queryReadOnly(node: unknown): boolean {
  const select = bodyOf(node, 'SelectStmt')
  if (!select || selectInto(select)) return false
  return lockingOf(node).length === 0 && writableCtes(node).length === 0
}

export interface ReadOnlyInput {
  type: StatementType
  node: unknown
  detail: Record<string, unknown>
  /** Entries nested directly under this one. */
  children: readonly SqlStatement[]
}

export function isReadOnly({ type, node, detail, children }: ReadOnlyInput): boolean {
  if (ALWAYS_READ_ONLY.has(type)) return true
  const body = unwrap(node)?.[1] ?? {}
  switch (type) {
    case 'select':
    case 'values':
      return queryReadOnly(node)
    case 'explain':
      // Plain EXPLAIN plans without running; EXPLAIN ANALYZE runs its query, so it is as read-only as that query.
      return detail.analyze === true ? children.length > 0 && children.every((c) => c.read_only) : true
    case 'declare_cursor':
      return queryReadOnly(body.query)
    case 'prepare':
      return children.length > 0 && children.every((c) => c.read_only)
    case 'execute':
      return detail.resolved === true && children.length > 0 && children.every((c) => c.read_only)
    default:
      return false
  }
}
