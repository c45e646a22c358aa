// Types built into pg_catalog. A cast to any other type (a domain, an enum, a base type from an
// extension or a user) runs that type's input or cast function, which is code Warden cannot see; the
// lineage walk reports such casts among the functions a value passes through.
import { bodyOf, names } from './ast.ts'

/** `SELECT typname FROM pg_type WHERE typnamespace = 'pg_catalog'::regnamespace AND typelem = 0`, plus the SQL spellings the grammar keeps. */
export const BUILTIN_TYPES: ReadonlySet<string> = new Set([
  'bool', 'boolean', 'bytea', 'char', 'name', 'int8', 'int2', 'int4', 'int', 'integer', 'smallint', 'bigint',
  'regproc', 'text', 'oid', 'tid', 'xid', 'xid8', 'cid', 'json', 'jsonb', 'jsonpath', 'xml', 'point', 'lseg',
  'path', 'box', 'polygon', 'line', 'circle', 'float4', 'float8', 'real', 'float', 'money', 'macaddr', 'macaddr8',
  'inet', 'cidr', 'bpchar', 'varchar', 'character', 'date', 'time', 'timestamp', 'timestamptz', 'interval',
  'timetz', 'bit', 'varbit', 'numeric', 'decimal', 'refcursor', 'regprocedure', 'regoper', 'regoperator',
  'regclass', 'regcollation', 'regtype', 'regrole', 'regnamespace', 'regconfig', 'regdictionary', 'uuid',
  'pg_lsn', 'tsvector', 'tsquery', 'gtsvector', 'txid_snapshot', 'pg_snapshot', 'int4range', 'numrange',
  'tsrange', 'tstzrange', 'daterange', 'int8range', 'int4multirange', 'nummultirange', 'tsmultirange',
  'tstzmultirange', 'datemultirange', 'int8multirange', 'record', 'cstring', 'void', 'unknown', 'aclitem',
  'int2vector', 'oidvector', 'pg_node_tree', 'pg_ndistinct', 'pg_dependencies', 'pg_mcv_list', 'anyelement',
  'anyarray', 'anynonarray', 'anyenum', 'anyrange', 'anymultirange', 'anycompatible', 'anycompatiblearray',
  'trigger', 'event_trigger', 'language_handler', 'internal', 'fdw_handler', 'index_am_handler', 'tsm_handler',
  'table_am_handler', 'pg_brin_bloom_summary', 'pg_brin_minmax_multi_summary', 'double precision',
])

/** The type's name as written (`schema.name`) when it is not a pg_catalog type, else undefined. */
export function userType(typeName: unknown): string | undefined {
  const parts = names(bodyOf(typeName, 'TypeName')?.names)
  const name = parts[parts.length - 1]
  if (name === undefined) return undefined
  const schema = parts.length > 1 ? parts[parts.length - 2] : undefined
  if ((schema === undefined || schema === 'pg_catalog') && BUILTIN_TYPES.has(name)) return undefined
  return parts.join('.')
}
