// Name resolution for lineage: the FROM items of one query level (relations and join trees), the CTEs
// in view, and how a column name, a qualified name or a star resolves against them. Levels chain
// outward for correlated references, as in PostgreSQL.
import { type Acc, type Col, type Lin, plain, union } from './lineage-value.ts'

/** One FROM item that can be named: a table, view, CTE reference, subquery, function or aliased join. */
export interface Rel {
  names: string[]
  /** Base relation as resolved (schema.name with a catalog), for sources and whole-row references. */
  table: string | null
  /** Columns in order when known (catalog, subquery, CTE, VALUES). */
  columns?: Col[]
  /** Lineage of any column when the columns are not known and the item is not a plain base table. */
  any?: Lin
  /** Assigned values of a write target (UPDATE SET, INSERT): RETURNING sees the new value. */
  assigned?: Map<string, Lin>
  assignedAll?: Lin
  /** A write target the server rewrites (rules): why whatever RETURNING gives back is unknown. */
  rewritten?: string
  /** The catalog was given and does not know this relation: a qualified name may be a function call. */
  missing?: boolean
  /** A stored relation (table, partitioned, materialized or foreign): it has the system columns. */
  stored?: true
  /** The columns of each unique or exclusion index of a table the catalog knows (CatalogRelation.unique_keys). */
  uniqueKeys?: readonly (readonly string[])[]
  /** Those of its exclusion constraints (CatalogRelation.exclusion_keys). */
  exclusionKeys?: readonly (readonly string[])[]
  /** The columns whose written values the server checks (CatalogRelation.checked_columns). */
  checkedColumns?: readonly string[]
  /** A write target as the statement names it, for asking the catalog again (QueryWalker.uniqueWrites). */
  named?: { schema: string | null; name: string }
}

/** Columns every stored relation has besides its own (never in `*`); they hold row metadata, not data. */
const SYSTEM_COLUMNS = new Set(['tableoid', 'ctid', 'xmin', 'cmin', 'xmax', 'cmax'])

export interface JoinItem {
  join: true
  left: Item
  right: Item
  /** USING / NATURAL columns, merged into one output each. */
  merged: Col[]
}

export type Item = Rel | JoinItem

/** Candidates for an unqualified column at one level: definite (a known column) and possible (unknown columns). */
interface Found {
  definite: Lin[]
  possible: Lin[]
}

export class LineageScope {
  readonly parent: LineageScope | undefined
  readonly items: Item[] = []
  /** CTE name → its columns; undefined while a recursive CTE is still being resolved. */
  private readonly ctes = new Map<string, Col[] | undefined>()

  constructor(parent?: LineageScope) {
    this.parent = parent
  }

  setCte(name: string, columns: Col[] | undefined): void {
    this.ctes.set(name, columns)
  }

  /** [found, columns] for a CTE name visible here or outward. */
  cte(name: string): [boolean, Col[] | undefined] {
    for (let s: LineageScope | undefined = this; s; s = s.parent) {
      if (s.ctes.has(name)) return [true, s.ctes.get(name)]
    }
    return [false, undefined]
  }

  /** The FROM item a qualifier names, searching outward. */
  rel(qualifier: string): Rel | undefined {
    for (let s: LineageScope | undefined = this; s; s = s.parent) {
      for (const item of s.items) {
        const found = findRel(item, qualifier)
        if (found) return found
      }
    }
    return undefined
  }

  /**
   * An unqualified column and whether some relation is known to have it. The innermost level with a relation known
   * to have it wins, or, without a catalog, one with a base table guessed to have it. A level whose items only may
   * have it otherwise (a function's rows) does not end the search: when they have not, the server looks further out,
   * so the candidates further out are taken too (`(SELECT x FROM generate_series(1, 1) g)` reads an outer x).
   */
  column(name: string): [Lin, boolean] | undefined {
    const possible: Lin[] = []
    for (let s: LineageScope | undefined = this; s; s = s.parent) {
      const found: Found = { definite: [], possible: [] }
      for (const item of s.items) lookup(item, name, found)
      if (found.definite.length > 0) {
        const here = found.definite.length === 1 ? (found.definite[0] as Lin) : ambiguous(name, found.definite)
        return [possible.length > 0 ? union([...possible, here]) : here, true]
      }
      possible.push(...found.possible)
      if (found.possible.some((l) => l.kind === 'plain')) break
    }
    if (possible.length === 0) return undefined
    return [possible.length === 1 ? (possible[0] as Lin) : ambiguous(name, possible), false]
  }

  /** `*` over every FROM item of this level. */
  star(): Col[] {
    const out: Col[] = []
    for (const item of this.items) expand(item, out, undefined)
    return out
  }
}

function findRel(item: Item, name: string): Rel | undefined {
  if (!('join' in item)) return item.names.includes(name) ? item : undefined
  return findRel(item.right, name) ?? findRel(item.left, name)
}

/** Column `name` of a relation and whether the relation is known to have it; undefined when it has not. */
export function relColumn(rel: Rel, name: string): [Lin, boolean] | undefined {
  const found = rel.columns ? knownColumn(rel, name) : [rel.any ?? plain(rel.table, name), false] as [Lin, boolean]
  // A stored relation cannot have a column of that name (the server refuses one), so this is row metadata.
  if (found === undefined && rel.stored && SYSTEM_COLUMNS.has(name)) return [plain(rel.table, name), true]
  if (found === undefined) return undefined
  const assigned = rel.assigned?.get(name) ?? rel.assignedAll
  return assigned ? [union([found[0], assigned]), found[1]] : found
}

/** Whether a relation's columns are all known (no star over an unknown relation among them). */
export function fullyKnown(rel: Rel): boolean {
  return rel.columns !== undefined && columnIndex(rel.columns).stars.length === 0
}

interface ColumnIndex {
  byName: Map<string, Col>
  stars: Lin[]
}

const indexes = new WeakMap<Col[], ColumnIndex>()

function columnIndex(cols: Col[]): ColumnIndex {
  let index = indexes.get(cols)
  if (!index) {
    index = { byName: new Map(), stars: [] }
    for (const c of cols) {
      if (c.lin.star === true) index.stars.push(c.lin)
      else if (!index.byName.has(c.name)) index.byName.set(c.name, c)
    }
    indexes.set(cols, index)
  }
  return index
}

/** A name among known columns (indexed once per column list), else through a star entry that may hold it. */
function knownColumn(rel: Rel, name: string): [Lin, boolean] | undefined {
  const index = columnIndex(rel.columns as Col[])
  const col = index.byName.get(name)
  if (col) return [col.lin, true]
  return index.stars.length > 0 ? [union(index.stars.map((s) => starColumn(s, name))), false] : undefined
}

/** Column `name` seen through a star entry: a base table's column stays plain. */
function starColumn(lin: Lin, name: string): Lin {
  const only = lin.sources[0]
  if (lin.kind === 'plain' && only && only.column === '*') return plain(only.table, name)
  return { ...lin, star: false }
}

function lookup(item: Item, name: string, found: Found): void {
  if ('join' in item) {
    const merged = item.merged.find((c) => c.name === name)
    if (merged) {
      found.definite.push(merged.lin)
      return
    }
    lookup(item.left, name, found)
    lookup(item.right, name, found)
    return
  }
  const hit = relColumn(item, name)
  if (hit === undefined) return
  if (hit[1]) found.definite.push(hit[0])
  else found.possible.push(hit[0])
}

/** Several relations could hold the column: plain base columns keep the name with no table; else merged. */
function ambiguous(name: string, lins: Lin[]): Lin {
  if (lins.every((l) => l.kind === 'plain')) return plain(null, name)
  return union(lins)
}

/** Star expansion of one item; `skip` leaves out USING columns already emitted by the join above. */
export function expand(item: Item, out: Col[], skip: ReadonlySet<string> | undefined): void {
  if ('join' in item) {
    const names = new Set(item.merged.map((c) => c.name))
    for (const c of item.merged) if (!skip?.has(c.name)) out.push(c)
    const inner = skip ? new Set([...names, ...skip]) : names
    expand(item.left, out, inner)
    expand(item.right, out, inner)
    return
  }
  if (item.columns) {
    for (const c of item.columns) {
      if (skip?.has(c.name)) continue
      const assigned = c.lin.star === true ? undefined : (item.assigned?.get(c.name) ?? item.assignedAll)
      out.push(assigned ? { name: c.name, lin: union([c.lin, assigned]) } : c)
    }
    return
  }
  const lin = item.any ?? plain(item.table, '*')
  const assigned = item.assignedAll ?? (item.assigned && item.assigned.size > 0 ? union([...item.assigned.values()]) : undefined)
  out.push({ name: '*', lin: { ...(assigned ? union([lin, assigned]) : lin), star: true } })
}

/** Whole-row value of an item (`u`, `u.*` inside an expression, `row_to_json(u)`): every column it holds. */
export function wholeRow(item: Item, acc: Acc): void {
  const cols: Col[] = []
  expand(item, cols, undefined)
  for (const c of cols) acc.add(c.lin, false)
}
