import { loadSqlParsers } from './engine/normalize/sql/parse.ts'
import { normalizePostgres } from './engine/normalize/sql/index.ts'
await loadSqlParsers()
const K = 256 * 1024
const cases: Record<string, string> = {
  literal: `SELECT '${'x'.repeat(K - 20)}'`,
  many: 'SELECT 1;'.repeat(Math.floor(K / 9)),
  max200: Array.from({ length: 200 }, (_, i) => `SELECT u.email, o.total FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = ${i} AND o.note = '${'y'.repeat(1200)}'`).join(';'),
  max200small: Array.from({ length: 200 }, (_, i) => `SELECT u.email, lower(u.name), (SELECT count(*) FROM orders o WHERE o.user_id = u.id) FROM users u JOIN orders o ON o.user_id = u.id WHERE u.id = ${i}`).join(';'),
}
for (const [k, t] of Object.entries(cases)) {
  for (let i = 0; i < 2; i++) normalizePostgres(t)
  const s = performance.now()
  const r = normalizePostgres(t) as any
  console.log(k, Buffer.byteLength(t), (performance.now() - s).toFixed(1), 'ms', r.sql?.statements?.length, r.sql?.parse_error?.slice(0, 100))
}
