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
  "(SELECT t.typtype = 'c' FROM pg_catalog.pg_type t WHERE t.oid = a.atttypid) " +
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
  for (const [oid, schema, name, kind, persistence, attnum, attname, definition, rowSecurity, generated, convertible, writeRules, document, composite] of rows) {
    const key = Number(oid)
    if (current?.oid !== key) {
      const relation: CatalogRelation = { schema: schema ?? '', name: name ?? '', kind: kindOf(schema, kind), columns: [] }
      if (yes(rowSecurity)) relation.row_security = true
      if (yes(writeRules)) relation.write_rules = true
      const system = schema === 'pg_catalog' || schema === 'information_schema'
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
    }
  }
  if (!complete) out.pop()
  return out
}
