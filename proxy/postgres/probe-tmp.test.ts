import { test } from 'uvu'
import { attackSessions } from './testing/attack-session.ts'
import { startHarness, type Harness } from './testing/harness.ts'
import { JSON_SEED_SQL, LEAK_SEED_SQL } from './testing/seed-leaks.ts'
let h: Harness
test.before(async () => { h = await startHarness({ holdSeconds: 20 }); await h.cluster.query(LEAK_SEED_SQL); await h.cluster.query(JSON_SEED_SQL) })
test.after(async () => { await h?.stop() })
const { session, query } = attackSessions(() => h)
test('probe', async () => {
  const c = await session()
  for (const sql of process.env.PROBE!.split('\n').filter(Boolean)) { const o = await query(c, sql); console.log(sql, '=>', o.leaks.length ? 'LEAK' : 'ok', JSON.stringify({ rows: o.rows.slice(0, 2), errors: o.errors }).slice(0, 300)) }
  c.close()
})
test.run()
