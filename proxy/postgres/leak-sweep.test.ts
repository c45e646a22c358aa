// A systematic leak search of PostgreSQL masking (agent identity, default policy, production target), against a
// real PostgreSQL 15: statements generated from the server's own catalog (testing/leak-sweep-statements.ts) rather
// than picked by hand — every pg_catalog function, aggregate and window function taking a text, bytea, json(b) or
// integer argument, applied to each masked column of the seed in the select list, WHERE / HAVING, ORDER BY and a
// scalar subquery; every type a text casts to; and reads wrapped as EXPLAIN ANALYZE, CTE, VALUES, UNION, LATERAL,
// cursors, PREPARE / EXECUTE, COPY TO STDOUT, RETURNING of a rolled-back write and the extended protocol (with
// parameters, text and binary results). Nothing the client receives for a statement — rows, column names, errors,
// notices, ParameterStatus, notifications, raw bytes — may give a seeded secret back (testing/leak-check.ts: whole
// values, fragments of distinctive ones, reversed, case-folded, base64 / hex and other encodings). A statement the
// gateway denies or holds for approval (rejected here) passes as long as its error carries no value either.
// Found and fixed: documents in arrays and tsvectors, computations on whole json/jsonb documents and composite
// values, mode() / percentile_disc() WITHIN GROUP. Known residual, reported and not failed: a transform of an
// object read by its key (reverse(prefs->>'db')); the statements' sources say which (Source.residual).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startHarness, type Harness } from './testing/harness.ts'
import { createLeakChecker } from './testing/leak-check.ts'
import { attackSessions, outcomeOf } from './testing/attack-session.ts'
import { baseReads, type CatalogFunction, CAST_TYPES_SQL, catalogStatements, FUNCTIONS_SQL, NOTIFY_CHANNEL, wrappedStatements } from './testing/leak-sweep-statements.ts'
import { runSweep, type SweepResult } from './testing/leak-sweep-run.ts'
import { JSON_SECRETS, JSON_SEED_SQL, LEAK_SEED_SQL, SEEDED_SECRETS } from './testing/seed-leaks.ts'

let h: Harness

test.before(async () => {
  h = await startHarness({ seed: [LEAK_SEED_SQL, JSON_SEED_SQL] })
})
test.after(async () => {
  await h?.stop()
})

/** Sessions run side by side: the gateway and the server each get one statement while the other works. */
const SESSIONS = 2

function counts(results: SweepResult[]): string {
  const by = (v: string) => results.filter((r) => r.verdict === v).length
  const clean = results.filter((r) => r.verdict === 'allowed' && !r.leaks.length).length
  const residual = results.filter((r) => r.leaks.length && r.statement.residual).length
  const leaking = results.filter((r) => r.leaks.length).length
  return `${results.length} tried: ${by('denied')} denied, ${by('held')} held, ${clean} allowed and clean, ${leaking} leaking${residual ? ` (${residual} known residual)` : ''}`
}

/** Counts in total and by the first word of each statement's source (function, aggregate, window, cast, a wrapper). */
function report(results: SweepResult[]): string {
  const kinds = new Map<string, SweepResult[]>()
  for (const r of results) {
    const kind = /^(function|aggregate|window|cast)\b/.exec(r.statement.source)?.[1] ?? 'wrapped read'
    kinds.set(kind, [...(kinds.get(kind) ?? []), r])
  }
  return [counts(results), ...[...kinds].map(([kind, rs]) => `  ${kind}: ${counts(rs)}`)].join('\n')
}

test('run directly on the server, the reads the sweep wraps do give the secrets back: the check would see them', async () => {
  const checker = createLeakChecker([...SEEDED_SECRETS, ...JSON_SECRETS])
  const silent: string[] = []
  const direct = [...baseReads().map((r) => r.sql), 'SELECT to_tsvector(p.prefs) FROM profiles p', 'SELECT k.password::inet FROM credentials k']
  for (const sql of direct) {
    const received = await h.cluster.query(sql).then(
      (rows) => ({ results: [{ fields: [], rows: rows.map((r) => Object.values(r).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)))) }], messages: [] }),
      (err: Error) => ({ results: [], messages: [err.message] }),
    )
    if (!checker.scan(received).length) silent.push(sql)
  }
  assert.equal(silent, [])
})

test('every catalog function, aggregate, window function and cast over masked columns, and every wrapper: no secret comes back', async () => {
  const functions = await h.cluster.query<CatalogFunction & { args: string[] }>(FUNCTIONS_SQL)
  const castTypes = (await h.cluster.query<{ name: string }>(CAST_TYPES_SQL)).map((r) => r.name)
  const sweep = catalogStatements({ functions, castTypes })
  const statements = [...sweep.statements, ...wrappedStatements()]
  // A session listening on the channel the sweep notifies (LISTEN is held; a reviewer approves it as harmless).
  const attacks = attackSessions(() => h)
  const listener = await attacks.session()
  assert.equal((await attacks.query(listener, `LISTEN ${NOTIFY_CHANNEL}`)).errors, [])
  const started = Date.now()
  const results = await runSweep(h, statements, SESSIONS)
  // Everything the listener received since LISTEN; a notification sent on the server shows it was listening.
  await h.cluster.query(`NOTIFY ${NOTIFY_CHANNEL}, '{"note": "sweep-done"}'`)
  await listener.until((fs) => fs.some((f) => f.type === 'A'), 10_000)
  const heard = outcomeOf(listener.take())
  listener.close()
  assert.ok(heard.notifications.some((n) => n.includes('sweep-done')), `the listener heard ${JSON.stringify(heard.notifications)}`)
  assert.equal(heard.leaks, [], `notifications gave secrets back: ${heard.notifications.slice(0, 3).join(' | ')}`)
  const seconds = ((Date.now() - started) / 1000).toFixed(1)
  console.log(`\nleak sweep: ${functions.length} catalog functions (${sweep.skipped} not applicable, ${sweep.excluded} left out), ${castTypes.length} cast types, ${seconds} s; ${report(results)}`)
  const residual = results.filter((r) => r.leaks.length && r.statement.residual)
  const known = [...new Set(residual.map((r) => r.statement.residual))]
  if (residual.length) console.log(`known residual leaks (not failed): ${residual.length} statements: ${known.join('; ')}`)
  const leaking = results.filter((r) => r.leaks.length && !r.statement.residual)
  assert.equal(leaking.map((r) => `${r.statement.source} [${r.verdict}]: ${r.statement.texts.join('; ').slice(0, 300)}\n    ${r.leaks[0]}`), [])
  assert.equal(h.unjudgedStatements(), [])
})

test.run()
