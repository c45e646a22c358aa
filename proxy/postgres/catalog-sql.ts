// The catalog queries the gateway runs on its own side session, and the rows they return turned into relations.
// Client text never goes into them as SQL: relation names a client wrote are passed hex-encoded, so no quoting,
// encoding or standard_conforming_strings setting can change what the query means.
import type { CatalogRelation } from '../../engine/normalize/sql/index.ts'

export interface CachedRelation {
  oid: number
  /** What the normalizer is given: plain data, nothing of the cache's own bookkeeping. */
  relation: CatalogRelation
  /** A temporary relation: it lives in some session's pg_temp schema. */
  temp: boolean
  /** attnum → column name. */
  byAttnum: Map<number, string>
  /**
   * A table PostgreSQL (up to 15) lets an ON SELECT rule named _RETURN turn into a view, keeping its OID: a plain
   * table with no index, trigger, child table or row security (and no rows). Its kind is trusted no longer than a
   * view's definition (catalog.ts).
   */
  convertible: boolean
}

/** A relation name as a statement writes it; schema null when unqualified. */
export interface RelationName {
  schema: string | null
  name: string
}

const KINDS: Record<string, CatalogRelation['kind']> = { r: 'table', v: 'view', m: 'materialized_view', f: 'foreign_table', p: 'partitioned_table' }

/**
 * The unique and exclusion indexes (primary keys, unique and exclusion constraints, unique indexes, on expressions
 * or partial) that read a column, as a comma-separated list of index OIDs (`x` before an exclusion index's): a write putting a value there is matched
 * with the stored rows by each (23505 unique_violation, 23P01 exclusion_violation). Conservative: a column counts
 * when the index's key holds it, or its expressions or predicate read it or the whole row (pg_node_tree's
 * `:varattno n`, 0 for the whole row), and the indexes of every table under it (partitions, inheritance children,
 * which a write through it reaches) count, by column name.
 */
const UNIQUE_INDEXES_SQL =
  // relhasindex is set when a table gets an index and cleared only by VACUUM once it has none: never false with one.
  // The system catalogs (written by the server, or a superuser) are left out: they would double the warm-up's time.
  "CASE WHEN c.relkind IN ('r', 'p') AND (c.relhasindex OR c.relhassubclass) AND n.nspname NOT IN ('pg_catalog', 'information_schema') THEN " +
  '(WITH RECURSIVE under(oid) AS (SELECT c.oid UNION SELECT h.inhrelid FROM pg_catalog.pg_inherits h JOIN under ON h.inhparent = under.oid) ' +
  "SELECT pg_catalog.string_agg(DISTINCT CASE WHEN i.indisexclusion THEN 'x' ELSE '' END || i.indexrelid::pg_catalog.text, ',') FROM under " +
  'JOIN pg_catalog.pg_index i ON i.indrelid = under.oid AND (i.indisunique OR i.indisexclusion) ' +
  'JOIN pg_catalog.pg_attribute ia ON ia.attrelid = i.indrelid AND ia.attname = a.attname AND NOT ia.attisdropped ' +
  'WHERE ia.attnum = ANY(i.indkey::pg_catalog.int2[]) ' +
  "OR (COALESCE(i.indexprs::pg_catalog.text, '') || ' ' || COALESCE(i.indpred::pg_catalog.text, '')) " +
  "~ (':varattno (0|' || ia.attnum::pg_catalog.text || ') ')) END "

/**
 * Whether a table under it (inheritance children, partitions, at any depth) computes the column by a generation
 * expression of its own: PostgreSQL lets a child's column be generated where its parent's is a plain column (ALTER
 * TABLE … INHERIT, ATTACH PARTITION, or ADD COLUMN on the parent merging with the child's), and a read of the parent
 * returns the child's values under the parent's column.
 */
const GENERATED_UNDER_SQL =
  "CASE WHEN c.relkind IN ('r', 'p') AND c.relhassubclass AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND a.attnum IS NOT NULL THEN " +
  '(WITH RECURSIVE under(oid) AS (SELECT h.inhrelid FROM pg_catalog.pg_inherits h WHERE h.inhparent = c.oid ' +
  'UNION SELECT h.inhrelid FROM pg_catalog.pg_inherits h JOIN under ON h.inhparent = under.oid) ' +
  'SELECT EXISTS (SELECT 1 FROM under JOIN pg_catalog.pg_attribute ua ON ua.attrelid = under.oid AND ua.attname = a.attname AND NOT ua.attisdropped ' +
  'LEFT JOIN pg_catalog.pg_attrdef ud ON ud.adrelid = ua.attrelid AND ud.adnum = ua.attnum ' +
  "WHERE ua.attgenerated <> a.attgenerated OR (ua.attgenerated <> '' AND " +
  'pg_catalog.pg_get_expr(ud.adbin, ud.adrelid) IS DISTINCT FROM pg_catalog.pg_get_expr(d.adbin, d.adrelid)))) END '

/**
 * Whether the server runs checks over a value written to a column before it keeps it (checked_columns, computed once
 * per query by checkedCtes): a CHECK constraint or a foreign key of the table reading it, a trigger's WHEN, an index's
 * expression or predicate, a generated column or a partition key reading it, a rule on the table (any column), all of
 * the table or any table under it (by column name); or a domain with a CHECK constraint or a length limit, or a cast
 * by a function outside pg_catalog, in its type (through arrays, domains, composite fields and ranges). Each answers
 * for the value written (23514, 23503, 22001, 22012, the partition it lands in) or hands it to code that may keep
 * it (a CHECK's or a cast's function, a rule's action): code the writing statement does not show.
 */
const CHECKED_SQL =
  "CASE WHEN c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND a.attnum IS NOT NULL THEN " +
  '(a.atttypid IN (SELECT oid FROM checked_types) OR (c.oid, a.attname) IN (SELECT relid, attname FROM checked_columns)) END '

/** `JOIN pg_depend d` on the relations (and their columns) the object `oid` of `catalog` depends on. */
const dependsOf = (catalog: string, oid: string) =>
  `JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.${catalog}'::pg_catalog.regclass AND d.objid = ${oid} ` +
  "AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass"

/** The relations a view `v` reads: the dependencies of its query (rule _RETURN), not on itself. */
const VIEW_DEPENDS = `JOIN pg_catalog.pg_rewrite q ON q.ev_class = v.oid AND q.rulename = '_RETURN' ${dependsOf('pg_rewrite', 'q.oid')} AND d.refobjid <> v.oid`

/**
 * Computed once per query, for the relations it asks for (`where`) and the tables under them, not per column:
 * correlated, the planner's estimates put the catalog query past jit_above_cost (JIT took 140 to 700 ms of a query
 * that runs in 40), and computed for every relation, a lookup of one name took 10 times as long with 2,000 tables
 * (measured on PostgreSQL 15). `checked_types`: the types of the columns asked for that reach (through arrays,
 * domains, composite fields and ranges) a domain with a CHECK or a length limit, a composite type with a field of a
 * limit (varchar(5)), or a type cast to by a function outside pg_catalog. `checked_columns`: (table, column) pairs read
 * by a CHECK or foreign key (attnum 0: the whole row), a trigger's WHEN, an index expression or predicate, a generated
 * column or a partition key (the `:varattno n` of their stored trees), or of a table with a rule or an INSERT, UPDATE
 * or DELETE trigger (every column), or read by a view with a rule or a trigger, another relation's rule or a SQL
 * function's body (directly or through views: every column), in the table or any table under it (partitions and inheritance children take writes through their parents), by name.
 */
function checkedCtes(where: string): string {
  const own = (from: string, picked: string, rest: string) => `SELECT u.top, ${picked} FROM under u ${from} ${rest}`
  const reads = (tree: string, attnum: string) => `${tree} ~ (':varattno (0|' || ${attnum}::pg_catalog.text || ') ')`
  return (
    'WITH RECURSIVE targets(oid) AS (SELECT c.oid FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ' +
    `WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND ${where}), ` +
    'under(top, oid) AS (SELECT oid, oid FROM targets UNION SELECT u.top, h.inhrelid FROM under u JOIN pg_catalog.pg_inherits h ON h.inhparent = u.oid), ' +
    // The relations code made elsewhere reads by their columns' numbers, not names: a view with a rule or a trigger
    // (INSTEAD OF), whose writes hand its code (OLD, NEW) what it shows; a rule's action on another relation; a SQL
    // function's body (BEGIN ATOMIC, RETURN); and, through the views they read, what those views read. A column
    // renamed to a masked name under them is read by code judged when it had the old one. Every column: a whole row
    // (`SELECT t FROM t`) is a dependency on no column, and holds columns added later.
    `code_reads(relid) AS (SELECT d.refobjid FROM pg_catalog.pg_class v ${VIEW_DEPENDS} ` +
    "WHERE v.relkind = 'v' AND (EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite w WHERE w.ev_class = v.oid AND w.ev_type <> '1') " +
    'OR EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = v.oid)) ' +
    `UNION SELECT d.refobjid FROM pg_catalog.pg_rewrite w ${dependsOf('pg_rewrite', 'w.oid')} AND d.refobjid <> w.ev_class WHERE w.ev_type <> '1' ` +
    `UNION SELECT d.refobjid FROM pg_catalog.pg_proc p ${dependsOf('pg_proc', 'p.oid')} WHERE p.prosqlbody IS NOT NULL ` +
    `UNION SELECT d.refobjid FROM code_reads r JOIN pg_catalog.pg_class v ON v.oid = r.relid AND v.relkind = 'v' ${VIEW_DEPENDS}), ` +
    'checked_own(top, relid, attnum) AS (' +
    [
      own('JOIN pg_catalog.pg_constraint k ON k.conrelid = u.oid CROSS JOIN LATERAL pg_catalog.unnest(k.conkey) x(n)', 'u.oid, x.n', "WHERE k.contype IN ('c', 'f')"),
      own('JOIN pg_catalog.pg_constraint k ON k.conrelid = u.oid', 'u.oid, 0', "WHERE k.contype = 'c' AND k.conbin::pg_catalog.text ~ ':varattno 0 '"),
      own('JOIN pg_catalog.pg_trigger g ON g.tgrelid = u.oid JOIN pg_catalog.pg_attribute ga ON ga.attrelid = u.oid AND ga.attnum > 0', 'u.oid, ga.attnum',
        `WHERE g.tgqual IS NOT NULL AND ${reads('g.tgqual::pg_catalog.text', 'ga.attnum')}`),
      own('JOIN pg_catalog.pg_partitioned_table p ON p.partrelid = u.oid CROSS JOIN LATERAL pg_catalog.unnest(p.partattrs::pg_catalog.int2[]) x(n)', 'u.oid, x.n', ''),
      own('JOIN pg_catalog.pg_partitioned_table p ON p.partrelid = u.oid JOIN pg_catalog.pg_attribute pa ON pa.attrelid = u.oid AND pa.attnum > 0', 'u.oid, pa.attnum',
        `WHERE p.partexprs IS NOT NULL AND ${reads('p.partexprs::pg_catalog.text', 'pa.attnum')}`),
      own('JOIN pg_catalog.pg_index i ON i.indrelid = u.oid JOIN pg_catalog.pg_attribute ia ON ia.attrelid = u.oid AND ia.attnum > 0', 'u.oid, ia.attnum',
        `WHERE (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL) AND ${reads("(COALESCE(i.indexprs::pg_catalog.text, '') || ' ' || COALESCE(i.indpred::pg_catalog.text, ''))", 'ia.attnum')}`),
      own("JOIN pg_catalog.pg_attrdef d ON d.adrelid = u.oid JOIN pg_catalog.pg_attribute g ON g.attrelid = u.oid AND g.attnum = d.adnum AND g.attgenerated <> '' " +
        'JOIN pg_catalog.pg_attribute da ON da.attrelid = u.oid AND da.attnum > 0', 'u.oid, da.attnum', `WHERE ${reads('d.adbin::pg_catalog.text', 'da.attnum')}`),
      own('JOIN pg_catalog.pg_rewrite r ON r.ev_class = u.oid', 'u.oid, 0', "WHERE r.ev_type <> '1'"),
      own('JOIN code_reads cr ON cr.relid = u.oid', 'u.oid, 0', ''),
      // A trigger on INSERT or UPDATE (4 | 16) hands its function every column of the rows written (NEW, or a
      // transition table), one on DELETE (8) every column of the rows kept, when a later DELETE removes them (OLD,
      // an old table); internal ones are foreign keys' (read above), and a built-in function (full text) reads only
      // the columns its arguments name, which the policy judges when the trigger is made.
      own('JOIN pg_catalog.pg_trigger t ON t.tgrelid = u.oid JOIN pg_catalog.pg_proc tp ON tp.oid = t.tgfoid', 'u.oid, 0',
        "WHERE NOT t.tgisinternal AND (t.tgtype & 28) <> 0 AND tp.pronamespace <> 'pg_catalog'::pg_catalog.regnamespace"),
    ].join(' UNION ALL ') +
    '), ' +
    'checked_columns(relid, attname) AS (SELECT o.top, ca.attname FROM checked_own o JOIN pg_catalog.pg_attribute ca ON ca.attrelid = o.relid ' +
    'AND ca.attnum > 0 AND NOT ca.attisdropped AND (o.attnum = 0 OR ca.attnum = o.attnum)), ' +
    // Types below 10000 are built in (genbki): no domain, cast function or composite of the user's among them.
    'reach(top, oid) AS (SELECT DISTINCT a.atttypid, a.atttypid FROM targets tg JOIN pg_catalog.pg_attribute a ON a.attrelid = tg.oid ' +
    'AND a.attnum > 0 WHERE a.atttypid >= 10000 ' +
    'UNION SELECT r.top, x.oid FROM reach r JOIN pg_catalog.pg_type t ON t.oid = r.oid CROSS JOIN LATERAL (SELECT t.typelem ' +
    'UNION ALL SELECT t.typbasetype UNION ALL SELECT f.atttypid FROM pg_catalog.pg_attribute f WHERE f.attrelid = t.typrelid AND f.attnum > 0 ' +
    'UNION ALL SELECT g.rngsubtype FROM pg_catalog.pg_range g WHERE g.rngtypid = t.oid) x(oid) WHERE x.oid >= 10000), ' +
    'checked_types(oid) AS (SELECT r.top FROM reach r JOIN pg_catalog.pg_type t ON t.oid = r.oid ' +
    "WHERE (t.typtype = 'd' AND t.typtypmod >= 0) " +
    "OR EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k WHERE k.contypid = t.oid AND k.contype = 'c') " +
    'OR EXISTS (SELECT 1 FROM pg_catalog.pg_attribute f WHERE t.typrelid <> 0 AND f.attrelid = t.typrelid AND f.attnum > 0 AND f.atttypmod >= 0) ' +
    'OR EXISTS (SELECT 1 FROM pg_catalog.pg_cast k JOIN pg_catalog.pg_proc p ON p.oid = k.castfunc WHERE k.casttarget = t.oid ' +
    "AND p.pronamespace <> 'pg_catalog'::pg_catalog.regnamespace)) "
  )
}

const RELATIONS_SQL =
  'SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, a.attnum, a.attname, ' +
  "CASE WHEN c.relkind IN ('v', 'm') AND (a.attnum = 1 OR a.attnum IS NULL) AND n.nspname NOT IN ('pg_catalog', 'information_schema') " +
  'THEN pg_catalog.pg_get_viewdef(c.oid) END, c.relrowsecurity, ' +
  "CASE WHEN a.attgenerated <> '' THEN COALESCE(pg_catalog.pg_get_expr(d.adbin, d.adrelid), '') END, " +
  "c.relkind = 'r' AND NOT (c.relhasindex OR c.relhastriggers OR c.relhassubclass OR c.relrowsecurity), " +
  "EXISTS (SELECT 1 FROM pg_catalog.pg_rewrite r WHERE r.ev_class = c.oid AND r.ev_type <> '1') " +
  'OR EXISTS (SELECT 1 FROM pg_catalog.pg_trigger t WHERE t.tgrelid = c.oid AND (t.tgtype & 64) <> 0), ' +
  // json (114) and jsonb (3802), by OID: a type of that name in another schema is not a document the masks read.
  'a.atttypid IN (114, 3802), ' +
  "(SELECT t.typtype = 'c' FROM pg_catalog.pg_type t WHERE t.oid = a.atttypid), " +
  UNIQUE_INDEXES_SQL +
  ', ' +
  CHECKED_SQL +
  ', ' +
  GENERATED_UNDER_SQL +
  'FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ' +
  'LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ' +
  'LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum ' +
  "WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND "

/** The relations `where` (a condition on pg_class c and pg_namespace n) picks, a row per column. */
const relationsSql = (where: string) => `${checkedCtes(where)}${RELATIONS_SQL}${where}`

const ORDER = ' ORDER BY c.oid, a.attnum'

/** Every relation outside the toast schemas, pg_catalog and information_schema included (their names resolve first). */
export function allRelationsSql(limit: number): string {
  return `${relationsSql("n.nspname NOT LIKE 'pg\\_toast%'")}${ORDER} LIMIT ${limit}`
}

/** The relations with these OIDs (integers from the server's RowDescription). */
export function relationsByOidSql(oids: number[]): string {
  return `${relationsSql(`c.oid = ANY('{${oids.map((o) => String(o >>> 0)).join(',')}}'::pg_catalog.oid[])`)}${ORDER}`
}

const hexText = (s: string) => `pg_catalog.convert_from(pg_catalog.decode('${Buffer.from(s, 'utf8').toString('hex')}', 'hex'), 'UTF8')`

/** The relations called by any of these names, in any schema. */
export function relationsByNameSql(names: string[]): string {
  return `${relationsSql(`c.relname = ANY(ARRAY[${names.map(hexText).join(', ')}]::pg_catalog.text[])`)}${ORDER}`
}

/**
 * System views (pg_catalog, information_schema) are given as tables: their values are the server's own metadata,
 * which the policy judges by name (sensitive catalogs), not base columns to trace, and their definitions are
 * built on internal functions (pg_stat_get_activity …) that no lineage can follow.
 */
function kindOf(schema: string | null | undefined, relkind: string | null | undefined): CatalogRelation['kind'] {
  if (schema === 'pg_catalog' || schema === 'information_schema') return 'table'
  return KINDS[relkind ?? ''] ?? 'other'
}

/**
 * Rows of the queries above, grouped into relations. `complete` false: the rows were cut by a LIMIT, so the last
 * relation may miss columns and is left out.
 */
export function relationsOf(rows: (string | null)[][], complete = true): CachedRelation[] {
  const out: CachedRelation[] = []
  let current: CachedRelation | undefined
  const yes = (v: string | null | undefined) => v === 't' || v === (true as unknown)
  let keys = new Map<string, string[]>()
  for (const [oid, schema, name, kind, persistence, attnum, attname, definition, rowSecurity, generated, convertible, writeRules, document, composite, unique, checked, generatedUnder] of rows) {
    const key = Number(oid)
    if (current?.oid !== key) {
      const relation: CatalogRelation = { schema: schema ?? '', name: name ?? '', kind: kindOf(schema, kind), columns: [] }
      const system = schema === 'pg_catalog' || schema === 'information_schema'
      // Known for a table the server stores itself; a view's or a foreign table's writes land where this does not tell.
      if ((kind === 'r' || kind === 'p') && !system) {
        relation.unique_keys = []
        relation.checked_columns = []
      }
      keys = new Map()
      if (yes(rowSecurity)) relation.row_security = true
      if (yes(writeRules)) relation.write_rules = true
      current = { oid: key, relation, temp: persistence === 't', byAttnum: new Map(), convertible: yes(convertible) && !system }
      out.push(current)
    }
    if (definition !== null && definition !== undefined) current.relation.definition = definition
    if (attnum !== null && attnum !== undefined) {
      current.byAttnum.set(Number(attnum), attname ?? '')
      current.relation.columns.push(attname ?? '')
      // A generated column whose expression could not be read comes as '': lineage cannot follow it.
      if (generated !== undefined && generated !== null) (current.relation.generated ??= {})[attname ?? ''] = generated
      if (yes(document)) (current.relation.documents ??= []).push(attname ?? '')
      if (yes(composite)) (current.relation.composites ??= []).push(attname ?? '')
      if (current.relation.checked_columns && yes(checked)) current.relation.checked_columns.push(attname ?? '')
      if (yes(generatedUnder)) (current.relation.generated_under ??= []).push(attname ?? '')
      if (current.relation.unique_keys && unique) {
        for (const index of unique.split(',')) {
          let columns = keys.get(index)
          if (!columns) {
            columns = []
            keys.set(index, columns)
            if (index.startsWith('x')) (current.relation.exclusion_keys ??= []).push(columns)
            else current.relation.unique_keys.push(columns)
          }
          columns.push(attname ?? '')
        }
      }
    }
  }
  if (!complete) out.pop()
  return out
}
