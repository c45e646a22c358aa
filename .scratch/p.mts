import { loadSqlParsers, normalizePostgres } from '../engine/normalize/sql/index.ts'
await loadSqlParsers()
for (const q of ["SELECT * FROM unnest(ARRAY[1]) WITH /**/ ORDINALITY", "SELECT * FROM unnest(ARRAY[1]) WITH ORDINALITY", "SELECT * FROM unnest(ARRAY[1]) WITH -- x\n ORDINALITY"]) {
  const r = normalizePostgres(q); console.log(JSON.stringify(q), r.sql.parse_error ?? 'ok')
}
