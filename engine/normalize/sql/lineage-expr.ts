// Lineage of one expression: a bare column reference keeps its own lineage (plain through subqueries);
// anything else is derived from every column, whole row and subquery it reads, walked once into one
// accumulator. Function calls the tree hides (attribute notation `u.f`, `(u).f`, casts to user types)
// are reported to the walker as implicit calls.
//
// Safe derivations, the short list of operations whose result cannot reveal their argument's value:
//   count(x), count(DISTINCT x)        a number of rows
//   x IS NULL, x IS NOT NULL           one bit per row, and only about absence
// Anything else (length, hashes, comparisons, CASE …) can be used to recover a value and is not safe.
import type { PgObject } from './ast.ts'
import { bodyOf, isObject, list, names, str, unwrap } from './ast.ts'
import { userType } from './builtin-types.ts'
import type { LineageScope, Rel } from './lineage-scope.ts'
import { fullyKnown, relColumn, wholeRow } from './lineage-scope.ts'
import { documentFunction, extractionOperator, jsonpathOf, keyOf, type Keys, keysOf, keysOnlyPath, pathOf, readKeys } from './lineage-keys.ts'
import { Acc, type Col, type Lin, plain, unknown } from './lineage-value.ts'
import { keepingFunction } from './lineage-stored.ts'
import { customOperator } from './operators.ts'
import { ROW_FUNCTIONS } from './row-functions.ts'

/** What an expression walk needs from the statement walk. */
export interface ExprContext {
  /** A catalog was given: column lists are authoritative and unknown names are not guessed. */
  readonly catalog: boolean
  /** Output columns of a subquery (SELECT, VALUES, set operation) evaluated in `scope`. */
  query(node: unknown, scope: LineageScope): Col[]
  /** A function called without a FuncCall node (attribute notation, field selection). */
  implicit(name: string): void
  /** A cast to a type outside pg_catalog. */
  userCast(name: string): void
  /** A call that keeps its arguments on the server (lineage-stored.ts), with their lineage. */
  kept(name: string, lin: Lin): void
  /** Base columns an expression reads to filter or order (FILTER, OVER, ordered-set ORDER BY). */
  predicate(node: unknown, scope: LineageScope): void
  /** Base columns an expression reads to count rows (a frame offset). */
  count(node: unknown, scope: LineageScope): void
  /** Base columns a number of rows is computed from (a set-returning function's arguments). */
  counts(lin: Lin): void
  /** A value the statement computes (lin.computed): what it reads can make it fail or run long. */
  computes(lin: Lin): void
  /** What parameter $n holds: the lineage of EXECUTE's argument for a prepared statement it runs; else undefined. */
  parameter?(n: number): Lin | undefined
}

/** Lineage of an output expression. */
export function exprLineage(node: unknown, scope: LineageScope, cx: ExprContext): Lin {
  const n = unwrap(node)
  // A column carries its lineage as it is: a value a view computed was computed there, not by this statement.
  if (n?.[0] === 'ColumnRef') return notDocumentRow(columnRef(n[1], scope, cx))
  const lin = n?.[0] === 'A_Indirection' ? indirection(n[1], scope, cx) : collected(node, scope, cx)
  if (lin.computed) cx.computes(lin)
  return notDocumentRow(lin)
}

/**
 * A row holding a json document, or a composite value, goes out as record text, where the gateway cannot find the
 * document's keys or the fields' names.
 */
export function notDocumentRow(lin: Lin): Lin {
  if (!lin.documentRow || lin.kind === 'unknown') return lin
  const reason = 'a row or composite value holding a json document or named fields goes out as record text, where nothing masks them by name; select its columns, or to_jsonb(…) it'
  return { ...unknown(reason, [...lin.functions]), sources: lin.sources, untraced: reason }
}

function collected(node: unknown, scope: LineageScope, cx: ExprContext): Lin {
  const acc = new Acc()
  collect(node, scope, cx, acc, false)
  return acc.lin()
}

/** Adds everything `node` reads to `acc`; `inSafe` inside a safe derivation. */
export function collect(node: unknown, scope: LineageScope, cx: ExprContext, acc: Acc, inSafe: boolean): void {
  if (Array.isArray(node)) {
    for (const item of node) collect(item, scope, cx, acc, inSafe)
    return
  }
  if (!isObject(node)) return
  const n = unwrap(node)
  if (!n) {
    for (const key in node) collect(node[key], scope, cx, acc, inSafe)
    return
  }
  const [name, body] = n
  switch (name) {
    case 'ColumnRef': return addRead(acc, columnRef(body, scope, cx), inSafe)
    case 'ParamRef': {
      const given = typeof body.number === 'number' ? cx.parameter?.(body.number) : undefined
      if (given) acc.add(given, inSafe)
      return
    }
    case 'A_Indirection': return addRead(acc, indirection(body, scope, cx), inSafe)
    case 'FuncCall': return funcCall(body, scope, cx, acc, inSafe)
    case 'SubLink': return subLink(body, scope, cx, acc, inSafe)
    case 'TypeCast': {
      const type = userType(body.typeName)
      if (type !== undefined) {
        cx.userCast(type)
        acc.fn(type)
      }
      const arg = new Acc()
      collect(body.arg, scope, cx, arg, inSafe)
      const lin = arg.lin()
      const to = type === undefined ? documentCast(body.typeName) : undefined
      if (lin.document && !lin.documentRow && to !== undefined) return acc.add({ ...lin, documentText: to === 'text' }, inSafe)
      acc.op()
      // A document's text is no number, date, boolean or uuid: the cast fails or gives a scalar it held.
      if (lin.document && !lin.documentRow && type === undefined && scalarCast(body.typeName)) return acc.add({ ...lin, document: false, documentText: false }, inSafe)
      return acc.add(lin, inSafe)
    }
    case 'CoalesceExpr': {
      // COALESCE(doc, '{}') gives back one of its arguments as it is, choosing by absence only: a document stays one.
      const args = new Acc()
      collect(body.args, scope, cx, args, inSafe)
      const lin = args.lin()
      if (!lin.document || lin.documentRow) acc.op()
      return acc.add(lin, inSafe)
    }
    case 'SelectStmt': case 'InsertStmt': case 'UpdateStmt': case 'DeleteStmt': case 'MergeStmt':
      for (const c of cx.query(node, scope)) acc.add(c.lin, inSafe)
      return
    default: {
      const how = name === 'A_Expr' ? extractionOperator(body) : undefined
      if (how) return acc.add(extraction(body.lexpr, how === 'key' ? keyOf(body.rexpr) : pathOf(body.rexpr), body.rexpr, scope, cx), inSafe)
      const operator = customOperator(name, body)
      if (operator) acc.fn(operator.join('.'))
      if (COMPUTING.has(name)) acc.op()
      if (name === 'RowExpr') acc.row()
      if (name === 'NullTest' && !inSafe) nullnessTest([body.arg], scope, cx)
      const safe = inSafe || name === 'NullTest'
      for (const key in body) collect(body[key], scope, cx, acc, safe)
    }
  }
}

/**
 * What a safe derivation (count(x), x IS NULL) looks at, absence, is a condition when x is computed:
 * `count(NULLIF(ascii(email), n))` over generate_series is 0 where n is the code point, as FILTER (WHERE … = n)
 * would be. Anything but bare columns is read as the condition it is.
 */
function nullnessTest(args: unknown, scope: LineageScope, cx: ExprContext): void {
  const computed = list(args).filter((arg) => unwrap(arg)?.[0] !== 'ColumnRef')
  if (computed.length > 0) cx.predicate(computed, scope)
}

function distinctOverCandidates(args: unknown[], scope: LineageScope, cx: ExprContext): void {
  const read = new Acc()
  collect(args, scope, cx, read, true)
  if (read.lin().candidates) cx.predicate(args, scope)
}

/** A value read from a column: one no table column holds (VALUES, a function's rows, constants) is a candidate. */
function addRead(acc: Acc, lin: Lin, inSafe: boolean): void {
  if (lin.sources.length === 0) acc.candidate()
  acc.add(lin, inSafe)
}

/** Nodes that compute a value from their arguments (and may fail or run long depending on it); ROW, ARRAY and
 * COLLATE only carry values, and IS NULL (like count) looks at nothing but absence. */
const COMPUTING = new Set(['A_Expr', 'BoolExpr', 'BooleanTest', 'CaseExpr', 'CoalesceExpr', 'MinMaxExpr', 'SQLValueFunction', 'XmlExpr', 'XmlSerialize', 'JsonIsPredicate', 'JsonObjectConstructor', 'JsonArrayConstructor'])

/** count(x) and count(DISTINCT x), unqualified or in pg_catalog. */
function isCount(parts: string[]): boolean {
  return parts[parts.length - 1] === 'count' && (parts.length === 1 || (parts.length === 2 && parts[0] === 'pg_catalog'))
}

/** Casts of a whole document that keep it one: to text (its JSON text), json or jsonb; not to an array of them. */
function documentCast(typeName: unknown): 'text' | 'json' | undefined {
  const t = bodyOf(typeName, 'TypeName')
  // varchar(n) cuts the text short: no longer a document.
  if (!t || t.arrayBounds !== undefined || t.typmods !== undefined) return undefined
  const name = names(t.names).at(-1)
  if (name === 'json' || name === 'jsonb') return 'json'
  return name === 'text' || name === 'varchar' ? 'text' : undefined
}

/** Built-in types whose input rejects the text of a json object or array (`{…}`, `[…]`). */
const SCALAR_TYPES = new Set([
  'int2', 'int4', 'int8', 'smallint', 'integer', 'int', 'bigint', 'numeric', 'decimal', 'float4', 'float8', 'real', 'float',
  'bool', 'boolean', 'date', 'timestamp', 'timestamptz', 'uuid',
])

function scalarCast(typeName: unknown): boolean {
  const t = bodyOf(typeName, 'TypeName')
  if (!t || t.arrayBounds !== undefined) return false
  const parts = names(t.names)
  return (parts.length === 1 || (parts.length === 2 && parts[0] === 'pg_catalog')) && SCALAR_TYPES.has(parts.at(-1) as string)
}

/**
 * pg_catalog functions whose result holds their document arguments with every key in place, where the gateway
 * masks them by key (document-values.ts): the values themselves (min, max, window functions), arrays of them
 * (masked element by element), and, for json or jsonb documents only, JSON built around them.
 */
const KEEPS_DOCUMENT = new Set(['min', 'max', 'array_agg', 'first_value', 'last_value', 'nth_value', 'lag', 'lead'])
const KEEPS_JSON_DOCUMENT = new Set([
  'to_json', 'to_jsonb', 'row_to_json', 'jsonb_pretty', 'json_strip_nulls', 'jsonb_strip_nulls', 'jsonb_set', 'jsonb_set_lax', 'jsonb_insert',
  'json_agg', 'jsonb_agg', 'json_build_array', 'jsonb_build_array', 'json_build_object', 'jsonb_build_object', 'json_object_agg', 'jsonb_object_agg',
])

/** Ordered-set aggregates whose result is (computed from) the values they sort. */
const SORTED_VALUE = new Set(['mode', 'percentile_disc', 'percentile_cont'])

/** Hypothetical-set aggregates: their result is the place of their arguments among the values they sort. */
const HYPOTHETICAL = new Set(['rank', 'dense_rank', 'percent_rank', 'cume_dist'])

/** pg_catalog functions giving back a document's shape (its keys, its type, an array's length), none of its values. */
const SHAPE_ONLY = new Set(['json_object_keys', 'jsonb_object_keys', 'json_typeof', 'jsonb_typeof', 'json_array_length', 'jsonb_array_length'])

function catalogName(parts: readonly string[]): string | undefined {
  return parts.length > 2 || (parts.length === 2 && parts[0] !== 'pg_catalog') ? undefined : parts[parts.length - 1]
}

function keepsDocument(parts: readonly string[], lin: Lin): boolean {
  const name = catalogName(parts)
  if (!lin.document || name === undefined) return false
  // A row is turned into a JSON object with its fields as keys; anything else keeps it a row.
  return (KEEPS_DOCUMENT.has(name) && !lin.documentRow) || (KEEPS_JSON_DOCUMENT.has(name) && !lin.documentText)
}

/**
 * A set-returning function makes a number of rows computed from its arguments: generate_series' bounds, or any
 * other's arguments computed from a column (repeat('x', ascii(email)) split to rows) give that number back whole.
 */
function rowCount(parts: readonly string[], lin: Lin, cx: ExprContext): void {
  const name = catalogName(parts)
  if (name === undefined || !ROW_FUNCTIONS.has(name)) return
  if (name === 'generate_series' || lin.computed) cx.counts(lin)
}

function funcCall(body: PgObject, scope: LineageScope, cx: ExprContext, acc: Acc, inSafe: boolean): void {
  const parts = names(body.funcname)
  const args = list(body.args)
  const keeping = keepingFunction(parts)
  if (keeping !== undefined) {
    const kept = new Acc()
    collect(args, scope, cx, kept, false)
    cx.kept(keeping, kept.lin())
  }
  const name = parts.join('.')
  const reads = args.length > 0 ? documentFunction(parts) : undefined
  if (reads === 'path') {
    // jsonb_extract_path_text(doc, 'k') reads a key as doc->>'k' does.
    acc.fn(name, false)
    acc.add(extraction(args[0], keysOf(args.slice(1)), args.slice(1), scope, cx), inSafe)
  } else if (reads === 'jsonpath') {
    // A jsonpath can filter (`? (@ like_regex …)`) or compute: then it computes; a path of keys only reads them.
    acc.fn(name, !keysOnlyPath(args[1]))
    acc.add(extraction(args[0], jsonpathOf(args[1]), args[1], scope, cx), inSafe)
    collect(args.slice(2), scope, cx, acc, inSafe)
  } else if (reads === 'every-key') {
    // Every key's value, apart from its key: untraceable when any argument is read from a relation.
    acc.fn(name)
    const all = new Acc()
    collect(args, scope, cx, all, false)
    const lin = all.lin()
    if (lin.sources.length > 0) all.untrace(`${name} gives back every value of a document apart from its key; read the keys by name (doc->>'key')`)
    acc.add(all.lin(), inSafe)
  } else if (isCount(parts)) {
    // count only counts.
    acc.fn(name, false)
    if (!inSafe) nullnessTest(args, scope, cx)
    // count(DISTINCT x) compares x's values: over a column mixing a masked value with candidates, a condition.
    if (body.agg_distinct === true) distinctOverCandidates(args, scope, cx)
    collect(args, scope, cx, acc, true)
  } else {
    const arg = new Acc()
    collect(args, scope, cx, arg, inSafe)
    const lin = arg.lin()
    rowCount(parts, lin, cx)
    const keeps = keepsDocument(parts, lin)
    acc.fn(name, !keeps)
    const shape = SHAPE_ONLY.has(catalogName(parts) ?? '')
    acc.add(shape ? { ...lin, document: false, documentText: false, documentRow: false } : keeps ? { ...lin, documentRow: false } : lin, inSafe)
  }
  // mode() and percentile_disc() give back one of the values their WITHIN GROUP (ORDER BY …) sorts, and
  // percentile_cont() one computed from them: that expression is the value as well as an order.
  if (body.agg_within_group === true && SORTED_VALUE.has(catalogName(parts) ?? '')) {
    acc.op()
    collect(list(body.agg_order), scope, cx, acc, inSafe)
  }
  // rank(n) WITHIN GROUP (ORDER BY ascii(email)) compares n with each sorted value, one condition: over
  // generate_series it steps up just past the code point.
  if (body.agg_within_group === true && HYPOTHETICAL.has(catalogName(parts) ?? '')) {
    cx.predicate({ List: { items: [...args, ...list(body.agg_order)] } }, scope)
  }
  // FILTER, ordered-set ORDER BY and OVER choose and order rows: predicates, not the value.
  if (body.agg_filter !== undefined || body.agg_order !== undefined || body.over !== undefined) {
    const over = bodyOf(body.over, 'WindowDef')
    cx.predicate([body.agg_filter, body.agg_order, over?.partitionClause, over?.orderClause], scope)
    cx.count([over?.startOffset, over?.endOffset], scope)
  }
}

function subLink(body: PgObject, scope: LineageScope, cx: ExprContext, acc: Acc, inSafe: boolean): void {
  const operator = customOperator('SubLink', body)
  if (operator) acc.fn(operator.join('.'))
  if (body.testexpr !== undefined) acc.op()
  collect(body.testexpr, scope, cx, acc, inSafe)
  const cols = cx.query(body.subselect, scope)
  const type = str(body.subLinkType)
  // A scalar or ARRAY subquery returns its one column; EXISTS / IN / ANY / ALL depend on every column.
  const used = (type === 'EXPR_SUBLINK' || type === 'ARRAY_SUBLINK') && cols[0]?.lin.star !== true ? cols.slice(0, 1) : cols
  // EXISTS gives no value; the others give their rows' values, candidates when no table column holds them.
  for (const c of used) {
    if (type === 'EXISTS_SUBLINK') acc.add(c.lin, inSafe)
    else addRead(acc, c.lin, inSafe)
  }
}

/** A column reference: a column, a whole row (`u`, `u.*`), or attribute notation (`u.f` calls f(u)). */
export function columnRef(body: PgObject, scope: LineageScope, cx: ExprContext): Lin {
  const fields = list(body.fields)
  const last = unwrap(fields[fields.length - 1])
  const parts = names(fields)
  if (last?.[0] === 'A_Star') {
    if (parts.length === 0) return rowOf(scope.star(), undefined)
    const rel = qualifier(scope, parts)
    return rel ? whole(rel) : missingQualifier(parts.join('.'), '*', cx)
  }
  if (parts.length === 1) return bare(parts[0] as string, scope, cx)
  const quals = parts.slice(0, -1)
  const column = parts[parts.length - 1] as string
  const exact = scope.rel(quals.slice(-2).join('.'))
  if (exact) return qualified(exact, column, cx)
  // u.addr.city: field selection on a composite column.
  const rel = parts.length === 3 ? scope.rel(parts[0] as string) : undefined
  if (rel) return field(qualified(rel, parts[1] as string, cx), column, cx)
  // public.users.email against FROM users.
  const loose = quals.length > 1 ? scope.rel(quals[quals.length - 1] as string) : undefined
  if (loose) return qualified(loose, column, cx)
  return missingQualifier(quals.join('.'), column, cx)
}

/** The FROM item named by qualifier parts (`u`, `s.users`, `db.s.users`). */
function qualifier(scope: LineageScope, parts: string[]): Rel | undefined {
  if (parts.length === 0) return undefined
  return scope.rel(parts.slice(-2).join('.')) ?? (parts.length === 1 ? undefined : scope.rel(parts[parts.length - 1] as string))
}

function missingQualifier(name: string, column: string, cx: ExprContext): Lin {
  // In a trigger function's body, NEW and OLD are the row of whatever table the trigger is on: masked by the
  // column's name, as far as anything can be known of it.
  if (TRIGGER_ROWS.has(name.toLowerCase())) return plain(null, column)
  return cx.catalog ? unknown(`${name} names no relation in scope`) : plain(null, column)
}

const TRIGGER_ROWS = new Set(['new', 'old'])

/** An unqualified name: a column (PostgreSQL prefers one), else a whole-row reference to a FROM item. */
function bare(name: string, scope: LineageScope, cx: ExprContext): Lin {
  const column = scope.column(name)
  if (column?.[1]) return column[0]
  const rel = scope.rel(name)
  if (rel) {
    // Without a catalog `u` may be a column of u's table or the whole row: take both.
    const row = whole(rel)
    return column ? rowOf([{ name, lin: row }, { name, lin: column[0] }], undefined) : row
  }
  if (column) return column[0]
  return cx.catalog ? unknown(`column ${name} is not in any relation in scope`) : plain(null, name)
}

/** `rel.name`: its column, or (columns known, no such column) the call name(rel). */
function qualified(rel: Rel, name: string, cx: ExprContext): Lin {
  const hit = relColumn(rel, name)
  if (rel.missing) {
    cx.implicit(name)
    return { ...(rel.any ?? unknown('unknown relation')), functions: [name] }
  }
  if (hit && (hit[1] || !fullyKnown(rel))) return hit[0]
  cx.implicit(name)
  return rowOf([{ name: '', lin: whole(rel) }], name)
}

/**
 * A value read out of a document (`doc->>'key'`, `doc #>> '{a,b}'`, jsonb_extract_path_text(doc, …)): the document
 * with its keys read as columns (lineage-keys.ts); untraceable when a key is not a literal and the document is read
 * from a relation (a constant document holds nothing to mask).
 */
function extraction(doc: unknown, keys: Keys, keyNodes: unknown, scope: LineageScope, cx: ExprContext): Lin {
  const lin = exprLineage(doc, scope, cx)
  if (keys) return readKeys(lin, keys)
  const acc = new Acc()
  acc.add(lin, false)
  collect(keyNodes, scope, cx, acc, false)
  if (lin.sources.length > 0) acc.untrace('a json key or path that is not a literal or reads any key, so any key of the document may be read; write the keys as literals')
  return acc.lin()
}

/** `(expr).name` on a value that is not a whole row: a composite field, read as a column of that name (lineage-keys.ts), or, with a catalog, possibly a call. */
function field(base: Lin, name: string, cx: ExprContext): Lin {
  const acc = new Acc()
  acc.add(readKeys(base, [name]), false)
  if (cx.catalog) {
    cx.implicit(name)
    acc.fn(name)
  }
  return acc.lin()
}

function indirection(body: PgObject, scope: LineageScope, cx: ExprContext): Lin {
  const steps = list(body.indirection)
  const first = unwrap(steps[0])
  const arg = unwrap(body.arg)
  let lin: Lin
  let rest = steps
  const argName = arg?.[0] === 'ColumnRef' ? names(arg[1].fields) : []
  const rel = argName.length === 1 && !scope.column(argName[0] as string)?.[1] ? scope.rel(argName[0] as string) : undefined
  if (rel && first?.[0] === 'String') {
    // (u).name is u.name
    lin = qualified(rel, str(first[1].sval) ?? '', cx)
    rest = steps.slice(1)
  } else {
    lin = exprLineage(body.arg, scope, cx)
  }
  for (const step of rest) {
    const s = unwrap(step)
    if (s?.[0] === 'String') lin = field(lin, str(s[1].sval) ?? '', cx)
    else if (s?.[0] === 'A_Indices' && s[1].is_slice !== true && keyOf(s[1].uidx) !== undefined) {
      // doc['key'] (jsonb and hstore subscripting) reads the key; arr[1] an element. A subscript that is not a
      // literal stays derived: without column types an array index cannot be told from a json key.
      lin = readKeys(lin, keyOf(s[1].uidx) ?? [])
    } else {
      const acc = new Acc()
      acc.add(lin, false)
      collect(step, scope, cx, acc, false)
      lin = acc.lin()
    }
  }
  return lin
}

/** Every column of a FROM item, as one derived value. */
function whole(rel: Rel): Lin {
  const acc = new Acc()
  wholeRow(rel, acc)
  acc.row()
  return acc.lin()
}

function rowOf(cols: Col[], fn: string | undefined): Lin {
  const acc = new Acc()
  for (const c of cols) acc.add(c.lin, false)
  acc.row()
  if (fn !== undefined) acc.fn(fn)
  return acc.lin()
}
