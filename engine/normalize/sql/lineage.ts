// Column lineage of one statement entry: `outputs` (what each result column is made of) for statements
// that return rows, `predicates` (base columns that filter, join, group or order), and the function
// calls the tree hides. Which entry gets `outputs`: only a top-level entry, the one whose rows reach
// the client. Nested entries (writable CTEs, EXPLAIN ANALYZE's query, PREPARE's query, EXECUTE's
// statement, function bodies) get `predicates` and implicit calls but no `outputs`: their rows feed the
// parent (whose lineage follows them) or go nowhere. EXECUTE's entry carries its prepared query's outputs;
// DECLARE's entry carries its cursor's (the rows a FETCH will return), FETCH's the cursor's when declared
// in the same text. Statements that return no rows (CREATE TABLE AS, SELECT INTO, MOVE, DML without
// RETURNING, COPY to a file) have no `outputs`.
//
// Known limits:
// - Inference: a predicate (`WHERE email LIKE 'a%'`, EXISTS, FILTER, ORDER BY) lets a caller learn about a
//   value it never receives. `predicates` lists those base columns, each marked `lookup` when it is only
//   compared for equality with given values, so a policy can refuse the probes that reveal a value bit by
//   bit; outputs do not count them as sources.
// - Calls the tree does not show: triggers, rules, RLS policies, column defaults and generated columns,
//   assignment casts on INSERT/UPDATE, and functions inside views (their outputs' `functions` do carry
//   the calls of the view's columns). Casts to types outside pg_catalog are reported in the output's
//   `functions` (by type name) and in `detail.user_type_casts`, not among the statement's functions.
// - Without a catalog, an unqualified column is attributed to the innermost relation that could hold
//   it, `u` may be a column or the whole row (both are reported), and stars stay one entry each.
// - Relations created earlier in the same text are followed (CREATE TABLE AS and CREATE VIEW carry their
//   query's lineage); rows written into a table by INSERT … SELECT are not: a later read of that table
//   sees its own columns. Across commands the gateway's catalog describes them as plain tables.
// - With a catalog, a relation it does not know is unknown.
// - A write into the columns of a unique or exclusion index is matched with the stored rows by it (a
//   unique_violation says a value written is stored): its columns are predicates (QueryWalker.uniqueWrites), as
//   ON CONFLICT's are. Writes a trigger or rule makes elsewhere are not followed.
import type { SqlColumnRef, SqlOutput, SqlPredicate, SqlStored } from '../../types.ts'
import type { PgObject } from './ast.ts'
import { bodyOf, list, names, str, unwrap } from './ast.ts'
import type { SchemaCatalog } from './builder.ts'
import { QueryWalker, rename } from './lineage-query.ts'
import { LineageScope, expand, fullyKnown } from './lineage-scope.ts'
import { storedInColumns } from './lineage-stored.ts'
import { CONSTANT, type Col, type Lin, plain, toOutput, union, unknown, untraced } from './lineage-value.ts'
import { exprLineage } from './lineage-expr.ts'
import { fromItems, targetRelation } from './lineage-from.ts'

export interface StatementLineage {
  /** Absent when the statement returns no rows. */
  outputs?: SqlOutput[]
  predicates: SqlPredicate[]
  /** Functions called without a FuncCall node (attribute notation, field selection). */
  implicitCalls: string[]
  /** Types outside pg_catalog that values are cast to. */
  userCasts: string[]
  /** Functions whose results a condition matches against candidates, or counts rows by (QueryWalker.matchedCalls). */
  matchedCalls: string[]
  /** Values kept on the server: columns written, arguments of keeping calls (lineage-stored.ts). */
  stored: SqlStored[]
  /** For FETCH: whether the cursor was declared earlier in the same text. */
  cursorDeclared?: boolean
  /** For EXPLAIN: the base columns whose values the plan's rows carry, and why some cannot be told (planCarries). */
  plan?: { columns: SqlColumnRef[]; unknown?: string }
  /** Why a predicate reads values whose origin cannot be traced (QueryWalker.untracedRead). */
  untracedRead?: string
}

export interface LineageContext {
  catalog?: SchemaCatalog
  /** Outputs of the cursors declared so far in the same text, by name. */
  cursors: Map<string, SqlOutput[]>
  /** For EXECUTE: the parse tree of the prepared statement, when it was resolved. */
  executed?: unknown
  /** Relations created earlier in the same text (CREATE TABLE, CREATE TABLE AS, CREATE VIEW), by name as written. */
  created: Map<string, Col[]>
  /** Views resolved so far in the same text, by schema.name: each definition is parsed once. */
  views: Map<string, Col[]>
}

/** SHOW reports a setting under its canonical name; these few are not lower case. */
const MIXED_CASE_SETTINGS: Record<string, string> = { datestyle: 'DateStyle', intervalstyle: 'IntervalStyle', timezone: 'TimeZone' }

const DML = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'])

/** PostgreSQL's own trigger functions (unqualified names resolve in pg_catalog first). */
const BUILTIN_TRIGGER_FUNCTIONS = new Set(['tsvector_update_trigger', 'tsvector_update_trigger_column', 'suppress_redundant_updates_trigger'])

/** The name of a function in pg_catalog: unqualified or qualified with it; '' for any other. */
const builtinName = (parts: string[]) => parts.length === 1 ? parts[0]! : parts.length === 2 && parts[0] === 'pg_catalog' ? parts[1]! : ''

/** `function(relation.*)`: a trigger's function over the whole row of its table. */
function wholeRowCall(trigger: PgObject): PgObject {
  const rel = bodyOf(trigger.relation, 'RangeVar') ?? (trigger.relation as PgObject)
  const star = { ColumnRef: { fields: [{ String: { sval: str(rel?.relname) ?? '' } }, { A_Star: {} }] } }
  return { FuncCall: { funcname: trigger.funcname, args: [star], funcformat: 'COERCE_EXPLICIT_CALL' } }
}

/** Lineage of one statement node, or undefined for statements that neither return rows nor read columns. */
export function statementLineage(name: string, body: PgObject, ctx: LineageContext): StatementLineage | undefined {
  const w = new QueryWalker(ctx.catalog, ctx.created, ctx.views)
  let cols: Col[] | undefined
  try {
    const result = walk(w, name, body, ctx)
    if (result === null) return undefined
    cols = result
  } catch (error) {
    // A lineage bug must not turn a statement into a parse error; its outputs become unknown instead.
    const reason = `lineage could not be computed (${error instanceof Error ? error.message : String(error)})`
    cols = [{ name: '*', lin: { ...unknown(reason), star: true } }]
    // What an EXPLAIN's plan carries is then not fully known either.
    w.carried.push(unknown(reason))
  }
  return {
    ...(cols ? { outputs: cols.map(toOutput) } : {}),
    ...(name === 'FetchStmt' ? { cursorDeclared: ctx.cursors.has(str(body.portalname) ?? '') } : {}),
    ...(name === 'ExplainStmt' ? { plan: planCarries(w) } : {}),
    ...(w.untracedRead !== undefined ? { untracedRead: w.untracedRead } : {}),
    predicates: [...w.predicates.values()],
    implicitCalls: [...w.implicitCalls],
    matchedCalls: [...w.matchedCalls],
    userCasts: [...w.userCasts],
    stored: w.stored,
  }
}

/** Output columns (undefined: no rows), or null when the statement is not one lineage applies to. */
function walk(w: QueryWalker, name: string, body: PgObject, ctx: LineageContext): Col[] | undefined | null {
  const top = new LineageScope()
  switch (name) {
    case 'SelectStmt': {
      const cols = w.query({ SelectStmt: body }, top)
      if (body.intoClause === undefined) return cols
      // SELECT INTO: a new table holding the query's rows.
      const into = bodyOf(body.intoClause, 'IntoClause')
      const rel = bodyOf(into?.rel, 'RangeVar')
      w.stored.push(...storedInColumns(rel ? written(rel) : null, rename(cols, names(into?.colNames))))
      return undefined
    }
    case 'ExplainStmt':
      explained(w, body.query, top)
      // The plan is text about the query: no data values, but the sizes of the rows its nodes carry (planCarries).
      return [{ name: 'QUERY PLAN', lin: { ...CONSTANT, safe: false } }]
    case 'DeclareCursorStmt': {
      // DECLARE returns no rows, but carries the rows FETCH will return: the policy judges them here,
      // and a gateway that tracks cursors across commands can keep them for a later FETCH.
      const cols = w.query(body.query, top)
      ctx.cursors.set(str(body.portalname) ?? '', cols.map(toOutput))
      return cols
    }
    case 'PrepareStmt': {
      // PREPARE returns no rows either, but carries the rows its statement returns when run by a protocol
      // Bind and Execute of its name (EXECUTE resolves the statement itself): the policy judges them here,
      // and the gateway keeps them for that Execute.
      const node = unwrap(body.query)
      const inner = node ? walk(w, node[0], node[1], { ...ctx, executed: undefined }) : unknownStar('the prepared statement could not be read')
      return inner === null ? undefined : inner
    }
    case 'FetchStmt': return fetch(body, ctx)
    case 'ExecuteStmt': return execute(w, body, ctx)
    case 'CopyStmt': return copy(w, body, top)
    case 'CreateTableAsStmt': {
      // Its rows are copies of the query's: a later read in the same text follows them.
      const into = bodyOf(body.into, 'IntoClause')
      const executes = unwrap(body.query)
      const rows = executes?.[0] === 'ExecuteStmt' ? execute(w, executes[1], ctx) ?? [] : w.query(body.query, top)
      const cols = rename(rows, names(into?.colNames))
      create(ctx, into?.rel, cols)
      // A materialized view keeps its query: the catalog follows its definition, as a view's. A table keeps
      // only the values, under its own column names.
      const rel = bodyOf(into?.rel, 'RangeVar')
      if (body.objtype !== 'OBJECT_MATVIEW') w.stored.push(...storedInColumns(rel ? written(rel) : null, cols))
      return undefined
    }
    case 'ViewStmt': {
      const cols = rename(w.query(body.query, top), names(body.aliases))
      if (body.replace === true) w.stored.push(...redefined(w, body.view, cols))
      create(ctx, body.view, cols)
      return undefined
    }
    case 'CreateStmt': {
      const rel = bodyOf(body.relation, 'RangeVar')
      const defs = list(body.tableElts).map((e) => bodyOf(e, 'ColumnDef'))
      const table = rel ? written(rel) : null
      const cols = defs.map((d) => ({ name: str(d?.colname) ?? '', lin: plain(table, str(d?.colname) ?? '') }))
      // LIKE, INHERITS or PARTITION OF bring columns the tree does not list: left to the catalog.
      if (rel && defs.every((d) => d !== undefined) && body.inhRelations === undefined && body.partbound === undefined) create(ctx, rel, cols)
      top.items.push({ names: [str(rel?.relname) ?? ''], table, columns: cols })
      for (const d of defs) if (d) w.stored.push(...columnExpressions(w, table, d, top))
      w.stored.push(...partitionBound(w, table, bodyOf(body.partbound, 'PartitionBoundSpec')))
      // Its CHECK and EXCLUDE constraints run on every row written later: INSERT … SELECT of masked values into
      // the new table fails or not on what they hold, as when a constraint is added to a table with rows.
      for (const e of list(body.tableElts)) {
        const d = bodyOf(e, 'ColumnDef')
        for (const c of d ? list(d.constraints) : [e]) rowChecks(w, bodyOf(c, 'Constraint'), top, str(d?.colname))
      }
      partitionKey(w, table, bodyOf(body.partspec, 'PartitionSpec'))
      return undefined
    }
    case 'AlterTableStmt': {
      const target = targetRelation(w, body.relation, [])
      top.items.push(target)
      for (const item of list(body.cmds)) {
        const cmd = bodyOf(item, 'AlterTableCmd')
        const def = bodyOf(cmd?.def, 'ColumnDef')
        // ALTER COLUMN … TYPE … USING expr rewrites the column with the expression's values, read from the same row.
        if (cmd?.subtype === 'AT_AlterColumnType' && def?.raw_default !== undefined) {
          w.stored.push(...storedInColumns(target.table, [{ name: str(cmd.name) ?? '', lin: exprLineage(def.raw_default, top, w) }]))
        } else if (cmd?.subtype === 'AT_AlterColumnType' && !castsWithoutFail(def?.typeName)) {
          // Without USING, every stored value is cast to the new type: a length limit or a domain's CHECK fails on some.
          w.computes(columnLineage(str(cmd.name) ?? '', top, w))
        } else if (cmd?.subtype === 'AT_DropExpression') {
          // DROP EXPRESSION keeps a generated column's stored values as the column's own: read as its expression's
          // lineage until now (g of `password`, masked as derived), afterwards as a plain column of its own name.
          const column = str(cmd.name) ?? ''
          w.stored.push(...storedInColumns(target.table, [{ name: column, lin: columnLineage(column, top, w) }]))
        } else if (cmd?.subtype === 'AT_ColumnDefault' && cmd.def !== undefined) {
          w.stored.push(...storedInColumns(target.table, [{ name: str(cmd.name) ?? '', lin: exprLineage(cmd.def, top, w) }]))
        } else if (cmd?.subtype === 'AT_AddColumn' && def) {
          w.stored.push(...columnExpressions(w, target.table, def, top))
          for (const c of list(def.constraints)) rowChecks(w, bodyOf(c, 'Constraint'), top, str(def.colname))
        } else if (cmd?.subtype === 'AT_AttachPartition' && body.objtype !== 'OBJECT_INDEX') {
          const attached = bodyOf(cmd.def, 'PartitionCmd')
          const part = bodyOf(attached?.name, 'RangeVar')
          w.stored.push(...partitionBound(w, part ? written(part) : null, bodyOf(attached?.bound, 'PartitionBoundSpec')))
          // A table attached as a partition: each of its rows is checked against the parent's bound, and handed to
          // the parent's row triggers (cloned onto it), made before the parent had any masked column.
          const scope = new LineageScope()
          scope.items.push(targetRelation(w, attached?.name, []))
          w.addPredicates(everyColumn(scope, w))
        } else if (cmd?.subtype === 'AT_DropInherit') w.stored.push(...leftUnder(w, cmd.def))
        else if (cmd?.subtype === 'AT_DetachPartition') w.stored.push(...leftUnder(w, { RangeVar: body.relation }))
        else if (cmd?.subtype === 'AT_AddConstraint') rowChecks(w, bodyOf(cmd.def, 'Constraint'), top)
        // VALIDATE CONSTRAINT checks every row against a CHECK or foreign key the statement does not show.
        else if (cmd?.subtype === 'AT_ValidateConstraint') w.addPredicates(everyColumn(top, w))
        // A table made a child: its rows are handed to the parent's triggers (a statement trigger's transition tables
        // hold the children's rows), made before the parent had any masked column.
        else if (cmd?.subtype === 'AT_AddInherit') w.addPredicates(everyColumn(top, w))
      }
      return undefined
    }
    case 'IndexStmt': {
      top.items.push(targetRelation(w, body.relation, []))
      for (const e of list(body.indexParams)) indexElement(w, bodyOf(e, 'IndexElem'), top)
      w.predicate(body.whereClause, top)
      return undefined
    }
    case 'ClusterStmt':
      clustered(w, body, top)
      return undefined
    case 'CreateDomainStmt': {
      // A domain's DEFAULT is computed into every column of the type a later INSERT leaves out, by a statement
      // that does not show it: kept as a column default is.
      const domain = names(body.domainname).join('.')
      for (const c of list(body.constraints)) {
        const constraint = bodyOf(c, 'Constraint')
        if (constraint?.contype === 'CONSTR_DEFAULT') w.stored.push(...storedInColumns(domain, [{ name: '*', lin: exprLineage(constraint.raw_expr, top, w) }]))
      }
      return undefined
    }
    case 'AlterDomainStmt': {
      if (body.subtype === 'T' && body.def !== undefined) {
        w.stored.push(...storedInColumns(names(body.typeName).join('.'), [{ name: '*', lin: exprLineage(body.def, top, w) }]))
      }
      // A CHECK added (valid) or validated checks every value of every column of the domain's type, which the
      // statement does not name.
      const added = bodyOf(body.def, 'Constraint')
      if ((body.subtype === 'C' && added?.contype === 'CONSTR_CHECK' && added.skip_validation !== true) || body.subtype === 'V') {
        w.addPredicates(untraced(`a constraint of domain ${names(body.typeName).join('.')} is checked against every value of the columns of that type`))
      }
      return undefined
    }
    case 'CreateTrigStmt':
    case 'RuleStmt': {
      // A trigger's WHEN, a rule's WHERE: evaluated on each row a later write touches, which then fails or not.
      top.items.push(targetRelation(w, body.relation, []))
      w.predicate(name === 'RuleStmt' ? body.whereClause : body.whenClause, top)
      // A trigger's function gets every column of the rows later writes touch (NEW, OLD, transition tables): read
      // as its call over the whole row, as `WHERE f(t.*)` would be. Built-in ones read only the columns their
      // arguments name (masks_stored.rego).
      if (name === 'CreateTrigStmt' && !BUILTIN_TRIGGER_FUNCTIONS.has(builtinName(names(body.funcname)))) w.predicate(wholeRowCall(body), top)
      // A rule ON SELECT ("_RETURN", or one making a table a view) is a view's definition: replaced, as by CREATE OR
      // REPLACE VIEW.
      const action = list(body.actions)[0]
      if (name === 'RuleStmt' && body.event === 'CMD_SELECT' && action !== undefined) w.stored.push(...redefined(w, body.relation, w.query(action, new LineageScope())))
      return undefined
    }
    case 'CreateStatsStmt': {
      const from = list(body.relations)
      if (from.length === 1) top.items.push(targetRelation(w, from[0], []))
      for (const e of list(body.exprs)) indexElement(w, bodyOf(e, 'StatsElem'), top)
      return undefined
    }
    case 'VariableShowStmt': {
      const given = str(body.name) ?? ''
      const setting = MIXED_CASE_SETTINGS[given] ?? given
      const value = { ...CONSTANT, safe: false }
      if (setting === 'all') return ['name', 'setting', 'description'].map((n) => ({ name: n, lin: value }))
      return [{ name: setting, lin: value }]
    }
    case 'CallStmt': {
      const call = bodyOf(body.funccall, 'FuncCall')
      const fn = names(call?.funcname).join('.')
      return [{ name: '*', lin: { ...unknown(`CALL ${fn}: what a procedure returns is not known`, [fn]), star: true } }]
    }
    default: {
      if (!DML.has(name)) return null
      const cols = w.query({ [name]: body }, top)
      const returns = body.returningClause !== undefined || list(body.returningList).length > 0
      return returns ? cols : undefined
    }
  }
}

/** The statement an EXPLAIN plans, walked for what its rows carry; one whose query the text does not show is unknown. */
function explained(w: QueryWalker, node: unknown, scope: LineageScope): void {
  const n = unwrap(node)
  if (!n) return
  const [name, body] = n
  if (name === 'DeclareCursorStmt' || name === 'CreateTableAsStmt') return explained(w, body.query, scope)
  if (name === 'ExecuteStmt') w.carried.push(unknown('EXPLAIN EXECUTE plans a prepared statement the text does not show'))
  else w.query(node, scope)
}

/**
 * What an EXPLAIN's plan carries: every query level's rows (a scan under count(password) carries password), the
 * conditions' columns (a join filter is evaluated above the scan that reads them) and the values written. EXPLAIN
 * prints their sizes (width=, from the column statistics; with ANALYZE, the memory a sort or hash of them took).
 */
function planCarries(w: QueryWalker): { columns: SqlColumnRef[]; unknown?: string } {
  const columns = new Map<string, SqlColumnRef>()
  const add = (c: SqlColumnRef) => columns.set(`${c.table}\u0000${c.column}`, { table: c.table, column: c.column })
  let why: string | undefined
  for (const lin of [...w.carried, ...w.stored.map((s) => ({ kind: s.lineage, sources: s.sources, reason: s.reason }))]) {
    for (const c of lin.sources) add(c)
    if (lin.kind === 'unknown') why ??= lin.reason ?? 'a source Warden cannot trace'
  }
  for (const p of w.predicates.values()) add(p)
  return { columns: [...columns.values()], ...(why !== undefined ? { unknown: why } : {}) }
}

/**
 * A column's DEFAULT and GENERATED expressions: what the column will hold. A generated column's reads of its row
 * are followed by the catalog when it is read (lineage-from.ts), so only the calls are kept here: a function
 * declared IMMUTABLE may still read any table.
 */
function columnExpressions(w: QueryWalker, table: string | null, def: PgObject, scope: LineageScope): SqlStored[] {
  const out: SqlStored[] = []
  for (const c of list(def.constraints)) {
    const constraint = bodyOf(c, 'Constraint')
    if (constraint?.raw_expr === undefined || (constraint.contype !== 'CONSTR_DEFAULT' && constraint.contype !== 'CONSTR_GENERATED')) continue
    const lin = exprLineage(constraint.raw_expr, scope, w)
    const generated = constraint.contype === 'CONSTR_GENERATED'
    const kept = generated && lin.kind !== 'unknown' ? { ...lin, sources: [] } : lin
    out.push(...storedInColumns(table, [{ name: str(def.colname) ?? '', lin: kept }]))
    // Computed for every row the table holds and coerced to the column's type: a domain's CHECK, a length limit or a
    // cast runs over each value (`ADD COLUMN password_copy kept_text GENERATED ALWAYS AS (password) STORED`).
    if (generated && !castsWithoutFail(def.typeName)) {
      out.push(...storedInColumns(table, [{ name: str(def.colname) ?? '', lin }]).map((v) => ({ ...v, checked: true as const })))
    }
  }
  return out
}

/**
 * NO INHERIT and DETACH PARTITION take a table's rows out from under a parent whose column it computes by a generation
 * expression of its own (CatalogRelation.generated_under, read as untraced): a materialized view refreshed over the
 * parent before keeps those rows, and would read them as the parent's column, plain again once no table under it
 * computes it. Kept as writing untraced values into those columns of the parent.
 */
function leftUnder(w: QueryWalker, parent: unknown): SqlStored[] {
  const rv = bodyOf(parent, 'RangeVar')
  const name = str(rv?.relname)
  if (!rv || name === undefined || !w.schema) return []
  const found = w.schema.relation(str(rv.schemaname) ?? null, name)
  if (!found?.generated_under) return []
  const table = `${found.schema}.${found.name}`
  const why = (c: string) => `a materialized view over ${table} may keep rows of a table under it, which computed ${c} by a generation expression of its own`
  return storedInColumns(table, found.generated_under.map((c) => ({ name: c, lin: untraced(why(c)) })))
}

/**
 * A partition's bounds (FOR VALUES IN / FROM … TO / WITH): expressions the server computes once and keeps as constants
 * in the catalog, where pg_get_expr(relpartbound) or \d+ reads them back: kept as a column default is (a function's
 * result there is whatever it read). MINVALUE and MAXVALUE parse as column names.
 */
function partitionBound(w: QueryWalker, table: string | null, bound: PgObject | undefined): SqlStored[] {
  if (!bound) return []
  const out: SqlStored[] = []
  for (const datum of [...list(bound.listdatums), ...list(bound.lowerdatums), ...list(bound.upperdatums)]) {
    const ref = names(bodyOf(datum, 'ColumnRef')?.fields)
    if (ref.length === 1 && (ref[0] === 'minvalue' || ref[0] === 'maxvalue')) continue
    out.push(...storedInColumns(table, [{ name: '*', lin: exprLineage(datum, new LineageScope(), w) }]))
  }
  return out
}

/** The lineage of column `name` as the relations of `scope` give it (a column a statement names without writing it). */
function columnLineage(name: string, scope: LineageScope, w: QueryWalker): Lin {
  return exprLineage({ ColumnRef: { fields: [{ String: { sval: name } }] } }, scope, w)
}

/**
 * What the server evaluates over the rows a table already holds when a constraint is added (CHECK, EXCLUDE, FOREIGN
 * KEY): whether the statement fails tells what they hold, as a WHERE's rows do, so its expressions are read as
 * conditions. A foreign key joins its columns (`column`, for one declared on a column) with the referenced table's:
 * over a table of guesses, as `password IN (SELECT p FROM guesses)` would. NOT VALID skips the rows held now, but
 * a later write of another column of a row checks it again.
 */
function rowChecks(w: QueryWalker, constraint: PgObject | undefined, scope: LineageScope, column?: string): void {
  if (constraint?.contype === 'CONSTR_CHECK') w.predicate(constraint.raw_expr, scope)
  if (constraint?.contype === 'CONSTR_FOREIGN') {
    const columns = constraint.fk_attrs === undefined ? [column ?? ''] : list(constraint.fk_attrs).map((a) => str(bodyOf(a, 'String')?.sval) ?? '')
    for (const c of columns) w.addPredicates(columnLineage(c, scope, w))
    w.addPredicates(referencedKey(w, constraint))
  }
  if (constraint?.contype !== 'CONSTR_EXCLUSION') return
  for (const pair of list(constraint.exclusions)) indexElement(w, bodyOf(list(bodyOf(pair, 'List')?.items)[0], 'IndexElem'), scope)
  w.predicate(constraint.where_clause, scope)
}

/**
 * The columns a foreign key references: every later write of the referencing columns is looked up there, and fails
 * (23503) when the value is not held, so `INSERT INTO probe_fk SELECT k FROM guesses` tests a dictionary against
 * `credentials (password)` in one statement. Without a column list it is the referenced table's primary key: one of
 * its unique keys (any column, where the catalog does not list them).
 */
function referencedKey(w: QueryWalker, constraint: PgObject): Lin {
  const scope = new LineageScope()
  const ref = targetRelation(w, constraint.pktable, [])
  scope.items.push(ref)
  const listed = list(constraint.pk_attrs).map((a) => str(bodyOf(a, 'String')?.sval) ?? '')
  const columns = listed.length > 0 ? listed : ref.uniqueKeys !== undefined ? [...new Set(ref.uniqueKeys.flat())] : undefined
  if (columns === undefined) return everyColumn(scope, w)
  return union(columns.map((c) => columnLineage(c, scope, w)))
}

/**
 * An index's (or extended statistics') expression, computed over every row when it is built (at ANALYZE for
 * statistics): an error or a unique violation it raises tells what it read. A plain column computes nothing.
 */
function indexElement(w: QueryWalker, elem: PgObject | undefined, scope: LineageScope): void {
  if (elem?.expr === undefined || bodyOf(elem.expr, 'ColumnRef')) return
  w.computes(exprLineage(elem.expr, scope, w))
}

/**
 * CLUSTER writes a table's rows again in the order of one of its indexes (the one USING names, or the one ALTER
 * TABLE … CLUSTER ON marked), and every later read without ORDER BY gives them back in that order: ordered by the
 * index's columns, as ORDER BY would. The catalog does not say which columns an index holds, so the rows count as
 * ordered by every column of the table. CLUSTER with no table does so to every table clustered before, by indexes
 * the statement does not show.
 */
function clustered(w: QueryWalker, body: PgObject, scope: LineageScope): void {
  if (body.relation === undefined) {
    w.addPredicates(untraced('CLUSTER with no table writes every table clustered before again in the order of an index the statement does not name'))
    return
  }
  scope.items.push(targetRelation(w, body.relation, []))
  w.addPredicates(everyColumn(scope, w))
}

/** Every column of the relations in scope, as one value; without a catalog, columns no one can tell. */
function everyColumn(scope: LineageScope, w: QueryWalker): Lin {
  const lin = exprLineage({ ColumnRef: { fields: [{ A_Star: {} }] } }, scope, w)
  if (lin.untraced !== undefined || !lin.sources.some((s) => s.column === '*')) return lin
  return { ...lin, untraced: `the columns of ${lin.sources.map((s) => s.table ?? '?').join(', ')} are not known` }
}

/**
 * A partition key: every row of a table attached later (ATTACH PARTITION) is checked against the bounds, which
 * fails or not on its values. Its columns count as computed on, by name: with LIKE, the tree lists none of them.
 */
function partitionKey(w: QueryWalker, table: string | null, spec: PgObject | undefined): void {
  for (const p of list(spec?.partParams)) {
    const elem = bodyOf(p, 'PartitionElem')
    const columns = elem?.name !== undefined ? [str(elem.name) ?? ''] : columnNames(elem?.expr)
    for (const column of columns) w.computes(plain(table, column))
  }
}

/** The last name of every column reference in an expression tree. */
function columnNames(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) columnNames(item, out)
  else if (node !== null && typeof node === 'object') {
    const n = unwrap(node)
    const last = n?.[0] === 'ColumnRef' ? list(n[1].fields).at(-1) : undefined
    const name = last === undefined ? undefined : str(bodyOf(last, 'String')?.sval)
    if (name !== undefined) out.push(name)
    else for (const value of Object.values(node)) columnNames(value, out)
  }
  return out
}

/** A type any text casts to without failing: text, or varchar without a length (pg_catalog's). */
function castsWithoutFail(typeName: unknown): boolean {
  const t = bodyOf(typeName, 'TypeName')
  if (!t || list(t.typmods).length > 0 || t.arrayBounds !== undefined) return false
  const n = names(t.names).join('.')
  return n === 'text' || n === 'pg_catalog.text' || n === 'pg_catalog.varchar'
}

function written(rel: PgObject): string {
  const schema = str(rel.schemaname)
  const name = str(rel.relname) ?? ''
  return schema === undefined ? name : `${schema}.${name}`
}

/**
 * CREATE OR REPLACE VIEW keeps the view and its columns: code made on it before (a rule's action, a function's body)
 * reads the new definition's values as it read the old one's, judged when it was made. A column whose sources change
 * counts as written with its new values (`x`, label before and password now, put every password in a rule's table);
 * a column added at the end, or a view made anew, as the view's own.
 */
function redefined(w: QueryWalker, view: unknown, cols: Col[]): SqlStored[] {
  const rel = bodyOf(view, 'RangeVar')
  if (!rel || !w.schema) return []
  const known = w.created.has(written(rel)) || w.schema.relation(str(rel.schemaname) ?? null, str(rel.relname) ?? '', { current: true }) !== undefined
  if (!known) return []
  const before = targetRelation(w, view, [])
  const sources = (lin: Lin) => JSON.stringify([lin.kind, lin.reason ?? '', [...new Set(lin.sources.map((s) => `${s.table}.${s.column}`))].sort()])
  return cols.flatMap((c) => {
    const old = before.columns?.find((o) => o.name === c.name)?.lin
    if (before.columns !== undefined && old === undefined) return []
    return old !== undefined && sources(old) === sources(c.lin) ? [] : storedInColumns(before.table, [c])
  })
}

function create(ctx: LineageContext, value: unknown, cols: Col[]): void {
  const rel = bodyOf(value, 'RangeVar')
  if (rel) ctx.created.set(written(rel), cols)
}

function unknownStar(reason: string): Col[] {
  return [{ name: '*', lin: { ...unknown(reason), star: true } }]
}

/** FETCH returns the cursor's rows; MOVE returns none. */
function fetch(body: PgObject, ctx: LineageContext): Col[] | undefined {
  if (body.ismove === true) return undefined
  const cursor = str(body.portalname) ?? ''
  const outputs = ctx.cursors.get(cursor)
  if (!outputs) return unknownStar(`cursor ${cursor} was declared in an earlier command`)
  return outputs.map((o) => ({
    name: o.name,
    lin: { kind: o.lineage, sources: o.sources, safe: o.safe === true, functions: o.functions ?? [], ...(o.reason ? { reason: o.reason } : {}), ...(o.star ? { star: true } : {}) },
  }))
}

/**
 * EXECUTE runs the prepared statement with its arguments as the parameters: expressions computed here (a function's
 * result, `EXECUTE p(get_key())`), whose values go wherever the statement puts $1, $2 … (a result column, a column
 * written), so each parameter carries its argument's lineage there.
 */
function execute(w: QueryWalker, body: PgObject, ctx: LineageContext): Col[] | undefined {
  const name = str(body.name) ?? ''
  const node = unwrap(ctx.executed)
  if (!node) return unknownStar(`prepared statement ${name} is not known`)
  const outer = w.parameters
  w.parameters = list(body.params).map((p) => exprLineage(p, new LineageScope(), w))
  try {
    const inner = walk(w, node[0], node[1], { ...ctx, executed: undefined })
    return inner === null ? undefined : inner
  } finally {
    w.parameters = outer
  }
}

/** COPY … TO STDOUT sends rows: the query's, or the table's (listed) columns. */
function copy(w: QueryWalker, body: PgObject, top: LineageScope): Col[] | undefined {
  if (body.is_from === true && body.relation !== undefined) {
    copyFrom(w, body)
    return undefined
  }
  const toClient = body.is_from !== true && body.is_program !== true && str(body.filename) === undefined
  const cols = body.query !== undefined ? w.query(body.query, top) : tableColumns(w, body, top)
  return toClient ? cols : undefined
}

/** What COPY FROM writes: rows the client sends (or a file, a program gives), as many guesses as it likes. */
const COPIED: Lin = { kind: 'derived', sources: [], safe: false, functions: [] }

/**
 * COPY FROM puts the rows it reads into the listed columns (every column without a list): matched with the stored
 * rows by the table's unique indexes as an INSERT's are (QueryWalker.uniqueWrites), with values the text does not give.
 */
function copyFrom(w: QueryWalker, body: PgObject): void {
  const target = targetRelation(w, { RangeVar: body.relation }, [])
  const listed = names(body.attlist)
  const columns = listed.length > 0 ? listed : fullyKnown(target) ? (target.columns ?? []).map((c) => c.name) : []
  target.assigned = new Map(columns.map((c) => [c, COPIED]))
  if (columns.length === 0) target.assignedAll = COPIED
  w.uniqueWrites(target, () => false, () => false)
}

function tableColumns(w: QueryWalker, body: PgObject, top: LineageScope): Col[] {
  if (body.relation === undefined) return []
  fromItems(w, [{ RangeVar: body.relation }], top)
  const listed = names(body.attlist)
  const item = top.items[0]
  if (!item) return []
  if (listed.length === 0) {
    const out: Col[] = []
    expand(item, out, undefined)
    return out
  }
  return listed.map((n) => ({ name: n, lin: top.column(n)?.[0] ?? unknown(`column ${n} not found`) }))
}
