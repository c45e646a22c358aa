import { createTestEngine, testTarget } from '/work/main/proxy/postgres/testing/engine.ts'
const t = await createTestEngine({ targets: [testTarget('prod')] })
const identity = t.identity('cursor', ['agents'], 'agent')
const session = { id: 's1', started_at: new Date().toISOString(), identity, target: testTarget('prod') }
for (const [label, text] of [
  ['select1', 'SELECT 1'],
  ['x20000', 'SELECT 1;'.repeat(20000)],
  ['x1000', 'SELECT 1;'.repeat(1000)],
  ['x200', 'SELECT 1;'.repeat(200)],
  ['lit1MiB', `SELECT '${'a'.repeat(1 << 20)}'`],
  ['cols', `SELECT ${Array.from({length: 1600}, (_, i) => `c${i}`).join(',')} FROM users`],
] as const) {
  const s = performance.now()
  const j = t.engine.judgeSql({ session, text })
  console.log(label, (performance.now() - s).toFixed(1), 'ms', j.decision.effect, j.decision.reasons[0]?.message?.slice(0, 80))
}
t.close()
