// FROM items for lineage: tables and views (through the catalog, views through their definition), CTE
// references, subqueries (LATERAL included: earlier items are in scope), functions returning rows,
// and joins with their USING / NATURAL merged columns. Items are added to the scope in order.
import type { PgObject } from './ast.ts'
import { bodyOf, eachEntry, isObject, list, names, str, unwrap } from './ast.ts'
import type { CatalogRelation } from './builder.ts'
import { collect } from './lineage-expr.ts'
import { customOperator } from './operators.ts'
import { ROW_FUNCTIONS } from './row-functions.ts'
import { MAX_VIEW_DEPTH, QueryWalker, rename } from './lineage-query.ts'
import { expand, type Item, type JoinItem, LineageScope, type Rel } from './lineage-scope.ts'
import { Acc, type Col, type Lin, plain, union, unknown, untraced } from './lineage-value.ts'
import { parsePostgres } from './parse.ts'
import { newerSyntax } from './syntax-since.ts'
import { collectRefs } from './walk.ts'


export function fromItems(w: QueryWalker, items: unknown, scope: LineageScope): void {
  for (const item of list(items)) scope.items.push(fromItem(w, item, scope))
}

function fromItem(w: QueryWalker, item: unknown, scope: LineageScope): Item {
  const n = unwrap(item)
  if (!n) return { names: [], table: null, any: untraced('unrecognised FROM item') }
  const [name, body] = n
  switch (name) {
    case 'RangeVar': return relation(w, body, scope)
    case 'JoinExpr': return join(w, body, scope)
    case 'RangeSubselect': {
      const alias = bodyOf(body.alias, 'Alias')
      const cols = w.query(body.subquery, scope)
      return { names: aliasNames(alias), table: null, columns: rename(cols, names(alias?.colnames)) }
    }
    case 'RangeFunction': return rangeFunction(w, body, scope)
    case 'RangeTableSample': {
      w.predicate([body.args, body.repeatable], scope)
      return fromItem(w, body.relation, scope)
    }
    default: {
      // XMLTABLE, JSON_TABLE: built-in table functions computed from their expressions.
      const acc = new Acc()
      collect(Object.entries(body).filter(([k]) => k !== 'alias').map(([, v]) => v), scope, w, acc, false)
      w.computes(acc.lin())
      return { names: aliasNames(bodyOf(body.alias, 'Alias')), table: null, any: acc.lin() }
    }
  }
}

function aliasNames(alias: PgObject | undefined): string[] {
  const name = str(alias?.aliasname)
  return name === undefined ? [] : [name]
}

/**
 * The target of INSERT / UPDATE / DELETE / MERGE, also named by `extra` (and by RETURNING's old and new:
 * returningNames). With `returning`, the catalog is asked for its current word: a rule (or INSTEAD OF trigger)
 * rewriting writes to the relation makes what RETURNING gives back unknown, whatever columns it names.
 */
export function targetRelation(w: QueryWalker, value: unknown, extra: string[], returning = false): Rel {
  const rel = bodyOf(value, 'RangeVar') ?? {}
  const out = base(w, rel)
  out.names.push(...extra)
  out.named = { schema: str(rel.schemaname) ?? null, name: str(rel.relname) ?? '' }
  const found = returning ? w.schema?.relation(str(rel.schemaname) ?? null, str(rel.relname) ?? '', { current: true }) : undefined
  if (found?.write_rules) {
    const reason = `writes to ${out.table} are rewritten on the server (a rule or INSTEAD OF trigger), so what RETURNING gives back cannot be traced`
    if (out.columns) out.columns = out.columns.map((c) => ({ name: c.name, lin: unknown(reason) }))
    out.rewritten = reason
  }
  return out
}

/**
 * RETURNING's old and new name the target's row (PostgreSQL 18) unless a FROM item or the target itself is called
 * so: then they name that item, as they do on older servers, where old and new are no names of their own. Called
 * when the statement's FROM items are in scope, before its RETURNING list is read.
 */
export function returningNames(scope: LineageScope, target: Rel): void {
  for (const name of ['old', 'new']) if (scope.items.every((item) => !namesItem(item, name))) target.names.push(name)
}

function namesItem(item: Item, name: string): boolean {
  return 'join' in item ? namesItem(item.left, name) || namesItem(item.right, name) : item.names.includes(name)
}

function relation(w: QueryWalker, rv: PgObject, scope: LineageScope): Rel {
  const name = str(rv.relname) ?? ''
  const alias = bodyOf(rv.alias, 'Alias')
  if (str(rv.schemaname) === undefined) {
    const [isCte, cols] = scope.cte(name)
    if (isCte) {
      const own = alias ? aliasNames(alias) : [name]
      if (!cols) return { names: own, table: null, any: untraced(`CTE ${name} is referenced before its lineage is known`) }
      return { names: own, table: null, columns: rename(cols, names(alias?.colnames)) }
    }
  }
  return base(w, rv)
}

const STORED = new Set<CatalogRelation['kind']>(['table', 'partitioned_table', 'materialized_view', 'foreign_table'])

/** A table or view: columns from the catalog when given; a view's columns carry its definition's lineage. */
function base(w: QueryWalker, rv: PgObject): Rel {
  const name = str(rv.relname) ?? ''
  const schema = str(rv.schemaname) ?? null
  const alias = bodyOf(rv.alias, 'Alias')
  const written = schema === null ? name : `${schema}.${name}`
  const own = alias ? aliasNames(alias) : schema === null ? [name] : [name, written]
  const aliases = names(alias?.colnames)
  const created = w.created.get(written)
  if (created) return { names: own, table: written, columns: rename(created, aliases) }
  if (!w.schema) {
    // Without a catalog the columns are unknown; renamed columns cannot be placed.
    if (aliases.length > 0) return { names: own, table: written, any: { kind: 'derived', sources: [{ table: written, column: '*' }], safe: false, functions: [] } }
    return { names: own, table: written }
  }
  const found = w.schema.relation(schema, name)
  if (!found) return { names: own, table: written, any: untraced(`relation ${written} is not in the catalog`), missing: true }
  const table = `${found.schema}.${found.name}`
  let columns: Col[]
  // A materialized view holds the rows its definition gave at its last refresh: a view it reads gave them by the
  // definition it had then, which CREATE OR REPLACE VIEW may have changed since (a view of `password AS x`, now of
  // `label AS x`), keeping the view's OID and the rows stored. What the view gives now does not tell where they
  // came from.
  if (w.refreshed !== undefined && found.kind === 'view') {
    const reason = `materialized view ${w.refreshed} holds rows view ${table} gave at its last refresh, by a definition that may have changed since`
    columns = found.columns.map((c) => ({ name: c, lin: untraced(reason) }))
  } else if ((found.kind === 'view' || found.kind === 'materialized_view') && found.definition !== undefined) {
    columns = viewColumns(w, table, found.columns, found.definition, found.kind === 'materialized_view')
  } else if (found.kind === 'view') columns = found.columns.map((c) => ({ name: c, lin: untraced(`view ${table} has no definition in the catalog`) }))
  else columns = found.columns.map((c) => ({ name: c, lin: storedColumn(table, c, found) }))
  const rel: Rel = { names: own, table, columns: rename(columns, aliases) }
  if (STORED.has(found.kind)) rel.stored = true
  if (found.unique_keys) rel.uniqueKeys = found.unique_keys
  if (found.exclusion_keys) rel.exclusionKeys = found.exclusion_keys
  if (found.checked_columns) rel.checkedColumns = found.checked_columns
  return rel
}

/** A stored column: as it is, computed by its generation expression, or untraced where a table under it computes it. */
function storedColumn(table: string, column: string, found: CatalogRelation): Lin {
  if (found.generated_under?.includes(column)) return untraced(`a table under ${table} computes its column ${column} by a generation expression of its own`)
  return found.generated?.[column] === undefined ? tableColumn(table, column, found) : generatedLin(table, column, found.generated[column], found.columns)
}

/** A stored column as it is; a whole document when of type json or jsonb, a row of fields when composite. */
function tableColumn(table: string, column: string, found: CatalogRelation): Lin {
  if (found.composites?.includes(column)) return { ...plain(table, column), document: true, documentRow: true }
  return found.documents?.includes(column) ? { ...plain(table, column), document: true } : plain(table, column)
}

/**
 * A stored generated column: derived from the columns of its row that its expression names, through the functions
 * and operators it calls (they ran when the row was written, and a user function may have read any table: the
 * policy decides which calls keep a value masked). Unknown when the expression cannot be read.
 */
function generatedLin(table: string, column: string, expression: string, columns: readonly string[]): Lin {
  const reason = `generated column ${table}.${column} could not be followed`
  if (expression.trim() === '') return unknown(reason)
  let refs: string[]
  const calls = new Set<string>()
  try {
    const text = `SELECT ${expression}`
    const stmt = parsePostgres(text)
    if (stmt.length !== 1 || newerSyntax(text, stmt)) return unknown(reason)
    const found = collectRefs(stmt[0]!.stmt)
    refs = found.columns.map((c) => c.name)
    for (const f of found.functions) calls.add(f.full_name)
    eachEntry([stmt[0]!.stmt], (key, value) => {
      const operator = isObject(value) ? customOperator(key, value) : undefined
      if (operator) calls.add(operator.join('.'))
    })
  } catch {
    return unknown(reason)
  }
  if (refs.some((r) => !columns.includes(r))) return unknown(reason)
  return { kind: 'derived', sources: [...new Set(refs)].map((c) => ({ table, column: c })), safe: false, functions: [...calls] }
}

/** A view's columns: its definition's outputs, renamed to the catalog's column names. */
function viewColumns(w: QueryWalker, table: string, columns: string[], definition: string, materialized: boolean): Col[] {
  const cached = w.views.get(table)
  if (cached) {
    w.carried.push(...(VIEW_CARRIED.get(cached) ?? []))
    return cached
  }
  let outputs: Col[]
  let inner: Lin[] = []
  if (w.viewDepth >= MAX_VIEW_DEPTH) outputs = []
  else {
    try {
      const stmts = parsePostgres(definition)
      // The server wrote the definition in its own syntax: what reads as newer syntax here (merge_action(), SQL/JSON)
      // is, on a server older than that syntax, a call of a function of that name (syntax-since.ts).
      const stmt = newerSyntax(definition, stmts) ? undefined : stmts[0]?.stmt
      // A fresh walker: the view's own predicates and calls are part of the view, not of this statement.
      const vw = new QueryWalker(w.schema, new Map(), w.views, w.viewDepth + 1, materialized ? table : undefined)
      outputs = stmt === undefined ? [] : vw.query(stmt, new LineageScope())
      // What the view's plan carries besides the columns a query selects from it: its inner levels and conditions.
      inner = [...vw.carried.filter((lin) => !outputs.some((o) => o.lin === lin)), ...[...vw.predicates.values()].map((p) => plain(p.table, p.column))]
    } catch {
      outputs = []
    }
  }
  const aligned = outputs.length === columns.length && !outputs.some((c) => c.lin.star === true)
  const reason = `view ${table} could not be followed`
  const fallback = outputs.length > 0 ? union(outputs.map((c) => c.lin)) : unknown(reason)
  const out = columns.map((name, i) => ({ name, lin: aligned ? (outputs[i] as Col).lin : fallback }))
  w.views.set(table, out)
  VIEW_CARRIED.set(out, inner)
  w.carried.push(...inner)
  return out
}

/** What a followed view's plan carries besides its columns (QueryWalker.carried), by its cached columns. */
const VIEW_CARRIED = new WeakMap<Col[], Lin[]>()

function rangeFunction(w: QueryWalker, body: PgObject, scope: LineageScope): Rel {
  const alias = bodyOf(body.alias, 'Alias')
  const acc = new Acc()
  let first: string | undefined
  let opaque: string | undefined
  for (const entry of list(body.functions)) {
    const call = list(entry)[0]
    const fn = bodyOf(call, 'FuncCall')
    const parts = fn ? names(fn.funcname) : []
    const name = parts.join('.')
    first ??= parts[parts.length - 1]
    collect(call, scope, w, acc, false)
    const builtin = parts.length === 1 || (parts.length === 2 && parts[0] === 'pg_catalog')
    if (!fn || !builtin || !ROW_FUNCTIONS.has(parts[parts.length - 1] ?? '')) {
      opaque ??= `function ${name || 'call'} in FROM returns rows Warden cannot trace`
      acc.fail(opaque)
    }
  }
  // The rows it returns (how many, whether any) are computed from its arguments, whatever the statement selects.
  w.condition(acc.lin())
  const own = alias ? aliasNames(alias) : first !== undefined ? [first] : []
  return { names: own, table: null, any: opaque === undefined ? acc.lin() : { ...acc.lin(), untraced: opaque } }
}

/** Both sides of a USING column as one condition: a side no table column holds is candidates. */
function compared(l: Lin, r: Lin): Lin {
  const acc = new Acc()
  for (const side of [l, r]) {
    if (side.sources.length === 0) acc.candidate()
    acc.add(side, false)
  }
  return acc.lin()
}

function join(w: QueryWalker, body: PgObject, scope: LineageScope): Item {
  const left = fromItem(w, body.larg, scope)
  // A LATERAL item on a join's right sees the left side's names, as one after a comma sees the items before it.
  const lateral = new LineageScope(scope)
  lateral.items.push(left)
  const right = fromItem(w, body.rarg, lateral)
  const using = body.isNatural === true ? naturalColumns(left, right) : names(body.usingClause)
  const full = body.jointype === 'JOIN_FULL'
  const merged: Col[] = using.map((name) => {
    const l = column(left, name)
    const r = column(right, name)
    // Two stored columns are a join; a computed one, or one no table holds, is a condition on the other.
    if (l.kind === 'plain' && r.kind === 'plain') w.addPredicates(union([l, r]))
    else w.condition(compared(l, r))
    return { name, lin: full ? union([l, r]) : body.jointype === 'JOIN_RIGHT' ? r : l }
  })
  const item: JoinItem = { join: true, left, right, merged }
  const on = new LineageScope(scope)
  on.items.push(item)
  w.predicate(body.quals, on)
  const alias = bodyOf(body.alias, 'Alias')
  if (!alias) return item
  // An aliased join hides the names inside it and is one relation with the join's columns.
  const cols: Col[] = []
  expand(item, cols, undefined)
  return { names: aliasNames(alias), table: null, columns: rename(cols, names(alias.colnames)) }
}

/** The column `name` of one side of a join (a join side may itself be a join). */
function column(item: Item, name: string): Lin {
  const scope = new LineageScope()
  scope.items.push(item)
  return scope.column(name)?.[0] ?? unknown(`join column ${name} not found`)
}

/** NATURAL JOIN merges the columns both sides have; unknowable when either side's columns are unknown. */
function naturalColumns(left: Item, right: Item): string[] {
  const l: Col[] = []
  const r: Col[] = []
  expand(left, l, undefined)
  expand(right, r, undefined)
  if (l.some((c) => c.lin.star === true) || r.some((c) => c.lin.star === true)) return []
  const rightNames = new Set(r.map((c) => c.name))
  return l.map((c) => c.name).filter((n) => rightNames.has(n))
}
