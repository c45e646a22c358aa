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
 * Whether the server runs checks over a value written to a column before it keeps it (checked_columns, computed once
 * per query by CHECKED_CTES): a CHECK constraint or a foreign key of the table reading it, a trigger's WHEN, an index's
 * expression or predicate, a generated column or a partition key reading it, a rule on the table (any column), all of
 * the table or any table under it (by column name); or a domain with a CHECK constraint or a length limit, or a cast
 * by a function outside pg_catalog, in its type (through arrays, domains, composite fields and ranges). Each answers
 * for the value written (23514, 23503, 22001, 22012, the partition it lands in) or hands it to code that may keep
 * it (a CHECK's or a cast's function, a rule's action): code the writing statement does not show.
 */
const CHECKED_SQL =
  "CASE WHEN c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND a.attnum IS NOT NULL THEN " +
  '(a.atttypid IN (SELECT oid FROM checked_types) OR (c.oid, a.attname) IN (SELECT relid, attname FROM checked_columns)) END '

/**
 * Computed once, not per column: correlated, the planner's estimates put the catalog query past jit_above_cost, and
 * JIT took 140 to 700 ms of a query that runs in 40 (measured on PostgreSQL 15). `checked_types`: a domain with a
 * CHECK or a length limit, a composite type with a field of a limit (varchar(5)), a type cast to by a function outside
 * pg_catalog, and every array, domain, composite and range holding one. `checked_columns`: (table, column) pairs read
 * by a CHECK or foreign key (attnum 0: the whole row), a trigger's WHEN, an index expression or predicate, a generated
 * column or a partition key (the `:varattno n` of their stored trees), every column of a table with a rule, then the
 * same names in every table above (partitions and inheritance children take writes through their parents).
 */
const CHECKED_CTES =
  'WITH RECURSIVE type_edges(child, parent) AS (' +
  "SELECT t.oid, t.typelem FROM pg_catalog.pg_type t WHERE t.typelem <> 0 AND t.typcategory = 'A' " +
  "UNION ALL SELECT t.oid, t.typbasetype FROM pg_catalog.pg_type t WHERE t.typtype = 'd' " +
  'UNION ALL SELECT fc.reltype, f.atttypid FROM pg_catalog.pg_attribute f JOIN pg_catalog.pg_class fc ON fc.oid = f.attrelid ' +
  'WHERE f.attnum > 0 AND NOT f.attisdropped AND fc.reltype <> 0 ' +
  'UNION ALL SELECT r.rngtypid, r.rngsubtype FROM pg_catalog.pg_range r), ' +
  'checked_types(oid) AS (' +
  "SELECT k.contypid FROM pg_catalog.pg_constraint k WHERE k.contype = 'c' AND k.contypid <> 0 " +
  "UNION SELECT t.oid FROM pg_catalog.pg_type t WHERE t.typtype = 'd' AND t.typtypmod >= 0 " +
  'UNION SELECT c.casttarget FROM pg_catalog.pg_cast c JOIN pg_catalog.pg_proc p ON p.oid = c.castfunc ' +
  "WHERE c.casttarget >= 10000 AND p.pronamespace <> 'pg_catalog'::pg_catalog.regnamespace " +
  'UNION SELECT fc.reltype FROM pg_catalog.pg_attribute f JOIN pg_catalog.pg_class fc ON fc.oid = f.attrelid ' +
  'WHERE f.attnum > 0 AND f.atttypmod >= 0 AND fc.reltype <> 0 ' +
  'UNION SELECT e.child FROM checked_types ct JOIN type_edges e ON e.parent = ct.oid), ' +
  'checked_own(relid, attnum) AS (' +
  "SELECT k.conrelid, u.n FROM pg_catalog.pg_constraint k CROSS JOIN LATERAL pg_catalog.unnest(k.conkey) u(n) WHERE k.contype IN ('c', 'f') " +
  "UNION ALL SELECT k.conrelid, 0 FROM pg_catalog.pg_constraint k WHERE k.contype = 'c' AND k.conbin::pg_catalog.text ~ ':varattno 0 ' " +
  'UNION ALL SELECT g.tgrelid, ga.attnum FROM pg_catalog.pg_trigger g JOIN pg_catalog.pg_attribute ga ON ga.attrelid = g.tgrelid AND ga.attnum > 0 ' +
  "WHERE g.tgqual IS NOT NULL AND g.tgqual::pg_catalog.text ~ (':varattno (0|' || ga.attnum::pg_catalog.text || ') ') " +
  'UNION ALL SELECT p.partrelid, u.n FROM pg_catalog.pg_partitioned_table p CROSS JOIN LATERAL pg_catalog.unnest(p.partattrs::pg_catalog.int2[]) u(n) ' +
  'UNION ALL SELECT p.partrelid, pa.attnum FROM pg_catalog.pg_partitioned_table p JOIN pg_catalog.pg_attribute pa ON pa.attrelid = p.partrelid AND pa.attnum > 0 ' +
  "WHERE p.partexprs IS NOT NULL AND p.partexprs::pg_catalog.text ~ (':varattno (0|' || pa.attnum::pg_catalog.text || ') ') " +
  'UNION ALL SELECT i.indrelid, ia.attnum FROM pg_catalog.pg_index i JOIN pg_catalog.pg_attribute ia ON ia.attrelid = i.indrelid AND ia.attnum > 0 ' +
  "WHERE (i.indexprs IS NOT NULL OR i.indpred IS NOT NULL) AND (COALESCE(i.indexprs::pg_catalog.text, '') || ' ' || " +
  "COALESCE(i.indpred::pg_catalog.text, '')) ~ (':varattno (0|' || ia.attnum::pg_catalog.text || ') ') " +
  'UNION ALL SELECT d.adrelid, da.attnum FROM pg_catalog.pg_attrdef d ' +
  "JOIN pg_catalog.pg_attribute g ON g.attrelid = d.adrelid AND g.attnum = d.adnum AND g.attgenerated <> '' " +
  'JOIN pg_catalog.pg_attribute da ON da.attrelid = d.adrelid AND da.attnum > 0 ' +
  "WHERE d.adbin::pg_catalog.text ~ (':varattno (0|' || da.attnum::pg_catalog.text || ') ') " +
  "UNION ALL SELECT r.ev_class, 0 FROM pg_catalog.pg_rewrite r WHERE r.ev_type <> '1'), " +
  'checked_columns(relid, attname) AS (' +
  'SELECT o.relid, ca.attname FROM checked_own o JOIN pg_catalog.pg_attribute ca ON ca.attrelid = o.relid AND ca.attnum > 0 ' +
  'AND NOT ca.attisdropped AND (o.attnum = 0 OR ca.attnum = o.attnum) ' +
  'UNION SELECT h.inhparent, cc.attname FROM checked_columns cc JOIN pg_catalog.pg_inherits h ON h.inhrelid = cc.relid) '

const RELATIONS_SQL =
  CHECKED_CTES +
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
  'FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace ' +
  'LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ' +
  'LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum ' +
  "WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f') AND "

const ORDER = ' ORDER BY c.oid, a.attnum'

/** Every relation outside the toast schemas, pg_catalog and information_schema included (their names resolve first). */
export function allRelationsSql(limit: number): string {
  return `${RELATIONS_SQL}n.nspname NOT LIKE 'pg\\_toast%'${ORDER} LIMIT ${limit}`
}

/** The relations with these OIDs (integers from the server's RowDescription). */
export function relationsByOidSql(oids: number[]): string {
  return `${RELATIONS_SQL}c.oid = ANY('{${oids.map((o) => String(o >>> 0)).join(',')}}'::pg_catalog.oid[])${ORDER}`
}

const hexText = (s: string) => `pg_catalog.convert_from(pg_catalog.decode('${Buffer.from(s, 'utf8').toString('hex')}', 'hex'), 'UTF8')`

/** The relations called by any of these names, in any schema. */
export function relationsByNameSql(names: string[]): string {
  return `${RELATIONS_SQL}c.relname = ANY(ARRAY[${names.map(hexText).join(', ')}]::pg_catalog.text[])${ORDER}`
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
  for (const [oid, schema, name, kind, persistence, attnum, attname, definition, rowSecurity, generated, convertible, writeRules, document, composite, unique, checked] of rows) {
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
