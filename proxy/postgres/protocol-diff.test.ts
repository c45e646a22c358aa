// Differential test of the gateway's judgement across the ways one statement reaches the server (agent identity,
// default policy, production target, real PostgreSQL 15): simple Query; one Query holding several statements;
// Parse/Bind/Execute, unnamed and named, and with a literal moved into $1 bound in text and in binary format;
// SQL PREPARE + EXECUTE; DECLARE CURSOR + FETCH; BEGIN / COMMIT around it; a DO block looping over it; and
// COPY (query) TO STDOUT (testing/protocol-paths.ts). Statements: the SQL corpora, the policy fixtures' SQL for
// the production target, and reads of the seed (testing/protocol-diff-statements.ts). A walk-around is a way
// that is more permissive than the simple Query (allowed where it is held or denied, held where it is denied),
// or gives back a seeded secret the simple Query hides. A stricter way is reported, not failed; those seen (2026-11):
// DO and COPY … TO STDOUT are denied for agents in production whatever they wrap; a literal moved into $1 where
// PostgreSQL takes no parameter (COMMENT … IS, NOTIFY, a function body, OPTIONS) no longer parses and is denied;
// a JSON key given as $1 (prefs ->> $1) is a source the gateway cannot trace and is denied; DECLARE over a
// WITH … INSERT does not parse; EXECUTE of a statement whose PREPARE failed on the server is denied.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startHarness, type Harness } from './testing/harness.ts'
import { disagreements, type DiffResult, runDiff } from './testing/protocol-diff-run.ts'
import { diffStatements } from './testing/protocol-diff-statements.ts'
import { PATHS } from './testing/protocol-paths.ts'
import { JSON_SEED_SQL, LEAK_SEED_SQL } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ seed: [LEAK_SEED_SQL, JSON_SEED_SQL] })
})
test.after(async () => {
  await h?.stop()
})

/** Sessions run side by side. */
const SESSIONS = 2

function report(results: DiffResult[]): string {
  const lines = [`${results.length} statements, ${results.reduce((n, r) => n + r.outcomes.length, 0)} sends`]
  for (const path of PATHS) {
    const os = results.flatMap((r) => r.outcomes.filter((o) => o.path === path))
    const by = (e: string) => os.filter((o) => o.effect === e).length
    lines.push(`  ${path}: ${os.length} sent, ${by('allowed')} allowed, ${by('held')} held, ${by('denied')} denied, ${os.filter((o) => o.leaks.length).length} leaking`)
  }
  return lines.join('\n')
}

test('every statement, every way it can be sent: no way is more permissive than the simple Query, or leaks what it hides', async () => {
  const statements = diffStatements()
  const started = Date.now()
  const results = await runDiff(h, statements, SESSIONS)
  const all = disagreements(results)
  const walks = all.filter((d) => d.kind === 'walk-around')
  const stricter = all.filter((d) => d.kind === 'stricter')
  console.log(`${report(results)}\n  ${walks.length} walk-arounds, ${stricter.length} stricter ways, in ${Date.now() - started} ms`)
  const byPath = new Map<string, number>()
  for (const d of stricter) byPath.set(d.path, (byPath.get(d.path) ?? 0) + 1)
  console.log(`  stricter by way: ${[...byPath].map(([p, n]) => `${p} ${n}`).join(', ')}`)
  if (process.env.PROTOCOL_DIFF_VERBOSE) for (const d of stricter) console.log(`  stricter ${d.path}: ${d.statement.source}: ${d.detail}\n    ${d.statement.sql.replace(/\s+/g, ' ').slice(0, 160)}`)
  // The ways were exercised: each that can return rows to an agent allowed some statements.
  for (const path of PATHS.filter((p) => p !== 'do' && p !== 'copy')) {
    assert.ok(results.some((r) => r.outcomes.some((o) => o.path === path && o.effect === 'allowed')), `no statement was allowed by way of ${path}`)
  }
  const simpleLeaks = results.filter((r) => r.outcomes.find((o) => o.path === 'simple')?.leaks.length)
  assert.equal(simpleLeaks.map((r) => `${r.statement.source}: ${r.outcomes[0]!.leaks[0]}`), [], 'the simple Query leaks')
  assert.equal(walks.map((d) => `${d.path}: ${d.statement.source}: ${d.detail}\n    ${d.statement.sql.replace(/\s+/g, ' ').slice(0, 200)}`), [])
})

test.run()
