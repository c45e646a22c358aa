// SQL normalizers: PostgreSQL (libpg-query, PostgreSQL's own parser) and MySQL (node-sql-parser).
// Call loadSqlParsers() once at startup; normalizing is synchronous afterwards and never throws.
export { loadSqlParsers } from './parse.ts'
export type { CatalogRelation, RelationLookup, SchemaCatalog, SqlContext } from './builder.ts'
export type { NormalizedSql } from './result.ts'
export { normalizePostgres } from './postgres.ts'
export { normalizeMysql } from './mysql.ts'
