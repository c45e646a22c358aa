// Which statement a result belongs to, and what it reads. A simple Query's n-th RowDescription set belongs to its
// n-th top-level statement (one CommandComplete each); an extended Execute runs its one statement; EXECUTE runs
// the prepared statement the normalizer resolved under it; FETCH returns rows of the cursor its DECLARE defined.
import { type CatalogRelation, normalizePostgres } from '../../engine/normalize/sql/index.ts'
import { type ColumnRule, ruleMatches, type SourceColumn } from '../../engine/obligations/mask/index.ts'
import type { Judgement } from '../../engine/gateway.ts'
import type { SqlOutput, SqlStatement } from '../../engine/types.ts'
import type { JudgedStatement } from './session.ts'
import { topLevel } from './statement-effects.ts'
import { builtinCall } from './runs-code.ts'

/** Looks up a cursor declared in this session by name. */
export type CursorLookup = (name: string) => JudgedStatement | undefined

/** EXPLAIN and SHOW answer with text the server writes about a plan or settings, in however many columns (SHOW ALL
 * has three): no column values, so detectors only. A derived star spans every column of the result. */
const SERVER_TEXT: Record<string, SqlOutput[]> = {
  explain: [{ name: '*', lineage: 'derived', sources: [], star: true }],
  show: [{ name: '*', lineage: 'derived', sources: [], star: true }],
}

const statementsOf = (j: Judgement): SqlStatement[] => j.input.command?.sql?.statements ?? []

function child(all: SqlStatement[], index: number, via: string): number {
  return all.findIndex((s) => s.nested?.parent_index === index && s.nested.via === via)
}

/**
 * The DECLARE of cursor `name` in the judgement that declared it. One text may declare the name more than once
 * (`DECLARE c …; CLOSE c; DECLARE c …`): the session keeps the text of the DECLARE in force, so that one is taken
 * (the last of equal texts, which define equal rows).
 */
function declaration(cursor: JudgedStatement, name: string): { judgement: Judgement; index: number } | undefined {
  const all = statementsOf(cursor.judgement)
  const declares = all.flatMap((s, index) => (s.type === 'declare_cursor' ? [{ s, index }] : []))
  const named = declares.filter(({ s }) => !s.nested && s.detail.name === name)
  const byText = named.filter(({ s }) => s.text === cursor.text)
  const found = byText.at(-1) ?? (named.length === 1 ? named[0] : undefined) ?? (declares.length === 1 ? declares[0] : undefined)
  return found ? { judgement: cursor.judgement, index: found.index } : undefined
}

function outputsAt(j: Judgement, index: number, cursor: CursorLookup | undefined, depth: number): SqlOutput[] | undefined {
  const all = statementsOf(j)
  const s = all[index]
  if (!s || depth > 8) return undefined
  if (s.type === 'fetch') {
    const name = typeof s.detail.name === 'string' ? s.detail.name : ''
    const c = cursor?.(name)
    const d = c && declaration(c, name)
    return d ? outputsAt(d.judgement, d.index, undefined, depth + 1) : undefined
  }
  if (s.outputs) return s.outputs
  if (s.type === 'execute') {
    const inner = child(all, index, 'execute')
    return inner >= 0 ? outputsAt(j, inner, cursor, depth + 1) : undefined
  }
  return SERVER_TEXT[s.type]
}

/**
 * The outputs of the statement whose result starts now; undefined when its lineage is not known. `resultIndex`:
 * the run executes that statement of the text (a PREPAREd or DECLAREd one), whatever else the text holds.
 */
export function resultOutputs(j: Judgement, completed: number, cursor?: CursorLookup, resultIndex?: number): SqlOutput[] | undefined {
  if (resultIndex !== undefined) return outputsAt(j, resultIndex, cursor, 0)
  const top = topLevel(j)[completed]
  return top ? outputsAt(j, top.index, cursor, 0) : undefined
}

/** The statements a run reads through: its own, and the DECLARE of every cursor it fetches from. */
function readStatements(j: Judgement, cursor: CursorLookup | undefined): SqlStatement[] {
  const all = statementsOf(j)
  const declared = all.flatMap((s) => {
    if (s.type !== 'fetch') return []
    const name = typeof s.detail.name === 'string' ? s.detail.name : ''
    const c = cursor?.(name)
    const d = c && declaration(c, name)
    return d ? [statementsOf(d.judgement)[d.index]!] : []
  })
  return [...all, ...declared]
}

/** Statement types whose written relation may be the one they create. */
const CREATES = new Set<SqlStatement['type']>(['create', 'create_table_as', 'select_into'])

function splitName(full: string): [string | null, string] {
  const dot = full.lastIndexOf('.')
  return dot < 0 ? [null, full] : [full.slice(0, dot), full.slice(dot + 1)]
}

/** Views followed this deep to the tables a write through them changes. */
const MAX_VIEW_DEPTH = 8

/**
 * The relations a write to `table` changes rows of: the table itself, or for a view, the relations its definition
 * reads, followed through views in turn. A write error through a view repeats the base table's row ("Failing row
 * contains (…)" of a WITH CHECK OPTION violation), not the view's. Undefined when a view cannot be followed.
 */
function writtenRelations(table: string, relation: (schema: string | null, name: string) => CatalogRelation | undefined, depth = 0): string[] | undefined {
  const r = relation(...splitName(table))
  if (!r || (r.kind !== 'view' && r.kind !== 'materialized_view')) return [table]
  if (r.definition === undefined || depth >= MAX_VIEW_DEPTH) return undefined
  const read = normalizePostgres(r.definition, { catalog: { relation } })
  if (read.sql.parse_error !== undefined) return undefined
  const out = [table]
  for (const t of read.sql.statements.flatMap((s) => s.tables)) {
    const under = writtenRelations(t.full_name, relation, depth + 1)
    if (!under) return undefined
    out.push(...under)
  }
  return out
}

/**
 * The masked columns a judged statement reads in any way (result columns, predicates, any column reference,
 * stars, every column of a table it writes), by name; values of unknown origin count as masked. Empty when no column rule applies to it.
 */
const inRoutine = (s: SqlStatement) => s.nested?.via === 'do' || s.nested?.via === 'function_body'

export function maskedReferences(
  j: Judgement,
  rules: readonly ColumnRule[],
  relation: (schema: string | null, name: string) => CatalogRelation | undefined,
  cursor?: CursorLookup,
  isBuiltinFunction: (name: string) => boolean = () => false,
): string[] {
  if (rules.length === 0) return []
  const found = new Set<string>()
  const check = (ref: SourceColumn) => {
    if (rules.some((rule) => ruleMatches(rule, ref))) found.add(ref.column)
  }
  const star = (table: string | null) => {
    const r = table === null ? undefined : relation(...splitName(table))
    if (!r) found.add(`${table ?? 'a relation'}.* (columns not known)`)
    else for (const column of r.columns) check({ table: `${r.schema}.${r.name}`, column })
  }
  const columnsOf = (table: string) => relation(...splitName(table))?.columns
  for (const s of readStatements(j, cursor)) {
    for (const c of s.columns) {
      if (c.name === '*') {
        star(c.table)
        continue
      }
      check({ table: c.table, column: c.name })
      // A name that is no column of its relation(s) is a whole-row reference (`SELECT u::text FROM users u`).
      const candidates = c.table !== null ? [c.table] : s.tables.map((t) => t.full_name)
      // No relation it can be a column of: a function's rows in FROM (`FROM f() x WHERE x.v::int = 1`, whose
      // error repeats a value f read), VALUES; its values are of unknown origin. Not in a routine's body, where such
      // a name is a variable or parameter, holding what the body's statements (judged, counted here) read.
      if (candidates.length === 0 && !inRoutine(s)) {
        found.add(`${c.name} (origin unknown)`)
        continue
      }
      const known = candidates.map(columnsOf)
      if (known.every((cols) => cols !== undefined && !cols.includes(c.name))) for (const t of candidates) star(t)
    }
    // A write error repeats the table's row or key ("Failing row contains (…)", "Key (…)=(…) already exists"),
    // masked columns included, though the statement names none of them: every column of a written table counts
    // as read, and through a view, every column of the tables under it. A relation the statement itself creates
    // holds no rows yet.
    for (const t of s.tables) {
      if (t.access !== 'write') continue
      if (CREATES.has(s.type) && !relation(...splitName(t.full_name))) continue
      const written = writtenRelations(t.full_name, relation)
      if (written) for (const w of written) star(w)
      else found.add(`${t.full_name}.* (a view whose base tables are not known)`)
    }
    // A function outside pg_catalog may return a value it read (`WHERE f()::int = 1`): an error outside it (a cast)
    // then quotes that value with no routine in its context (message-screen.ts). Not in a function's body, which
    // does not run here.
    if (s.nested?.via !== 'function_body') {
      for (const f of s.functions) if (!builtinCall(f, { isBuiltinFunction })) found.add(`${f.full_name}() (a function whose reads the gateway does not judge)`)
    }
    for (const p of s.predicates ?? []) check(p)
    for (const o of s.outputs ?? []) {
      if (o.lineage === 'unknown') found.add(`${o.name} (origin unknown)`)
      for (const src of o.sources) (src.column === '*' ? star(src.table) : check(src))
    }
  }
  return [...found]
}
