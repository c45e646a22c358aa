// Lineage of one query level and of the statements that return rows from one (SELECT, VALUES, set
// operations, INSERT/UPDATE/DELETE/MERGE … RETURNING): output columns in order, plus the base columns
// its predicates read. FROM items are resolved by lineage-from.ts, expressions by lineage-expr.ts.
import type { SqlColumnRef, SqlPredicate, SqlStored } from '../../types.ts'
import type { PgObject } from './ast.ts'
import { bodyOf, constText, isObject, list, names, str, unwrap } from './ast.ts'
import type { SchemaCatalog } from './builder.ts'
import { collect, exprLineage, type ExprContext, notDocumentRow } from './lineage-expr.ts'
import { fromItems, returningNames, targetRelation } from './lineage-from.ts'
import { columnName } from './lineage-names.ts'
import { LineageScope, type Rel, expand, fullyKnown, relColumn } from './lineage-scope.ts'
import { storedInFunction, storedInTarget } from './lineage-stored.ts'
import { Acc, type Col, CONSTANT, type Lin, plain, rowsUnion, union, unknown } from './lineage-value.ts'

/** Views followed inside views beyond this are unknown rather than parsed again. */
export const MAX_VIEW_DEPTH = 4

/** MaxTupleAttributeNumber: the most entries a PostgreSQL target list may have. */
const MAX_TARGET_COLUMNS = 1664

export class QueryWalker implements ExprContext {
  readonly catalog: boolean
  readonly schema: SchemaCatalog | undefined
  readonly predicates = new Map<string, SqlPredicate>()
  readonly implicitCalls = new Set<string>()
  readonly userCasts = new Set<string>()
  /**
   * Functions a condition over candidates, or a number of rows, reads (`n = f(1)`): one that may read tables may
   * return a masked value the matching rows carry out, which no predicate column shows.
   */
  readonly matchedCalls = new Set<string>()
  /** Values kept on the server: columns written, arguments of keeping calls (lineage-stored.ts). */
  readonly stored: SqlStored[] = []
  /**
   * Why a condition, ordering, grouping, number of rows or computed value reads values whose origin Warden cannot
   * trace (Lin.untraced): a masked value copied there would answer through row counts and errors as a predicate does.
   */
  untracedRead: string | undefined
  /** What the rows of every query level hold (target lists at any depth, RETURNING): a plan's nodes carry them. */
  readonly carried: Lin[] = []
  /** Relations created earlier in the same text, by name as written. */
  readonly created: ReadonlyMap<string, Col[]>
  /** Views already resolved in this statement, by schema.name (shared with the walkers of view definitions). */
  readonly views: Map<string, Col[]>
  readonly viewDepth: number
  /** The lineage of EXECUTE's arguments while the prepared statement it runs is walked ($1 first). */
  parameters: Lin[] | undefined
  /** The materialized view whose definition this walker follows (schema.name), when it follows one. */
  readonly refreshed: string | undefined

  constructor(schema: SchemaCatalog | undefined, created: ReadonlyMap<string, Col[]> = new Map(), views = new Map<string, Col[]>(), viewDepth = 0, refreshed?: string) {
    this.schema = schema
    this.catalog = schema !== undefined
    this.created = created
    this.views = views
    this.viewDepth = viewDepth
    this.refreshed = refreshed
  }

  parameter(n: number): Lin | undefined {
    return this.parameters?.[n - 1]
  }

  implicit(name: string): void {
    this.implicitCalls.add(name)
  }

  userCast(name: string): void {
    this.userCasts.add(name)
  }

  kept(name: string, lin: Lin): void {
    this.stored.push(storedInFunction(name, lin))
  }

  /** Base columns an expression reads, recorded as predicates; a column only looked up by value is marked so. */
  predicate(node: unknown, scope: LineageScope): void {
    if (node === undefined) return
    const acc = new Acc()
    this.predicateParts(node, scope, acc)
    this.addPredicates(acc.lin())
  }

  /** AND / OR / NOT and lists are split; a lookup (see lookupColumn) of a plain column is recorded as one, the rest collected. */
  private predicateParts(node: unknown, scope: LineageScope, acc: Acc): void {
    if (Array.isArray(node)) {
      for (const item of node) this.predicateParts(item, scope, acc)
      return
    }
    const bool = bodyOf(node, 'BoolExpr')
    if (bool) {
      for (const arg of list(bool.args)) this.predicateParts(arg, scope, acc)
      return
    }
    const column = lookupColumn(node)
    const lin = column === undefined ? undefined : exprLineage(column, scope, this)
    // A value read by literal keys is looked up as the column named by its last key would be.
    if (lin?.kind === 'plain' || lin?.untraced !== undefined || (lin?.document && !lin.computed)) return this.addPredicates(lin, true)
    const doc = documentLookup(node)
    const whole = doc === undefined ? undefined : exprLineage(doc, scope, this)
    // Key existence, or containment of a document the text gives, matches whole keys and values only.
    if (whole?.kind === 'plain' && whole.document) return this.addPredicates({ ...whole, document: false })
    const condition = new Acc()
    collect(node, scope, this, condition, false)
    const read = condition.lin()
    acc.add(read, false)
    this.relate(read, this.join(node, scope))
  }

  /** `a = b` of two columns each read as stored (plain): a join, which copies no value the other's rows do not hold. */
  private join(node: unknown, scope: LineageScope): boolean {
    const e = bodyOf(node, 'A_Expr')
    if (!e || e.kind !== 'AEXPR_OP' || names(e.name).join() !== '=') return false
    return [e.lexpr, e.rexpr].every((side) => bareColumn(side) !== undefined && exprLineage(side, scope, this).kind === 'plain')
  }

  /**
   * A condition that reads a base column together with other values: other base columns (unless it only compares
   * two stored columns, a join), or candidates (Lin.candidates). Such a condition can copy the column's value
   * into rows that are not masked (`ascii(substr(email, g, 1)) = n` over generate_series); a policy sees each with
   * `against` and `against_candidates`.
   */
  private relate(lin: Lin, join: boolean): void {
    if (lin.candidates) for (const f of lin.functions) this.matchedCalls.add(f)
    if (lin.sources.length === 0 || (join && !lin.candidates) || (lin.sources.length === 1 && !lin.candidates)) return
    for (const s of lin.sources) {
      const against = join ? [] : lin.sources.filter((o) => o !== s).map((o) => ({ table: o.table, column: o.column }))
      this.record(s, false, against, lin.candidates === true)
    }
  }

  /**
   * UNION, INTERSECT and EXCEPT (all but UNION ALL), and plain DISTINCT, compare whole output rows: the server sorts
   * or hashes them by every column, and sorted they come back in that order, as GROUP BY of every column gives them
   * (`SELECT DISTINCT password, id` gave the ids in password order), so each column is grouped on. One holding a
   * masked value in one branch and candidates in another is matched against them, as by `=`
   * (`count(*) FROM (SELECT g INTERSECT SELECT ascii(email) …)` is 1 at the code point).
   */
  private comparesRows(body: PgObject, outputs: readonly Col[]): void {
    if (body.op === 'SETOP_UNION' && body.all === true) return
    for (const c of outputs) {
      if (c.lin.candidates) this.condition(c.lin)
      else if (!c.lin.safe) this.addPredicates(c.lin)
    }
  }

  /** A computed value fails or runs long depending on what it reads: its columns count as predicates. */
  computes(lin: Lin): void {
    this.addPredicates(lin)
  }

  /**
   * A number of rows (LIMIT, OFFSET, a frame offset, generate_series' bounds): computed from a column, the rows it
   * counts off give that number back whole, as candidates matched against it would.
   */
  count(node: unknown, scope: LineageScope): void {
    const acc = new Acc()
    collect(node, scope, this, acc, false)
    this.counts(acc.lin())
  }

  counts(lin: Lin): void {
    this.untracedRead ??= untracedWhy(lin)
    for (const f of lin.functions) this.matchedCalls.add(f)
    for (const s of lin.sources) this.record(s, false, [], true)
  }

  /** A value that decides which rows come back or their order (an output grouped or ordered by, a function in FROM). */
  condition(lin: Lin): void {
    this.addPredicates(lin)
    this.relate(lin, false)
  }

  /** Any use other than a lookup makes a column's entry a plain predicate. */
  addPredicates(lin: Lin, lookup = false): void {
    if (!lookup) this.untracedRead ??= untracedWhy(lin)
    for (const s of lin.sources) this.record(s, lookup, [], false)
  }

  private record(s: SqlColumnRef, lookup: boolean, against: SqlColumnRef[], candidates: boolean): void {
    const key = `${s.table ?? ''}\u0000${s.column}`
    const seen = this.predicates.get(key)
    const entry: SqlPredicate = { table: s.table, column: s.column }
    if (lookup && (!seen || seen.lookup)) entry.lookup = true
    const others = [...(seen?.against ?? [])]
    for (const o of against) if (!others.some((x) => x.table === o.table && x.column === o.column)) others.push(o)
    if (others.length > 0) entry.against = others
    if (candidates || seen?.against_candidates) entry.against_candidates = true
    this.predicates.set(key, entry)
  }

  query(node: unknown, scope: LineageScope): Col[] {
    const n = unwrap(node)
    if (!n) return []
    const [name, body] = n
    switch (name) {
      case 'SelectStmt': return this.select(body, scope)
      case 'InsertStmt': return this.insert(body, scope)
      case 'UpdateStmt': return this.update(body, scope)
      case 'DeleteStmt': return this.delete(body, scope)
      case 'MergeStmt': return this.merge(body, scope)
      default: return []
    }
  }

  select(body: PgObject, outer: LineageScope): Col[] {
    const scope = new LineageScope(outer)
    this.withClause(body.withClause, scope)
    let outputs: Col[]
    if (str(body.op) !== undefined && body.op !== 'SETOP_NONE') {
      outputs = setOperation(this.select(bodyOf(body.larg, 'SelectStmt') ?? {}, scope), this.select(bodyOf(body.rarg, 'SelectStmt') ?? {}, scope))
      this.comparesRows(body, outputs)
    } else if (body.valuesLists !== undefined) {
      outputs = this.values(body.valuesLists, scope)
    } else {
      fromItems(this, body.fromClause, scope)
      outputs = this.targets(body.targetList, scope)
      for (const key of ['whereClause', 'havingClause', 'groupClause', 'distinctClause'] as const) this.predicate(body[key], scope)
      // Plain DISTINCT (a list holding one empty item) compares whole output rows, as UNION does.
      if (list(body.distinctClause).some((item) => unwrap(item) === undefined)) this.comparesRows({ op: 'SETOP_UNION' }, outputs)
      // GROUP BY 1, DISTINCT ON (1): the output at that position.
      for (const item of [...list(body.groupClause), ...list(body.distinctClause)]) {
        const position = unwrap(item)?.[0] === 'A_Const' ? Number(constText(item)) : NaN
        const output = Number.isInteger(position) ? outputs[position - 1] : undefined
        if (output) this.condition(output.lin)
      }
      const windows = list(body.windowClause).map((w) => bodyOf(w, 'WindowDef'))
      this.predicate(windows.map((w) => [w?.partitionClause, w?.orderClause]), scope)
      // A frame's offsets (ROWS n PRECEDING) count rows.
      this.count(windows.map((w) => [w?.startOffset, w?.endOffset]), scope)
    }
    // LIMIT and OFFSET, of any query (a set operation's, VALUES'), count rows off.
    this.count([body.limitOffset, body.limitCount], scope)
    this.sortClause(body.sortClause, outputs, scope)
    return outputs
  }

  /** Output columns of a target list (SELECT list, RETURNING). */
  targets(items: unknown, scope: LineageScope): Col[] {
    const out: Col[] = []
    for (const item of list(items)) {
      // PostgreSQL refuses longer target lists. Checked after every item, stars included, so no relation
      // (a CTE, a subquery) is ever wider than that: nested stars cannot multiply the work.
      if (out.length > MAX_TARGET_COLUMNS) throw new Error(`target lists can have at most ${MAX_TARGET_COLUMNS} entries`)
      const res = bodyOf(item, 'ResTarget')
      if (!res) continue
      const ref = bodyOf(res.val, 'ColumnRef')
      const fields = list(ref?.fields)
      if (ref && unwrap(fields[fields.length - 1])?.[0] === 'A_Star') {
        this.star(names(fields), scope, out)
        continue
      }
      const row = rowStar(res.val, scope)
      if (row) {
        this.star([row], scope, out)
        continue
      }
      const name = str(res.name) ?? columnName(res.val, (sub) => this.firstName(sub, scope))
      out.push({ name, lin: exprLineage(res.val, scope, this) })
    }
    if (out.length > MAX_TARGET_COLUMNS) throw new Error(`target lists can have at most ${MAX_TARGET_COLUMNS} entries`)
    for (const c of out) this.carried.push(c.lin)
    return out
  }

  /** `*` or `t.*` in a target list: one output per column. */
  private star(qualifiers: string[], scope: LineageScope, out: Col[]): void {
    // Each column as exprLineage gives it: a composite one is a row the masks cannot see into.
    const columns = (cols: Col[]) => cols.map((c) => ({ name: c.name, lin: notDocumentRow(c.lin) }))
    if (qualifiers.length === 0) {
      out.push(...columns(scope.star()))
      return
    }
    const rel = scope.rel(qualifiers.slice(-2).join('.')) ?? scope.rel(qualifiers[qualifiers.length - 1] as string)
    if (rel) {
      const cols: Col[] = []
      expand(rel, cols, undefined)
      out.push(...columns(cols))
    }
    else out.push({ name: '*', lin: { kind: 'unknown', sources: [], safe: false, functions: [], reason: `${qualifiers.join('.')}.* names no relation in scope`, star: true } })
  }

  /** The name of a subquery's first output (a scalar subquery takes it). */
  private firstName(sub: unknown, scope: LineageScope): string | undefined {
    const select = bodyOf(sub, 'SelectStmt')
    if (!select) return undefined
    const first = bodyOf(list(select.targetList)[0], 'ResTarget')
    if (first && str(first.name) !== undefined) return str(first.name)
    if (first) return columnName(first.val, (inner) => this.firstName(inner, scope))
    const larg = bodyOf(select.larg, 'SelectStmt')
    return larg ? this.firstName({ SelectStmt: larg }, scope) : select.valuesLists !== undefined ? 'column1' : undefined
  }

  private values(rows: unknown, scope: LineageScope): Col[] {
    const columns: Lin[][] = []
    for (const row of list(rows)) {
      list(row).forEach((value, i) => {
        ;(columns[i] ??= []).push(exprLineage(value, scope, this))
      })
    }
    return columns.map((lins, i) => ({ name: `column${i + 1}`, lin: rowsUnion(lins) }))
  }

  /** ORDER BY: an output position or output name sorts by that output; anything else reads the FROM items. */
  private sortClause(items: unknown, outputs: Col[], scope: LineageScope): void {
    let byName: Map<string, Col> | undefined
    for (const item of list(items)) {
      const sort = bodyOf(item, 'SortBy')
      if (!sort) continue
      const position = unwrap(sort.node)?.[0] === 'A_Const' ? Number(constText(sort.node)) : NaN
      const ref = names(bodyOf(sort.node, 'ColumnRef')?.fields)
      if (ref.length === 1 && !byName) {
        byName = new Map()
        for (const o of outputs) if (!byName.has(o.name)) byName.set(o.name, o)
      }
      const output = Number.isInteger(position) ? outputs[position - 1] : ref.length === 1 ? byName?.get(ref[0] as string) : undefined
      if (output) this.condition(output.lin)
      else this.predicate(sort.node, scope)
    }
  }

  withClause(value: unknown, scope: LineageScope): void {
    const clause = bodyOf(value, 'WithClause')
    if (!clause) return
    const ctes = list(clause.ctes).map((c) => bodyOf(c, 'CommonTableExpr')).filter((c): c is PgObject => c !== undefined)
    const recursive = clause.recursive === true
    if (recursive) for (const cte of ctes) scope.setCte(str(cte.ctename) ?? '', undefined)
    for (const cte of ctes) {
      const name = str(cte.ctename) ?? ''
      const aliases = names(cte.aliascolnames)
      const cols = rename(recursive ? this.recursiveCte(cte, name, aliases, scope) : this.query(cte.ctequery, scope), aliases)
      // SEARCH … BY orders the rows by the columns it names (its sequence column carries that order), CYCLE compares them.
      const search = isObject(cte.search_clause) ? cte.search_clause.search_col_list : undefined
      const cycle = isObject(cte.cycle_clause) ? cte.cycle_clause.cycle_col_list : undefined
      for (const n of [...names(search), ...names(cycle)]) this.addPredicates(cols.find((c) => c.name === n)?.lin ?? union(cols.map((c) => c.lin)))
      scope.setCte(name, cols)
    }
  }

  /**
   * WITH RECURSIVE name AS (base UNION recursive): the recursive term is walked with the base term's
   * lineage, then again with the merged one; if a second pass still changes anything (columns feeding
   * each other in a cycle), every column gets the lineage of all of them.
   */
  private recursiveCte(cte: PgObject, name: string, aliases: string[], scope: LineageScope): Col[] {
    const select = bodyOf(cte.ctequery, 'SelectStmt')
    const larg = bodyOf(select?.larg, 'SelectStmt')
    const rarg = bodyOf(select?.rarg, 'SelectStmt')
    if (!select || !larg || !rarg || select.op === 'SETOP_NONE') return this.query(cte.ctequery, scope)
    const base = this.select(larg, scope)
    scope.setCte(name, rename(base, aliases))
    const first = setOperation(base, this.select(rarg, scope))
    this.comparesRows(select, first)
    scope.setCte(name, rename(first, aliases))
    const second = setOperation(base, this.select(rarg, scope))
    if (second.every((c, i) => first[i] && c.lin.sources.length === first[i]?.lin.sources.length && c.lin.kind === first[i]?.lin.kind)) return second
    const all = union(second.map((c) => c.lin))
    return second.map((c) => ({ name: c.name, lin: all }))
  }

  private insert(body: PgObject, outer: LineageScope): Col[] {
    const ctes = new LineageScope(outer)
    this.withClause(body.withClause, ctes)
    const source = body.selectStmt === undefined ? [] : this.query(body.selectStmt, ctes)
    const scope = new LineageScope(ctes)
    const target = targetRelation(this, body.relation, ['excluded'], returns(body))
    const cols = list(body.cols).map((c) => str(bodyOf(c, 'ResTarget')?.name) ?? '')
    const names = cols.length > 0 ? cols : fullyKnown(target) ? (target.columns ?? []).map((c) => c.name) : []
    if (source.some((c) => c.lin.star === true) || (names.length === 0 && source.length > 0)) target.assignedAll = union(source.map((c) => c.lin))
    else names.forEach((n, i) => source[i] && assign(target, n, source[i].lin))
    scope.items.push(target)
    const conflict = bodyOf(body.onConflictClause, 'OnConflictClause')
    if (conflict) {
      this.assignments(conflict.targetList, target, scope)
      this.predicate([conflict.whereClause, conflict.infer], scope)
      this.conflictMatch(conflict, target, (n) => {
        const at = names.indexOf(n)
        if (source.some((c) => c.lin.star === true) || (names.length === 0 && source.length > 0)) return union(source.map((c) => c.lin))
        return at < 0 ? CONSTANT : (source[at]?.lin ?? CONSTANT)
      })
    }
    const updated = new Set(list(conflict?.targetList).map((t) => str(bodyOf(t, 'ResTarget')?.name) ?? ''))
    this.uniqueWrites(target, (column) => updated.has(column))
    this.stored.push(...storedInTarget(target, this.checkedOf(target)))
    return this.returning(body, scope, target)
  }

  /**
   * ON CONFLICT matches each row written with the stored rows by a unique index's columns: those its target names,
   * or, for a constraint or no target, any column. Compared with values the text gives, such a column is looked up;
   * with values a query reads (a table of guesses, generate_series), it is matched against them as by `password IN
   * (SELECT p FROM guesses)`: which rows went in, or what DO UPDATE … RETURNING gives back, says which matched.
   */
  private conflictMatch(conflict: PgObject, target: Rel, written: (column: string) => Lin): void {
    const infer = bodyOf(conflict.infer, 'InferClause')
    const elems = list(infer?.indexElems)
    const named = elems.flatMap((e) => str(bodyOf(e, 'IndexElem')?.name) ?? [])
    const columns = elems.length > 0 ? named : fullyKnown(target) ? (target.columns ?? []).map((c) => c.name) : undefined
    if (columns === undefined) {
      const lin = written('')
      if (!givenByText(lin)) this.addPredicates({ ...lin, untraced: lin.untraced ?? `the rows written are matched with those ${target.table ?? 'the target'} holds by a unique index whose columns are not known` })
      return
    }
    for (const column of columns) {
      const own = relColumn(target, column)?.[0] ?? plain(target.table, column)
      const value = written(column)
      this.matched(own, value, givenByText(value))
    }
  }

  /**
   * A column compared with the stored rows by a unique index, holding `value` as written: a lookup for a value the
   * text gives; otherwise a condition, matched against candidates when the value reads them (`INSERT … SELECT g
   * FROM generate_series(…)`, whose every row is a guess), as `email IN (SELECT …)` would be.
   */
  private matched(own: Lin, value: Lin, lookup: boolean): void {
    if (!lookup) this.untracedRead ??= untracedWhy(own)
    for (const s of own.sources) this.record(s, lookup, [], !lookup && value.candidates === true)
  }

  /**
   * A write putting values into the columns of the target's unique or exclusion indexes (a primary key, a unique or
   * exclusion constraint, a unique index, on expressions or partial: CatalogRelation.unique_keys) has each row
   * written matched with the stored rows by them: unique_violation (23505) or exclusion_violation (23P01) answers
   * exactly when a value written is stored already, whether or not ON CONFLICT asks for the match. INSERT, UPDATE,
   * MERGE and COPY FROM into `api_key` tested guesses so, a whole table of them in one statement (the statement
   * fails when any one is stored). Each such column is read as ON CONFLICT's match reads it (conflictMatch): a
   * lookup for values the text gives, a condition for values a query reads or the client sends (COPY's rows). Where
   * an update writes a column (`updated`: UPDATE, ON CONFLICT DO UPDATE, MERGE's WHEN MATCHED UPDATE), the other
   * columns of its index keep the row's stored value, compared with the stored rows' as by a join of the table with
   * itself. Where the catalog cannot say which indexes there are (a relation it does not know, a view, a foreign
   * table, one created in the same text), any written column may be in one: values not given by the text are a
   * condition on each, or, when they cannot be placed in a column, values matched with rows no mask follows (as
   * conflictMatch has it). Without a catalog (a text judged offline: fixtures, `warden eval`; the gateway always has
   * one) no index is known and none is assumed.
   */
  uniqueWrites(target: Rel, updated: (column: string) => boolean, given: (lin: Lin) => boolean = givenByText): void {
    if (!this.schema) return
    const written = target.assigned ?? new Map<string, Lin>()
    const all = target.assignedAll
    const values = [...written.values(), ...(all ? [all] : [])]
    if (values.length === 0) return
    // Asked afresh for values not given by the text: an index added on the server since the relation was cached.
    const keys = this.uniqueKeysOf(target, values.some((v) => !given(v)))
    const own = (column: string) => relColumn(target, column)?.[0] ?? plain(target.table, column)
    if (keys === undefined) {
      for (const [column, value] of written) if (!given(value)) this.matched(own(column), value, false)
      if (all && !given(all)) {
        const why = `the rows written are matched with those ${target.table ?? 'the target'} holds by any unique index it has, on columns not known`
        this.addPredicates({ ...all, untraced: all.untraced ?? why })
      }
      return
    }
    // An exclusion constraint's operator may be a range (`&&`): a value written is compared, never only looked up.
    for (const [key, exclusion] of [...keys.unique.map((k) => [k, false] as const), ...keys.exclusion.map((k) => [k, true] as const)]) {
      const columns = this.keyColumns(target, key)
      if (all === undefined && !columns.some((c) => written.has(c))) continue
      const update = columns.some((c) => written.has(c) && updated(c))
      for (const column of columns) {
        const value = written.get(column) ?? all
        if (value !== undefined) this.matched(own(column), value, !exclusion && given(value))
        else if (update && !generated(target, column)) this.matched(own(column), own(column), false)
      }
    }
  }

  /** The target's unique and exclusion keys, asked of the catalog again when `fresh`; undefined when not known. */
  private uniqueKeysOf(target: Rel, fresh: boolean): { unique: readonly (readonly string[])[]; exclusion: readonly (readonly string[])[] } | undefined {
    let { uniqueKeys: unique, exclusionKeys: exclusion } = target
    if (unique !== undefined && fresh && target.named && this.schema) {
      const found = this.schema.relation(target.named.schema, target.named.name, { current: true })
      unique = found?.unique_keys
      exclusion = found?.exclusion_keys
    }
    return unique === undefined ? undefined : { unique, exclusion: exclusion ?? [] }
  }

  /**
   * The written columns whose values the server checks before keeping them (CatalogRelation.checked_columns): a
   * CHECK, foreign key, trigger WHEN or partition key reading them, or a domain CHECK in their type. Asked afresh
   * for values the text does not give (a constraint added since the relation was cached); where the catalog does not
   * say (a view, a relation it does not know), any column may be one. Without a catalog none is assumed.
   */
  private checkedOf(target: Rel): (column: string) => boolean {
    if (!this.schema) return () => false
    const values = [...(target.assigned?.values() ?? []), ...(target.assignedAll ? [target.assignedAll] : [])]
    let checked = target.checkedColumns
    if (checked !== undefined && target.named && values.some((v) => !givenByText(v))) {
      checked = this.schema.relation(target.named.schema, target.named.name, { current: true })?.checked_columns
    }
    if (checked === undefined) return () => true
    const set = new Set(checked)
    return (column) => (column === '*' ? set.size > 0 : set.has(column))
  }

  /** An index's columns, with the columns a generated one among them is computed from (written, they change it). */
  private keyColumns(target: Rel, key: readonly string[]): string[] {
    const out = new Set(key)
    for (const column of key) {
      const lin = target.columns?.find((c) => c.name === column)?.lin
      if (lin && generated(target, column)) for (const s of lin.sources) if (s.table === target.table) out.add(s.column)
    }
    return [...out]
  }

  private update(body: PgObject, outer: LineageScope): Col[] {
    const scope = new LineageScope(outer)
    this.withClause(body.withClause, scope)
    const target = targetRelation(this, body.relation, [], returns(body))
    scope.items.push(target)
    fromItems(this, body.fromClause, scope)
    this.assignments(body.targetList, target, scope)
    this.predicate(body.whereClause, scope)
    this.uniqueWrites(target, () => true)
    this.stored.push(...storedInTarget(target, this.checkedOf(target)))
    return this.returning(body, scope, target)
  }

  private delete(body: PgObject, outer: LineageScope): Col[] {
    const scope = new LineageScope(outer)
    this.withClause(body.withClause, scope)
    const target = targetRelation(this, body.relation, [], returns(body))
    scope.items.push(target)
    fromItems(this, body.usingClause, scope)
    this.predicate(body.whereClause, scope)
    return this.returning(body, scope, target)
  }

  private merge(body: PgObject, outer: LineageScope): Col[] {
    const scope = new LineageScope(outer)
    this.withClause(body.withClause, scope)
    const target = targetRelation(this, body.relation, [], returns(body))
    scope.items.push(target)
    fromItems(this, [body.sourceRelation], scope)
    this.predicate(body.joinCondition, scope)
    const inserted: Lin[] = []
    for (const item of list(body.mergeWhenClauses)) {
      const when = bodyOf(item, 'MergeWhenClause')
      if (!when) continue
      this.predicate(when.condition, scope)
      if (when.commandType === 'CMD_INSERT') {
        // INSERT (a, b) VALUES (…) places each value; without a column list they go in table order, left unplaced.
        const columns = list(when.targetList).map((t) => str(bodyOf(t, 'ResTarget')?.name))
        list(when.values).forEach((v, i) => {
          const lin = exprLineage(v, scope, this)
          const column = columns[i]
          if (column !== undefined) assign(target, column, lin)
          else inserted.push(lin)
        })
      } else this.assignments(when.targetList, target, scope)
    }
    if (inserted.length > 0) target.assignedAll = union([...(target.assignedAll ? [target.assignedAll] : []), ...inserted])
    const updated = new Set(list(body.mergeWhenClauses).flatMap((item) => {
      const when = bodyOf(item, 'MergeWhenClause')
      return when?.commandType === 'CMD_UPDATE' ? list(when.targetList).map((t) => str(bodyOf(t, 'ResTarget')?.name) ?? '') : []
    }))
    this.uniqueWrites(target, (column) => updated.has(column))
    this.stored.push(...storedInTarget(target, this.checkedOf(target)))
    return this.returning(body, scope, target)
  }

  /** SET name = value (and SET (a, b) = (…)): RETURNING sees the new values. Values use the old row. */
  private assignments(items: unknown, target: Rel, scope: LineageScope): void {
    const pending: [string, Lin][] = []
    for (const item of list(items)) {
      const res = bodyOf(item, 'ResTarget')
      if (!res) continue
      const multi = bodyOf(res.val, 'MultiAssignRef')
      pending.push([str(res.name) ?? '', exprLineage(multi ? multi.source : res.val, scope, this)])
    }
    for (const [name, lin] of pending) assign(target, name, lin)
  }

  /** RETURNING's outputs; all unknown when the server rewrites writes to the target (its values are the rule's). */
  private returning(body: PgObject, scope: LineageScope, target: Rel): Col[] {
    returningNames(scope, target)
    const clause = bodyOf(body.returningClause, 'ReturningClause')
    const cols = this.targets(clause ? clause.exprs : body.returningList, scope)
    const reason = target.rewritten
    return reason === undefined ? cols : cols.map((c) => ({ name: c.name, lin: { ...unknown(reason), ...(c.lin.star ? { star: true } : {}) } }))
  }
}

/** A column of the target the server computes from others of its row (a stored generated column). */
function generated(target: Rel, column: string): boolean {
  const lin = target.columns?.find((c) => c.name === column)?.lin
  return lin !== undefined && lin.kind !== 'plain' && lin.sources.length > 0 && lin.sources.every((s) => s.table === target.table)
}

/** A write with RETURNING (a clause, or the list older trees give). */
function returns(body: PgObject): boolean {
  return body.returningClause !== undefined || list(body.returningList).length > 0
}

function assign(target: Rel, name: string, lin: Lin): void {
  target.assigned ??= new Map()
  const prior = target.assigned.get(name)
  target.assigned.set(name, prior ? union([prior, lin]) : lin)
}

/** Column aliases rename the first columns, as `AS t(a, b)` does. */
export function rename(cols: Col[], aliases: readonly string[]): Col[] {
  if (aliases.length === 0) return cols
  return cols.map((c, i) => (i < aliases.length && c.lin.star !== true ? { name: aliases[i] as string, lin: c.lin } : c))
}

/** UNION / INTERSECT / EXCEPT: names from the left branch, lineage merged column by column. */
export function setOperation(left: Col[], right: Col[]): Col[] {
  if (left.some((c) => c.lin.star === true) || right.some((c) => c.lin.star === true) || left.length !== right.length) {
    // Columns cannot be paired: each output may hold any value of the other branch.
    const others = union(right.map((c) => c.lin))
    return left.map((c) => ({ name: c.name, lin: { ...rowsUnion([c.lin, others]), ...(c.lin.star ? { star: true } : {}) } }))
  }
  return left.map((c, i) => ({ name: c.name, lin: rowsUnion([c.lin, (right[i] as Col).lin]) }))
}

const EQUALITY = new Set(['=', '<>', '!='])

/** A value the statement gives: a constant or a parameter, cast or not, or an ARRAY of them. */
function given(node: unknown): boolean {
  const n = unwrap(node)
  if (!n) return false
  switch (n[0]) {
    case 'A_Const':
    case 'ParamRef':
      return true
    case 'TypeCast':
      return given(n[1].arg)
    case 'A_ArrayExpr':
      return list(n[1].elements).every(given)
    default:
      return false
  }
}

/** A bare column reference (no star, no field selection or subscript). */
function bareColumn(node: unknown): unknown {
  const ref = bodyOf(node, 'ColumnRef')
  return ref && list(ref.fields).every((f) => unwrap(f)?.[0] === 'String') ? node : undefined
}

const KEY_OPERATORS = new Set(['->', '->>', '#>', '#>>'])

/** A bare column, or a value read from one by literal json keys (`prefs->>'theme'`, `prefs #>> '{db,host}'`). */
function lookedUp(node: unknown): unknown {
  const e = bodyOf(node, 'A_Expr')
  if (!e || e.kind !== 'AEXPR_OP' || !KEY_OPERATORS.has(names(e.name).join())) return bareColumn(node)
  return literal(e.rexpr) && lookedUp(e.lexpr) !== undefined ? node : undefined
}

/** A constant as written, cast or not (`'theme'`, `'theme'::text`). */
function literal(node: unknown): boolean {
  const cast = bodyOf(node, 'TypeCast')
  return bodyOf(cast ? cast.arg : node, 'A_Const') !== undefined
}

/** A given value holding a parameter anywhere: `$1`, `$1::text[]`, `ARRAY[1, $1]` (its element may be an array). */
function holdsParameter(node: unknown): boolean {
  const n = unwrap(node)
  if (!n) return false
  if (n[0] === 'ParamRef') return true
  if (n[0] === 'TypeCast') return holdsParameter(n[1].arg)
  return n[0] === 'A_ArrayExpr' && list(n[1].elements).some(holdsParameter)
}

/** A value the text gives (constants, parameters), not one read from rows or made by a function's rows. */
function givenByText(lin: Lin): boolean {
  return lin.sources.length === 0 && lin.kind !== 'unknown' && lin.candidates !== true && lin.untraced === undefined
}

/** Why a value a condition reads may hold values no mask follows: Lin.untraced, or a whole document compared as it is. */
function untracedWhy(lin: Lin): string | undefined {
  if (lin.untraced !== undefined) return lin.untraced
  if (lin.document) return 'compares a whole json document or composite value, or a value read by a key that may be one, whose values are masked only by their keys; read values by their full key path (doc->>\'key\') and compare them for equality with values the statement gives, or cast them to a number, date or boolean'
  return undefined
}

const DOCUMENT_LOOKUPS = new Set(['?', '?|', '?&', '@>', '<@'])

/** The column of `doc ? 'key'`, `doc @> '{…}'` and the like, against a value the text gives. */
function documentLookup(node: unknown): unknown {
  const e = bodyOf(node, 'A_Expr')
  if (!e || e.kind !== 'AEXPR_OP') return undefined
  const op = names(e.name)
  if (op.length !== 1 || !DOCUMENT_LOOKUPS.has(op[0] as string)) return undefined
  return given(e.rexpr) && !holdsParameter(e.rexpr) ? bareColumn(e.lexpr) : given(e.lexpr) && !holdsParameter(e.lexpr) ? bareColumn(e.rexpr) : undefined
}

/**
 * The column of a lookup: a bare column compared for equality with given values (`c = 'x'`, `$1 <> c`,
 * `c IN ('a', 'b')`, `c = ANY ('{a,b}')`; not `c = ANY ($1)` or `ARRAY[$1]`, arrays of any size), or tested for NULL. Undefined for anything else.
 */
function lookupColumn(node: unknown): unknown {
  const nullTest = bodyOf(node, 'NullTest')
  if (nullTest) return lookedUp(nullTest.arg)
  const e = bodyOf(node, 'A_Expr')
  if (!e) return undefined
  const op = names(e.name)
  if (op.length !== 1 || !EQUALITY.has(op[0] as string)) return undefined
  switch (e.kind) {
    case 'AEXPR_OP':
      return given(e.rexpr) ? lookedUp(e.lexpr) : given(e.lexpr) ? lookedUp(e.rexpr) : undefined
    case 'AEXPR_IN':
      return list(bodyOf(e.rexpr, 'List')?.items ?? e.rexpr).every(given) ? lookedUp(e.lexpr) : undefined
    case 'AEXPR_OP_ANY':
    case 'AEXPR_OP_ALL':
      // An array with a parameter in it is no given value but any number of them (`$1`, or `ARRAY[$1]` whose
      // element is an array: a Bind of megabytes, a dictionary of guesses answered in one statement); an array
      // the text writes out is.
      return given(e.rexpr) && !holdsParameter(e.rexpr) ? lookedUp(e.lexpr) : undefined
    default:
      return undefined
  }
}

/**
 * The relation `(t).*` or `(t.*).*` expands, as PostgreSQL does `t.*` (one output per column), when t names a
 * relation in scope and surely no column (PostgreSQL reads a column of that name first: a composite value, whose
 * fields are not known here).
 */
function rowStar(val: unknown, scope: LineageScope): string | undefined {
  const ind = bodyOf(val, 'A_Indirection')
  const steps = list(ind?.indirection)
  if (!ind || steps.length !== 1 || unwrap(steps[0])?.[0] !== 'A_Star') return undefined
  const fields = list(bodyOf(ind.arg, 'ColumnRef')?.fields)
  const starred = fields.length === 2 && unwrap(fields[1])?.[0] === 'A_Star'
  const name = fields.length === 1 || starred ? str(bodyOf(fields[0], 'String')?.sval) : undefined
  if (name === undefined || (!starred && scope.column(name) !== undefined) || !scope.rel(name)) return undefined
  return name
}
