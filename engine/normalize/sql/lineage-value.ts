// Lineage values: where one column's values come from, and an accumulator that merges the lineage of
// every part of an expression in one pass (no copying per tree level).
import type { SqlColumnRef, SqlOutput } from '../../types.ts'

export type LineageKind = SqlOutput['lineage']

export interface Lin {
  kind: LineageKind
  sources: readonly SqlColumnRef[]
  /** Every path from a source passes through a derivation that cannot reveal the value (see SAFE_AGGREGATES). */
  safe: boolean
  functions: readonly string[]
  reason?: string
  /** Stands for all columns of a relation whose columns are not known. */
  star?: boolean
  /** A function, operator, cast or CASE of the statement (not count, IS NULL or a json key read) computes the value. */
  computed?: boolean
  /**
   * The value is a whole json/jsonb document of a column (CatalogRelation.documents), carried as it is or through
   * what keeps its keys: the gateway masks its values by their keys. Computed on otherwise, it is unknown.
   */
  document?: boolean
  /** The document as text (prefs::text): a JSON string holding it (to_jsonb of it) no longer has its keys. */
  documentText?: boolean
  /** A row (a whole-row reference, ROW(…)) holding a document: it goes out as record text, whose keys no one reads. */
  documentRow?: boolean
  /**
   * The value reads a column of rows the statement makes rather than a table holds (VALUES, a function in FROM, a
   * subquery of constants): candidates that, compared with a masked value, copy it into rows that are not masked.
   */
  candidates?: boolean
  /**
   * Why the value may hold values no mask follows: read from rows whose origin Warden cannot trace (a relation not
   * in the catalog, such as a temporary table, a view without a definition, a function's rows), where a masked value
   * may have been copied, or computed from a whole json document or composite value, whose values are masked only
   * by their keys.
   */
  untraced?: string
}

/** One output column of a query level. */
export interface Col {
  name: string
  lin: Lin
}

export const CONSTANT: Lin = { kind: 'derived', sources: [], safe: true, functions: [] }

export function plain(table: string | null, column: string): Lin {
  return { kind: 'plain', sources: [{ table, column }], safe: false, functions: [] }
}

export function unknown(reason: string, functions: readonly string[] = []): Lin {
  return { kind: 'unknown', sources: [], safe: false, functions, reason }
}

/** Values of rows whose origin Warden cannot trace (Lin.untraced). */
export function untraced(reason: string): Lin {
  return { ...unknown(reason), untraced: reason }
}

/** Merges lineages into one derived (or unknown) value. */
export class Acc {
  private readonly sources = new Map<string, SqlColumnRef>()
  private readonly functions = new Set<string>()
  private unsafe = false
  private computed = false
  private reason: string | undefined
  /** Whole documents added outside a safe derivation, by their columns. */
  private readonly documents = new Set<string>()
  private documentText = false
  private documentRow = false
  private candidates = false
  private untraced: string | undefined

  /** Adds a lineage; inside a safe derivation (`count(x)`, `x IS NULL`) its values do not reach the result. */
  add(lin: Lin, inSafe: boolean): void {
    for (const s of lin.sources) {
      const key = `${s.table ?? ''}\u0000${s.column}`
      if (!this.sources.has(key)) this.sources.set(key, s)
    }
    for (const f of lin.functions) this.functions.add(f)
    if (lin.kind === 'unknown') this.reason ??= lin.reason ?? 'unknown lineage'
    if (!inSafe && !lin.safe) this.unsafe = true
    if (lin.computed) this.computed = true
    if (lin.candidates) this.candidates = true
    this.untraced ??= lin.untraced
    if (lin.document && !inSafe) {
      for (const s of lin.sources) this.documents.add(s.table ? `${s.table}.${s.column}` : s.column)
      if (lin.documentText) this.documentText = true
      if (lin.documentRow) this.documentRow = true
    }
  }

  /** An operator, cast or CASE applies to what was added. */
  op(): void {
    this.computed = true
  }

  /** A function the value passes through; `computes` false for one that only reads a json key by name. */
  fn(name: string, computes = true): void {
    this.functions.add(name)
    if (computes) this.computed = true
  }

  /** What was added reads candidate values (Lin.candidates). */
  candidate(): void {
    this.candidates = true
  }

  /** What was added is the fields of one row value. */
  row(): void {
    this.documentRow = true
  }

  fail(reason: string): void {
    this.reason ??= reason
  }

  /** What was added may hold values no mask follows (Lin.untraced). */
  untrace(reason: string): void {
    this.fail(reason)
    this.untraced ??= reason
  }

  lin(): Lin {
    const functions = [...this.functions]
    const sources = [...this.sources.values()]
    const computed = this.computed
    const candidates = this.candidates ? { candidates: true } : {}
    const wholeDocument = computed && this.documents.size > 0
      ? `computes on a whole json document, or a value read by a key that may be one (read from ${[...this.documents].join(', ')}), whose values are masked by their keys only as a document; read values by their full key path (doc->>'key'), cast to a number, date or boolean if need be`
      : undefined
    const reason = this.reason ?? wholeDocument
    const why = this.untraced ?? wholeDocument
    const from = why !== undefined ? { untraced: why } : {}
    if (reason !== undefined) return { kind: 'unknown', sources, safe: false, functions, reason, computed, ...candidates, ...from }
    const document = this.documents.size > 0 ? { document: true, ...(this.documentText ? { documentText: true } : {}), ...(this.documentRow ? { documentRow: true } : {}) } : {}
    return { kind: 'derived', sources, safe: !this.unsafe, functions, computed, ...document, ...candidates }
  }

  /** Base columns only (for predicates). */
  refs(): IterableIterator<SqlColumnRef> {
    return this.sources.values()
  }
}

/** Merged lineage of several values (set operation branches, FULL JOIN USING columns, …): plain only when all are the same plain column. */
export function union(lins: readonly Lin[]): Lin {
  const first = lins[0]
  if (!first) return CONSTANT
  if (lins.length === 1) return first
  if (first.kind === 'plain' && lins.every((l) => l.kind === 'plain' && sameSource(l, first))) return first
  const acc = new Acc()
  for (const l of lins) acc.add(l, false)
  return acc.lin()
}

/**
 * One column's values from several rows (set operation branches, VALUES rows): a row no table column holds
 * (a constant, a function's rows) beside ones read from a table makes the column hold candidates (Lin.candidates).
 */
export function rowsUnion(lins: readonly Lin[]): Lin {
  const lin = union(lins)
  return lin.sources.length > 0 && lins.some((l) => l.sources.length === 0) ? { ...lin, candidates: true } : lin
}

function sameSource(a: Lin, b: Lin): boolean {
  const x = a.sources[0]
  const y = b.sources[0]
  return x !== undefined && y !== undefined && x.table === y.table && x.column === y.column
}

export function toOutput(col: Col): SqlOutput {
  const { lin } = col
  const out: SqlOutput = { name: col.name, lineage: lin.kind, sources: [...lin.sources] }
  if (lin.kind === 'derived' && lin.safe) out.safe = true
  if (lin.reason !== undefined) out.reason = lin.reason
  if (lin.star === true) out.star = true
  if (lin.functions.length > 0) out.functions = [...lin.functions]
  return out
}
