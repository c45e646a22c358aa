// The engine's caches (engine/normalize/sql-cache.ts, engine/decide/decision-cache.ts) change no judgement.
// Every policy fixture and every corpus entry is judged by the gateway engine twice (the second time from its
// caches) and by the uncached path (normalize, build, validate, decide, as the engine did before it had
// caches), without a catalog and with the real catalog of a seeded PostgreSQL, and once more decided on a decide
// thread (engine.prefetch); input documents and decisions must be identical. Then the cases a cache could get wrong: a literal that changes the decision under the
// same fingerprint, a grant, a policy swap, a catalog change.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMemoryApprovalStore } from '../../engine/approvals/index.ts'
import { createMemoryAuditSink } from '../../engine/audit/index.ts'
import { type CorpusEntry, parseCorpus } from '../../engine/adversarial-corpus.ts'
import { defaultConfig } from '../../engine/config/defaults.ts'
import type { TargetConfig } from '../../engine/config/types.ts'
import { policyErrorDecision, readBundle } from '../../engine/decide/index.ts'
import { countingDecider } from '../../engine/decide/counting-decider.ts'
import { DecidePool } from '../../engine/decide/pool.ts'
import { compileRego } from '../../engine/decide/test-bundle.ts'
import { parseFixtures } from '../../engine/fixtures/load.ts'
import { identityFor, rawRequest } from '../../engine/fixtures/run.ts'
import type { FixtureCase } from '../../engine/fixtures/types.ts'
import type { Judgement, JudgeRequest, SessionState } from '../../engine/gateway.ts'
import { createGatewayEngine } from '../../engine/gateway-engine.ts'
import { createVerifier, generateDevKey } from '../../engine/identity/index.ts'
import { buildInput, targetOf } from '../../engine/input.ts'
import { normalize, type RawRequest } from '../../engine/normalize/index.ts'
import type { SchemaCatalog } from '../../engine/normalize/sql/index.ts'
import { integerLiterals } from '../../engine/normalize/sql-template.ts'
import { validator } from '../../engine/schema/validate.ts'
import type { Identity, InputDocument } from '../../engine/types.ts'
import { loadPolicy } from '../server/policy.ts'
import { connectBackend } from './backend.ts'
import { Catalog } from './catalog.ts'
import { startCluster, type TestCluster } from './testing/cluster.ts'
import { loadMaskingCorpus } from './testing/masking-corpus.ts'
import { packageRoot, testOpa } from './testing/paths.ts'
import { LEAK_SEED_SQL } from './testing/seed-leaks.ts'

const config = defaultConfig()
config.policy.source = join(packageRoot, 'policies')
config.state_dir = mkdtempSync(join(tmpdir(), 'warden-cache-equivalence-'))
const agent: Identity = { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' }
const prodDb = config.targets.find((t) => t.name === 'prod-db')!
const inputSchema = validator<InputDocument>('input')

let cluster: TestCluster
let catalog: Catalog
const policy = await loadPolicy(config, { opa: testOpa(), packageRoot })
const decider = policy.decider
/** Evaluations the engine asked of the policy (a cache hit asks none). */
const { counted, seen } = countingDecider(decider)
const approvals = createMemoryApprovalStore()
const keys = await generateDevKey()
const engine = await createGatewayEngine(config, {
  verifier: createVerifier(config.identity, { devPublicJwk: keys.publicJwk }),
  approvals,
  audit: createMemoryAuditSink(),
  decider: counted,
})

const sessionOf = (identity: Identity, target: TargetConfig, id = 'ses_equivalence'): SessionState => ({ id, started_at: '2026-01-01T00:00:00.000Z', identity, target })

/** What the engine computed before it had caches: normalize, build, validate, decide (the policy reads the object). */
function uncached(session: SessionState, raw: RawRequest): Judgement {
  const target = targetOf(session.target)
  const input = buildInput({
    identity: session.identity,
    session: { id: session.id, started_at: session.started_at, grants: approvals.grantsFor({ session: session.id, identity: session.identity, target: session.target.name }) },
    target,
    normalized: normalize(raw, target),
  })
  const issues = inputSchema.issues(input)
  if (issues.length) return { input, decision: policyErrorDecision(`input document invalid: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`), revision: decider.revision }
  return { input, decision: decider.decide(input), revision: decider.revision }
}

const requestOf = (session: SessionState, raw: RawRequest): JudgeRequest =>
  raw.kind === 'sql' ? { kind: 'sql', session, text: raw.text, prepared: raw.prepared, catalog: raw.catalog } : { kind: 'http', session, request: raw.request, mcp: raw.mcp }

interface Outcome {
  judgement: Judgement
  /** The second judgement asked the policy nothing. */
  decisionCached: boolean
  /** The second judgement reused the first one's normalized command. */
  normalizedCached: boolean
  json: string
}

/** Judges twice through the engine and once uncached; all three must agree exactly. */
function same(label: string, session: SessionState, raw: RawRequest): Outcome {
  const want = uncached(session, raw)
  const first = engine.judge(requestOf(session, raw))
  const before = seen.evaluations
  const second = engine.judge(requestOf(session, raw))
  const json = JSON.stringify(want.input)
  assert.is(JSON.stringify(first.input), json, `${label}: input document (first judgement)`)
  assert.is(JSON.stringify(second.input), json, `${label}: input document (from the caches)`)
  assert.equal(first.decision, want.decision, `${label}: decision (first judgement)`)
  assert.equal(second.decision, want.decision, `${label}: decision (from the caches)`)
  return { judgement: want, decisionCached: seen.evaluations === before, normalizedCached: first.input.command === second.input.command, json }
}

const corpusDir = join(packageRoot, 'testdata', 'corpora')
const corpus = (file: string) => parseCorpus(readFileSync(join(corpusDir, file), 'utf8'), file)
const big = 200 * 1024
const sqlEntries: CorpusEntry[] = [
  ...corpus('sql-never-allowed.yaml'),
  ...corpus('sql-allowed.yaml'),
  ...loadMaskingCorpus().map((e) => ({ sql: e.sql, why: `masking ${e.name}` })),
  // Over every size limit of the caches: judged each time, and still the same.
  { why: 'generated: 200 KB block comment hiding a DELETE', sql: `/* ${'x'.repeat(big)} */ DELETE FROM users` },
  { why: 'generated: twenty thousand SELECT 1, then TRUNCATE', sql: `${'SELECT 1;'.repeat(20000)} TRUNCATE users` },
  { why: 'generated: 9 KB string literal in a read', sql: `SELECT '${'a'.repeat(9 * 1024)}' FROM users` },
]

const fixtureDir = join(packageRoot, 'testdata', 'policies')
const fixtures: FixtureCase[] = readdirSync(fixtureDir).filter((f) => f.endsWith('.yaml')).sort()
  .flatMap((f) => parseFixtures(readFileSync(join(fixtureDir, f), 'utf8'), `testdata/policies/${f}`))

test.before(async () => {
  cluster = await startCluster({ logStatements: false })
  await cluster.query(LEAK_SEED_SQL)
  catalog = new Catalog(() => connectBackend(cluster.upstream(), new Map([['application_name', 'warden-catalog']])))
  await catalog.warm()
})
test.after(async () => {
  catalog?.close()
  await cluster?.stop()
  rmSync(config.state_dir, { recursive: true, force: true })
})

test('every corpus entry, without a catalog and with the real one: cached and uncached judgements are identical', () => {
  const session = sessionOf(agent, prodDb)
  let decisionHits = 0
  let normalizeHits = 0
  for (const withCatalog of [false, true]) {
    for (const entry of sqlEntries) {
      const prepared = entry.prepared ? new Map(Object.entries(entry.prepared)) : undefined
      const raw: RawRequest = { kind: 'sql', text: entry.sql, prepared, catalog: withCatalog ? catalog : undefined }
      const label = `${withCatalog ? 'catalog' : 'no catalog'}: ${entry.why}`
      const outcome = same(label, session, raw)
      // Everything short enough to be kept must have come from the caches the second time (no grants here,
      // so nothing reads the clock), except failed evaluations (a lone surrogate: OPA refuses its JSON escape);
      // EXECUTE reads the session's prepared statements and is normalized again.
      const failed = outcome.judgement.decision.reasons.some((r) => r.rule === 'warden.policy_error')
      if (outcome.json.length <= 128 * 1024 && !failed) {
        assert.ok(outcome.decisionCached, `${label}: decision not served from the cache`)
        decisionHits++
      }
      if (entry.sql.length <= 8 * 1024 && !/\bexecute\b/i.test(entry.sql)) {
        assert.ok(outcome.normalizedCached, `${label}: normalization not served from the cache`)
        normalizeHits++
      }
    }
  }
  assert.ok(sqlEntries.length >= 300, `only ${sqlEntries.length} corpus entries`)
  assert.ok(decisionHits >= sqlEntries.length * 2 - 10 && normalizeHits >= sqlEntries.length, `${decisionHits} decision hits, ${normalizeHits} normalization hits`)
})

test('with a decide thread: every corpus entry decided off the socket thread is judged exactly as uncached', async () => {
  const pool = new DecidePool({ threads: 1, timeoutMs: 60_000 })
  await pool.start(decider)
  const threaded = await createGatewayEngine(config, {
    verifier: createVerifier(config.identity, { devPublicJwk: keys.publicJwk }),
    approvals,
    audit: createMemoryAuditSink(),
    decider: counted,
    pool,
  })
  try {
    const session = sessionOf(agent, prodDb, 'ses_threaded')
    let fromThread = 0
    for (const entry of sqlEntries) {
      const prepared = entry.prepared ? new Map(Object.entries(entry.prepared)) : undefined
      const raw: RawRequest = { kind: 'sql', text: entry.sql, prepared, catalog }
      const request = requestOf(session, raw)
      await threaded.prefetch!(request)
      const before = seen.evaluations
      const judged = threaded.judge(request)
      if (seen.evaluations === before) fromThread++
      const want = uncached(session, raw)
      assert.is(JSON.stringify(judged.input), JSON.stringify(want.input), `${entry.why}: input document`)
      assert.equal(judged.decision, want.decision, `${entry.why}: decision`)
    }
    // Decided on the thread, or found in the cache (a text that appears in two corpora).
    assert.ok(fromThread >= sqlEntries.length - 10, `${fromThread} of ${sqlEntries.length} decided off the socket thread`)
    assert.ok(pool.used >= sqlEntries.length - 20, `${pool.used} answers from the thread`)
  } finally {
    await pool.close()
  }
})

test('every policy fixture the engine can be asked (SQL, HTTP, Kubernetes, cloud, MCP): cached and uncached judgements are identical', () => {
  let judged = 0
  for (const fixture of fixtures) {
    // Fixtures that bring their own input document or grants are not requests a session makes; their
    // documents go through the decision cache in the next test.
    if (fixture.input || fixture.session?.grants?.length) continue
    const target = config.targets.find((t) => t.name === fixture.target)!
    const session = sessionOf(identityFor(fixture, config), target, `ses_fixture_${judged}`)
    same(`${fixture.file}#${fixture.index} ${fixture.note}`, session, rawRequest(fixture))
    judged++
  }
  assert.ok(judged >= 150, `only ${judged} fixtures judged`)
})

test('every fixture input document, grants and hand-written documents included: the decision cache agrees with the policy', async () => {
  const { withDecisionCache } = await import('../../engine/decide/decision-cache.ts')
  const { fixtureInput } = await import('../../engine/fixtures/run.ts')
  const cached = withDecisionCache(decider)
  let n = 0
  for (const fixture of fixtures) {
    const input = fixtureInput(fixture, config)
    const want = decider.decide(input)
    for (let i = 0; i < 2; i++) assert.equal(cached.decide(input), want, `${fixture.file}#${fixture.index} ${fixture.note} (${i ? 'cached' : 'first'})`)
    n++
  }
  assert.ok(n >= 180, `only ${n} fixtures`)
  assert.ok(cached.hits > 0)
})

test('only a literal differs (same fingerprint): each text gets its own decision', () => {
  const session = sessionOf(agent, prodDb, 'ses_literals')
  const pairs: [string, string][] = [["SET default_transaction_read_only = 'on'", "SET default_transaction_read_only = 'off'"], ["SET transaction_read_only = 'on'", "SET transaction_read_only = 'off'"]]
  for (const [on, off] of pairs) {
    for (let i = 0; i < 2; i++) {
      const a = engine.judge({ kind: 'sql', session, text: on, catalog })
      const b = engine.judge({ kind: 'sql', session, text: off, catalog })
      assert.is(a.input.command.fingerprint, b.input.command.fingerprint, 'the same statement shape')
      assert.is(a.decision.effect, 'allow', on)
      assert.is(b.decision.effect, 'deny', off)
    }
  }
})

/** `text` with every integer literal replaced by a value from `next` (any length up to 9 digits). */
function otherIntegers(text: string, next: () => number): string {
  let out = ''
  let at = 0
  for (const l of integerLiterals(text) ?? []) {
    out += text.slice(at, l.start) + String(next() % 10 ** (1 + (next() % 9)))
    at = l.start + l.length
  }
  return out + text.slice(at)
}

test('texts that differ only in integer literals (shared templates): every corpus entry and fixture with other values is judged exactly as uncached', () => {
  const session = sessionOf(agent, prodDb, 'ses_integers')
  let seed = 7
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648)
  const texts = [
    ...sqlEntries.filter((e) => !e.prepared).map((e) => e.sql),
    ...fixtures.filter((f) => !f.input && !f.prepared && !f.session?.grants?.length && f.sql !== undefined).map((f) => f.sql!),
    'SELECT abalance FROM pgbench_accounts WHERE aid = 4242;',
    'SELECT id, email FROM users ORDER BY 2 LIMIT 3',
  ].filter((t) => integerLiterals(t))
  let variants = 0
  for (const text of texts) {
    // Same lengths (a template of the first), other lengths, and the original again.
    const same = text.replace(/[0-9]/g, (d, i: number) => (integerLiterals(text)!.some((l) => i >= l.start && i < l.start + l.length) ? String((Number(d) + 3) % 10) : d))
    for (const variant of [text, same, otherIntegers(text, next), otherIntegers(text, next), text]) {
      for (const withCatalog of [false, true]) {
        const raw: RawRequest = { kind: 'sql', text: variant, catalog: withCatalog ? catalog : undefined }
        const got = engine.judge(requestOf(session, raw))
        const want = uncached(session, raw)
        assert.is(JSON.stringify(got.input), JSON.stringify(want.input), `${variant}: input document`)
        assert.equal(got.decision, want.decision, `${variant}: decision`)
        variants++
      }
    }
  }
  assert.ok(texts.length >= 60, `only ${texts.length} texts with integer literals`)
  assert.ok(variants >= texts.length * 10)
})

test('only an integer literal differs and the policy reads it: each text gets its own decision through one template', async () => {
  const session = sessionOf(agent, prodDb, 'ses_integer_policy')
  await decider.swap(await compileRego({
    'p.rego': `package warden
decision := {"effect": "deny", "reasons": [{"rule": "t.raw", "message": "4242 in raw"}], "obligations": {"mask": []}} if contains(input.command.raw, "4242")
else := {"effect": "deny", "reasons": [{"rule": "t.text", "message": "7 in text"}], "obligations": {"mask": []}} if endswith(input.command.sql.statements[0].text, "= 7")
else := {"effect": "allow", "reasons": [], "obligations": {"mask": []}}
`,
  }))
  try {
    const effect = (text: string) => engine.judge({ kind: 'sql', session, text, catalog }).decision
    for (let i = 0; i < 2; i++) {
      assert.is(effect('SELECT abalance FROM pgbench_accounts WHERE aid = 1111').effect, 'allow')
      assert.equal(effect('SELECT abalance FROM pgbench_accounts WHERE aid = 4242').reasons, [{ rule: 't.raw', message: '4242 in raw' }])
      assert.is(effect('SELECT abalance FROM pgbench_accounts WHERE aid = 8').effect, 'allow')
      assert.equal(effect('SELECT abalance FROM pgbench_accounts WHERE aid = 7').reasons, [{ rule: 't.text', message: '7 in text' }])
    }
  } finally {
    await decider.swap(await readBundle(readFileSync(policy.bundlePath)))
  }
})

test('a grant changes the judgement at once, and a decision that depends on it is never kept (it reads the clock)', async () => {
  const session = sessionOf(agent, prodDb, 'ses_grant')
  const text = "SET search_path = 'reporting'"
  const held = engine.judge({ kind: 'sql', session, text, catalog })
  assert.is(held.decision.effect, 'approve')
  assert.is(engine.judge({ kind: 'sql', session, text, catalog }).decision.effect, 'approve', 'from the cache, still held')
  const request = await approvals.request({ input: held.input, decision: held.decision, summary: text })
  assert.ok((await approvals.approve(request.id, { sub: 'alice', issuer: 'warden-dev', groups: ['dba'], kind: 'human' })).grant, 'the approval created a grant')
  for (let i = 0; i < 3; i++) {
    const before = seen.evaluations
    const now = engine.judge({ kind: 'sql', session, text, catalog })
    assert.is(seen.evaluations, before + 1, 'evaluated every time: the grant is checked against time.now_ns')
    assert.is(now.decision.effect, 'allow', 'the grant covers it')
    assert.equal(now, uncached(session, { kind: 'sql', text, catalog }))
  }
})

test('a policy swap applies to the very next judgement', async () => {
  const session = sessionOf(agent, prodDb, 'ses_swap')
  const text = 'SELECT id, plan FROM users'
  assert.is(engine.judge({ kind: 'sql', session, text, catalog }).decision.effect, 'allow')
  assert.is(engine.judge({ kind: 'sql', session, text, catalog }).decision.effect, 'allow')
  await decider.swap(await compileRego({ 'p.rego': 'package warden\ndecision := {"effect": "deny", "reasons": [{"rule": "t.closed", "message": "closed for maintenance"}], "obligations": {"mask": []}}\n' }))
  try {
    const closed = engine.judge({ kind: 'sql', session, text, catalog })
    assert.equal(closed.decision.reasons, [{ rule: 't.closed', message: 'closed for maintenance' }])
  } finally {
    await decider.swap(await readBundle(readFileSync(policy.bundlePath)))
  }
  assert.is(engine.judge({ kind: 'sql', session, text, catalog }).decision.effect, 'allow')
})

test('a catalog change applies to the very next judgement: a relation learnt, a column renamed', async () => {
  const session = sessionOf(agent, prodDb, 'ses_catalog')
  await cluster.query('SET ROLE warden; CREATE TABLE cache_probe (id int, note text)')
  const text = 'SELECT * FROM cache_probe'
  const judge = () => {
    const j = engine.judge({ kind: 'sql', session, text, catalog: catalog as SchemaCatalog })
    assert.equal(j, uncached(session, { kind: 'sql', text, catalog }))
    return j
  }
  const unknown = judge()
  assert.is(unknown.decision.effect, 'deny', 'a relation the catalog does not know: lineage unknown under masks')
  await catalog.loadNames([{ schema: null, name: 'cache_probe' }])
  const known = judge()
  assert.is(known.decision.effect, 'allow')
  assert.equal(known.input.command.sql!.statements[0]!.outputs!.map((o) => o.name), ['id', 'note'])
  await cluster.query('SET ROLE warden; ALTER TABLE cache_probe RENAME COLUMN note TO email')
  await catalog.loadNames([{ schema: null, name: 'cache_probe' }])
  const renamed = judge()
  assert.equal(renamed.input.command.sql!.statements[0]!.outputs!.map((o) => o.name), ['id', 'email'])
})

test.run()
