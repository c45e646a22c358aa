// Lines up a result's RowDescription with the statement's outputs (its column lineage) and checks the two
// against the cached catalog. The server says, for a result column that is exactly a table column, which one it
// is (tableOid, attnum); the statement was judged with the catalog as cached then. A schema change made directly
// on the server (a column renamed, added or dropped) makes them disagree: the cached name at (tableOid, attnum)
// is not the column the statement named, or a star expanded from the cache carries old names. That costs one
// Map lookup and one string compare per column, once per result shape (plans are cached), instead of a
// per-statement round trip to ask the server for a catalog version. On disagreement the relations involved are
// reloaded and the result is masked by both: the statement's lineage and what the server says now.
import type { ResultColumn, SourceColumn } from '../../engine/obligations/mask/index.ts'
import type { SqlOutput } from '../../engine/types.ts'
import type { ColumnSource } from './catalog.ts'
import { MaskingError } from './masking-error.ts'
import type { FieldDescription } from './messages/row-description.ts'

export interface ColumnLookup {
  column(tableOid: number, attnum: number): ColumnSource | undefined
  /** The relation an unqualified (schema null) or qualified name resolves to, as the catalog resolves names. */
  relation?(schema: string | null, name: string): { schema: string; name: string } | undefined
}

/** Either the columns to plan from, or relations to (re)load first (their OIDs). */
export type Resolution = { columns: ResultColumn[] } | { load: number[] }

/** Identifiers are cut to NAMEDATALEN - 1 bytes by the server. */
const MAX_NAME_BYTES = 63

function sameName(server: string, judged: string): boolean {
  if (server === judged) return true
  const bytes = Buffer.from(judged, 'utf8')
  return bytes.length > MAX_NAME_BYTES && server === bytes.subarray(0, MAX_NAME_BYTES).toString('utf8').replace(/\uFFFD+$/, '')
}

const bare = (table: string) => table.slice(table.lastIndexOf('.') + 1)
const STORED = new Set<ColumnSource['kind']>(['table', 'partitioned_table', 'foreign_table'])

/** Which output each field belongs to: a star entry spans the fields the server sent for it. */
function align(fields: FieldDescription[], outputs: SqlOutput[]): SqlOutput[] {
  const stars = outputs.filter((o) => o.star).length
  if (stars === 0) {
    if (outputs.length !== fields.length) throw misaligned(fields, outputs)
    return outputs
  }
  const span = fields.length - (outputs.length - 1)
  if (stars > 1 || span < 0) throw misaligned(fields, outputs)
  return outputs.flatMap((o) => (o.star ? Array<SqlOutput>(span).fill(o) : [o]))
}

function misaligned(fields: FieldDescription[], outputs: SqlOutput[]): MaskingError {
  const stars = outputs.filter((o) => o.star).length
  return new MaskingError(
    `the result has ${fields.length} columns and the statement as judged has ${outputs.length} outputs${stars ? ` (${stars} of them stars over unknown relations)` : ''}; ` +
      'they cannot be matched, so no value is sent; select the columns by name',
  )
}

/** The server's word for a field that is exactly a table column; system columns (attnum < 1) are not cached. */
function serverSource(f: FieldDescription, lookup: ColumnLookup): ColumnSource | 'system' | 'missing' | undefined {
  if (f.tableOid === 0) return undefined
  if (f.attnum < 1) return 'system'
  return lookup.column(f.tableOid, f.attnum) ?? 'missing'
}

function disagrees(f: FieldDescription, o: SqlOutput, truth: ColumnSource): boolean {
  if (o.star || o.lineage !== 'plain') return false
  if (!sameName(f.name, o.name)) return true
  if (!STORED.has(truth.kind)) return false
  return !o.sources.some((s) => s.column === truth.column && (s.table === null || bare(s.table) === truth.table))
}

function add(sources: SourceColumn[], table: string | null, column: string): SourceColumn[] {
  return sources.some((s) => s.table === table && s.column === column) ? sources : [...sources, { table, column }]
}

/**
 * The statement's sources plus the server's: the cached column at (tableOid, attnum), and, where the server's
 * field name is the column's own name (a star) or disagrees with the name the statement was judged to give it
 * (a catalog older than the server), that name too. Masking by all of them can only mask more.
 */
function withServer(sources: SourceColumn[], f: FieldDescription, truth: ColumnSource | undefined, nameIsColumn: boolean): SourceColumn[] {
  if (!truth) return sources
  const table = `${truth.schema}.${truth.table}`
  const out = add(sources, table, truth.column)
  return nameIsColumn && f.name !== truth.column ? add(out, table, f.name) : out
}

/**
 * Whether the statement was judged to read this column from a relation of the server's relation's name in another
 * schema, from none in the server's, and the catalog resolves that name to another relation too: the server
 * resolved it otherwise (its search_path differs from the one the catalog resolves with, e.g. set by a trigger's
 * set_config the gateway did not see). A view the catalog resolves the name to (one in the `$user` schema over the
 * public table of its name) is what the statement was judged to read.
 */
function resolvedElsewhere(sources: readonly SourceColumn[], truth: ColumnSource, lookup: ColumnLookup): boolean {
  const named = sources.filter((s) => s.table !== null && s.table.includes('.') && bare(s.table) === truth.table)
  if (!named.length || named.some((s) => s.table === `${truth.schema}.${truth.table}`)) return false
  const resolved = lookup.relation?.(null, truth.table)
  return resolved === undefined || resolved.schema !== truth.schema || resolved.name !== truth.table
}

function column(f: FieldDescription, o: SqlOutput, found: ReturnType<typeof serverSource>, loaded: ReadonlySet<number>, lookup: ColumnLookup): ResultColumn {
  const truth = typeof found === 'object' ? found : undefined
  // The normalizer never resolves a name to a temporary relation (catalog.ts), so the statement was judged to read
  // another one: a temporary table or view made unseen (by a function) shadows the name the catalog resolved.
  if (truth?.temp) {
    return { name: f.name, lineage: 'unknown', sources: [], reason: `the server read it from temporary relation ${truth.table}, not the relation the statement was judged to read` }
  }
  // A view is followed by its definition when the statement is judged, which needs it cached by name then; one the
  // catalog had to load for this result was not followed: it shadows the relation the name was resolved to (a view
  // made in the `$user` schema directly on the server), and its columns' origins are not known.
  if (truth && !STORED.has(truth.kind) && loaded.has(f.tableOid)) {
    return { name: f.name, lineage: 'unknown', sources: [], reason: `the server read it from view ${truth.schema}.${truth.table}, which the statement was not judged to read` }
  }
  if (truth && !o.star && resolvedElsewhere(o.sources, truth, lookup)) {
    return { name: f.name, lineage: 'unknown', sources: [], reason: `the server read it from ${truth.schema}.${truth.table}, not the relation of that name the statement was judged to read (the session's search_path resolves names otherwise)` }
  }
  if (o.star) {
    // A derived star is the gateway's own: server-written text (EXPLAIN, SHOW), see result-statement.ts.
    if (o.lineage === 'derived') return { name: f.name, lineage: 'derived', sources: o.sources }
    if (found === 'system') return { name: f.name, lineage: 'plain', sources: [] }
    if (!truth) return { name: f.name, lineage: 'unknown', sources: [], reason: o.reason ?? 'a star over a relation the gateway does not know' }
    return { name: f.name, lineage: 'plain', sources: withServer([], f, truth, true) }
  }
  const renamed = !sameName(f.name, o.name)
  switch (o.lineage) {
    case 'plain':
      return { name: f.name, lineage: 'plain', sources: withServer(o.sources, f, truth, renamed) }
    case 'derived':
      // The server says the value is a table column as it is: no derivation makes it safe.
      return { name: f.name, lineage: 'derived', sources: withServer(o.sources, f, truth, renamed), ...(o.safe && !truth ? { safe: true } : {}) }
    default:
      return { name: f.name, lineage: 'unknown', sources: o.sources, reason: o.reason ?? 'the gateway cannot tell where this value comes from' }
  }
}

/**
 * The result columns to plan masks from. `outputs` undefined: the statement has no lineage, every column is
 * unknown. With `final` false, relations the catalog does not know or disagrees about are asked for first; with
 * `final` true (after loading them, `loaded` their OIDs) the answer is made from what is known.
 */
export function resultColumns(fields: FieldDescription[], outputs: SqlOutput[] | undefined, lookup: ColumnLookup, final: boolean, loaded: ReadonlySet<number> = new Set()): Resolution {
  if (!outputs) {
    return { columns: fields.map((f) => ({ name: f.name, lineage: 'unknown', sources: [], reason: 'the statement has no column lineage' })) }
  }
  let perField: SqlOutput[]
  try {
    perField = align(fields, outputs)
  } catch (err) {
    // A star expanded from a cache older than the server (a column added or dropped directly on it): the count
    // differs. The relations the server names are reloaded, so the next statement is judged with their columns;
    // this result still cannot be matched.
    const load = [...new Set(fields.map((f) => f.tableOid).filter((oid) => oid !== 0))]
    if (!final && load.length) return { load }
    throw err
  }
  const found = fields.map((f) => serverSource(f, lookup))
  if (!final) {
    const load = new Set<number>()
    fields.forEach((f, i) => {
      const s = found[i]
      if (s === 'missing' || (typeof s === 'object' && disagrees(f, perField[i]!, s))) load.add(f.tableOid)
    })
    if (load.size) return { load: [...load] }
  }
  return { columns: fields.map((f, i) => column(f, perField[i]!, found[i], loaded, lookup)) }
}
