// Hostile SQL an agent sends to a production database must never come out `allow`; harmless reads and
// session statements must. Runs testdata/corpora through the real normalizer and the compiled policy.
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { buildBundle, opaBinary, packageRoot } from '../cli/policy.ts'
import { type CorpusEntry, describeJudgement, parseCorpus } from './adversarial-corpus.ts'
import { defaultConfig } from './config/defaults.ts'
import { prepareDecider, readBundle } from './decide/index.ts'
import { buildInput, targetOf } from './input.ts'
import { loadSqlParsers, normalize } from './normalize/index.ts'
import type { Decision, Identity, InputDocument } from './types.ts'

const corpusDir = join(packageRoot, 'testdata', 'corpora')
const config = defaultConfig()
const agent: Identity = { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' }
const target = targetOf(config.targets.find((t) => t.name === 'prod-db')!)
const session = { id: 'adversarial-session', started_at: '2026-01-01T00:00:00Z', grants: [] }

const neverAllowed = parseCorpus(await readFile(join(corpusDir, 'sql-never-allowed.yaml'), 'utf8'), 'sql-never-allowed.yaml')
const allowed = parseCorpus(await readFile(join(corpusDir, 'sql-allowed.yaml'), 'utf8'), 'sql-allowed.yaml')

// Inputs too large or too repetitive to write out in YAML: about 200 KB each.
const big = 200 * 1024
const generated: CorpusEntry[] = [
  { why: 'generated: 200 KB block comment hiding a DELETE behind it', sql: `/* ${'x'.repeat(big)} */ DELETE FROM users` },
  { why: 'generated: 200 KB of line comments, then DROP TABLE', sql: `${'-- just reading\n'.repeat(big / 16)}DROP TABLE users` },
  { why: 'generated: SELECT with a 200 KB string literal, then a DELETE', sql: `SELECT '${'a'.repeat(big)}'; DELETE FROM users` },
  { why: 'generated: 200 KB IN list hiding an UPDATE in its last element', sql: `SELECT * FROM users WHERE id IN (${Array.from({ length: big / 6 }, (_, i) => i).join(', ')}, (SELECT 1 FROM (WITH u AS (UPDATE users SET admin = true RETURNING 1) SELECT 1 FROM u) x))` },
  { why: 'generated: twenty thousand SELECT 1 statements, then TRUNCATE', sql: `${'SELECT 1;'.repeat(20000)} TRUNCATE users` },
  { why: 'generated: a writable CTE under 300 levels of nested subqueries', sql: `${'SELECT * FROM ('.repeat(300)}WITH d AS (DELETE FROM users RETURNING *) SELECT * FROM d${') s'.repeat(300)}` },
  { why: 'generated: an unterminated 200 KB dollar-quoted string', sql: `SELECT $x$${'y'.repeat(big)}` },
]

const work = await mkdtemp(join(tmpdir(), 'warden-adversarial-'))
const bundle = await readBundle(await readFile(await buildBundle(join(packageRoot, 'policies'), join(work, 'bundle.tar.gz'), opaBinary())))
const decider = await prepareDecider(bundle, { maxMemoryPages: config.policy.memory_pages, data: { settings: config.policy.settings } })
await loadSqlParsers()

function judge(entry: CorpusEntry): { input: InputDocument; decision: Decision } {
  const prepared = entry.prepared ? new Map(Object.entries(entry.prepared)) : undefined
  const normalized = normalize({ kind: 'sql', text: entry.sql, prepared }, target)
  const input = buildInput({ identity: agent, session, target, normalized })
  return { input, decision: decider.decide(input) }
}

function show(entry: CorpusEntry): string {
  return JSON.stringify(entry.sql.length > 300 ? `${entry.sql.slice(0, 300)}…` : entry.sql)
}

test('the never-allowed corpus has at least 250 entries and the allowed corpus at least 40', () => {
  assert.ok(neverAllowed.length >= 250, `sql-never-allowed.yaml has only ${neverAllowed.length} entries`)
  assert.ok(allowed.length >= 40, `sql-allowed.yaml has only ${allowed.length} entries`)
})

test('no SQL text is in both corpora', () => {
  const allowedText = new Set(allowed.map((e) => e.sql.trim()))
  const both = neverAllowed.filter((e) => allowedText.has(e.sql.trim())).map((e) => e.why)
  assert.equal(both, [])
})

for (const entry of [...neverAllowed, ...generated]) {
  test(`never allowed: ${entry.why}`, () => {
    const { input, decision } = judge(entry)
    assert.ok(decision.effect === 'deny' || decision.effect === 'approve', `${show(entry)} was allowed\n${describeJudgement(input, decision)}`)
  })
}

for (const entry of allowed) {
  test(`allowed: ${entry.why}`, () => {
    const { input, decision } = judge(entry)
    assert.is(decision.effect, 'allow', `${show(entry)} was not allowed\n${describeJudgement(input, decision)}`)
  })
}

test.after(async () => {
  await rm(work, { recursive: true, force: true })
})

test.run()
