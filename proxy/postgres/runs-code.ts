// Whether a judged statement may run code of the database's own: a function outside pg_catalog, a trigger, a
// rule, a row security policy, a domain's check. Such code can do what the statement does not show: move the
// session's search_path (set_config(…, false), search-path-watch.ts), or compute a value an error then quotes
// (result-statement.ts). Only what is known to run none counts as running none.
import type { CatalogRelation } from '../../engine/normalize/sql/index.ts'
import type { SqlFunction, SqlStatement, StatementType } from '../../engine/types.ts'

export interface CodeCatalog {
  isBuiltinFunction(name: string): boolean
  relation(schema: string | null, name: string): CatalogRelation | undefined
}

/**
 * Statements that run no code of the database's own. Not COMMIT (deferred triggers fire), SET CONSTRAINTS (a `set`
 * named `constraints`, the same), FETCH or MOVE (the cursor's query runs), EXECUTE (judged by its statement).
 */
const NO_CODE = new Set<StatementType>([
  'set', 'reset', 'set_role', 'show', 'begin', 'rollback', 'savepoint', 'release', 'deallocate', 'close', 'discard',
  'listen', 'unlisten', 'prepare', 'execute',
])
/**
 * Reads that run no code when every function they call is a built-in and every relation a plain table. DECLARE only
 * opens its cursor (a WITH HOLD one runs at COMMIT, which counts itself).
 */
const READS = new Set<StatementType>(['select', 'values', 'explain', 'declare_cursor'])
/** Statements that resolve no name through the search_path: transaction control and settings. */
const NO_NAMES = new Set<StatementType>(['begin', 'commit', 'rollback', 'savepoint', 'release', 'set', 'show', 'reset', 'discard', 'deallocate', 'close', 'listen', 'unlisten'])
/** Relations read without running anything: no view (its query may call functions), no foreign table. */
const PLAIN = new Set<CatalogRelation['kind']>(['table', 'partitioned_table', 'materialized_view'])

/** A call of a pg_catalog function: unqualified (the normalizer qualifies a name another schema shadows) or in pg_catalog. */
export function builtinCall(f: SqlFunction, catalog: Pick<CodeCatalog, 'isBuiltinFunction'>): boolean {
  return (f.schema === null || f.schema.toLowerCase() === 'pg_catalog') && catalog.isBuiltinFunction(f.name)
}

function statementRunsCode(s: SqlStatement, catalog: CodeCatalog): boolean {
  // Prepared (PREPARE) or explained without ANALYZE, a statement is only planned.
  if (s.nested?.via === 'prepare') return false
  // A set_config read as a SET that reads a relation by an unqualified name (set-config.ts): a temporary one of the
  // session's own may stand in for it.
  if (s.type === 'set' && s.detail.reads !== undefined) return true
  if (NO_CODE.has(s.type)) return s.type === 'set' && String(s.detail.name).toLowerCase() === 'constraints'
  if (!READS.has(s.type) || !s.read_only) return true
  if (Array.isArray(s.detail.user_type_casts) && s.detail.user_type_casts.length > 0) return true
  if (!s.functions.every((f) => builtinCall(f, catalog))) return true
  return !s.tables.every((t) => {
    const r = catalog.relation(t.schema, t.name)
    return r !== undefined && PLAIN.has(r.kind) && r.row_security !== true
  })
}

/** Whether any of the statements (nested ones included) may run code of the database's own. */
export function runsCode(statements: readonly SqlStatement[], catalog: CodeCatalog): boolean {
  return statements.some((s) => statementRunsCode(s, catalog))
}

/**
 * Whether a statement of a text (with those nested in it) may run code while a later one resolves names through the
 * search_path: that one was judged before the code ran.
 */
export function runsCodeBeforeNames(statements: readonly SqlStatement[], catalog: CodeCatalog): boolean {
  const topOf = (i: number): number => {
    let s = statements[i]!
    while (s.nested) {
      i = s.nested.parent_index
      s = statements[i]!
    }
    return i
  }
  let firstCode = -1
  for (let i = 0; i < statements.length && firstCode < 0; i++) if (statementRunsCode(statements[i]!, catalog)) firstCode = topOf(i)
  if (firstCode < 0) return false
  return statements.some((s, i) => topOf(i) > firstCode && !NO_NAMES.has(s.type))
}
