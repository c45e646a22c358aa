// Column lineage for integration tests until the normalizer produces it (branch `lineage`): for the statement
// texts a test lists, fills in each top-level statement's `outputs` the way the normalizer will (stars expanded
// from the gateway's catalog as it is cached at judge time). A judgement that already has outputs is left
// alone, so the same tests run against the real lineage once it lands, and this file can then be deleted.
import type { SchemaCatalog } from '../../../engine/normalize/sql/index.ts'
import type { SqlOutput } from '../../../engine/types.ts'
import type { TestEngine } from './engine.ts'

/** Outputs of each top-level statement of one text, in order. */
export type LineageOf = (catalog: SchemaCatalog | undefined) => (SqlOutput[] | undefined)[]

const USERS = 'public.users'

export const plain = (column: string, name = column, table = USERS): SqlOutput => ({ name, lineage: 'plain', sources: [{ table, column }] })
export const derived = (name: string, columns: string[], extra: Partial<SqlOutput> = {}): SqlOutput => ({
  name,
  lineage: 'derived',
  sources: columns.map((column) => ({ table: USERS, column })),
  ...extra,
})

/** `*` over a relation: one plain output per column the cached catalog lists, or one star entry when it does not know it. */
export function star(catalog: SchemaCatalog | undefined, name: string): SqlOutput[] {
  const r = catalog?.relation(null, name)
  if (!r) return [{ name: '*', lineage: 'plain', sources: [], star: true }]
  return r.columns.map((column) => plain(column, column, `${r.schema}.${r.name}`))
}

/** Every column of users, as a whole-row reference or row_to_json sees them. */
export function wholeRow(catalog: SchemaCatalog | undefined, name: string): SqlOutput {
  const r = catalog?.relation(null, 'users')
  return r ? derived(name, r.columns) : { name, lineage: 'unknown', sources: [], reason: 'whole-row reference to a relation the catalog does not know' }
}

export function installLineage(te: TestEngine, table: Record<string, LineageOf>): void {
  const judge = te.engine.judgeSql.bind(te.engine)
  te.engine.judgeSql = (request) => {
    const j = judge(request)
    const entry = table[request.text]
    const statements = j.input.command?.sql?.statements ?? []
    if (!entry || statements.some((s) => s.outputs)) return j
    const outputs = entry(request.catalog)
    statements.filter((s) => !s.nested).forEach((s, i) => {
      if (outputs[i]) s.outputs = outputs[i]
    })
    return j
  }
}
