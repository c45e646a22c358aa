// `warden diff` on prepared corpora with known flips, the real OPA compiler and a real git repository:
// a tightening passes with its flips listed, a relaxation fails, an acknowledged relaxation passes; --base
// HEAD~1 compares against the previous commit; fixtures and the audit trail are corpora too; JSON, JUnit and
// GitHub outputs; the progress bar only on a terminal; worker threads give what inline gives.
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import Database from 'better-sqlite3'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { AuditEvent } from '../../engine/audit/types.ts'
import { readBundle } from '../../engine/decide/index.ts'
import { buildInput, targetOf } from '../../engine/input.ts'
import { loadSqlParsers, normalize, type RawRequest } from '../../engine/normalize/index.ts'
import { openAuditTrail } from '../../proxy/server/audit-trail.ts'
import { loadConfig } from '../config-file.ts'
import { memoryIo } from '../io.ts'
import { main } from '../main.ts'
import { buildBundle, packageRoot } from '../policy.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-diff-'))
test.after(() => rmSync(dir, { recursive: true, force: true }))

// A repository of its own: the shipped policies, a config, and a corpus.
const repo = join(dir, 'repo')
const policies = join(repo, 'policies')
cpSync(join(packageRoot, 'policies'), policies, { recursive: true })
writeFileSync(join(repo, 'warden.yaml'), `state_dir: ./state
identity:
  providers: [{ name: dev, issuer: warden-dev, audience: warden, dev: true }]
policy: { source: policies }
audit: { destination: "off" }
targets:
  - { name: prod-db, kind: postgres, environment: production, upstream: { host: 127.0.0.1, database: app, user: warden } }
  - { name: web, kind: http, environment: production, upstream_http: { url: "https://api.example" } }
`)

// A rule package that denies reading orders, and one that masks the name column.
const ROLLOUT = `package warden.rules.rollout

deny contains msg if {
	some s in input.command.sql.statements
	some t in s.tables
	t.name == "orders"
	msg := "orders are off limits during the migration"
}
`
const NAME_MASK = `package warden.rules.names

mask contains {"column": "name", "rule": "warden.rules.names"} if {
	count(input.command.sql.statements) > 0
}
`
const rolloutFile = join(policies, 'rules', 'rollout.rego')
const namesFile = join(policies, 'rules', 'names.rego')
const setPolicy = (files: { rollout?: boolean; names?: boolean }) => {
  rmSync(rolloutFile, { force: true })
  rmSync(namesFile, { force: true })
  if (files.rollout) writeFileSync(rolloutFile, ROLLOUT)
  if (files.names) writeFileSync(namesFile, NAME_MASK)
}

// The corpus: input documents as the gateway builds them, as JSON lines.
await loadSqlParsers()
const prodDb = targetOf({ name: 'prod-db', kind: 'postgres', environment: 'production', labels: {} })
const web = targetOf({ name: 'web', kind: 'http', environment: 'production', labels: {} })
const identity = { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' as const }
const doc = (request: RawRequest, target = prodDb) => buildInput({ identity, session: { id: 's1', started_at: '2026-01-01T00:00:00Z', grants: [] }, target, normalized: normalize(request, target) })
const corpus = join(repo, 'corpus.jsonl')
writeFileSync(corpus, [
  doc({ kind: 'sql', text: 'SELECT id, total_cents FROM orders WHERE id = 7' }),
  doc({ kind: 'sql', text: 'SELECT id, total_cents FROM orders WHERE id = 7' }),
  doc({ kind: 'sql', text: 'SELECT id, name FROM users WHERE id = 1' }),
  doc({ kind: 'sql', text: 'DROP TABLE users' }),
  doc({ kind: 'http', request: { method: 'GET', url: 'https://api.example/v1/things' } }, web),
].map((d) => JSON.stringify(d)).join('\n') + '\n')

async function bundleOf(files: { rollout?: boolean; names?: boolean }, name: string): Promise<string> {
  setPolicy(files)
  return buildBundle(policies, join(dir, 'bundles', `${name}.tar.gz`))
}

async function warden(args: string[], opts: { tty?: boolean } = {}) {
  const io = Object.assign(memoryIo({}, repo), opts.tty ? { tty: true } : {})
  const code = await main(['diff', '--config', 'warden.yaml', ...args], io)
  return { code, out: io.stdout, err: io.stderr }
}

const bundles: Record<string, string> = {}

test.before(async () => {
  bundles.plain = await bundleOf({}, 'plain')
  bundles.rollout = await bundleOf({ rollout: true }, 'rollout')
  bundles.names = await bundleOf({ names: true }, 'names')
})

test('a tightening passes (exit 0) with its flips listed, grouped by change, rule and target', async () => {
  setPolicy({ rollout: true })
  const { code, out, err } = await warden(['--base', bundles.plain!, '--corpus', 'corpus.jsonl'])
  assert.is(code, 0, err + out)
  assert.match(out, /warden diff: bundle .*plain\.tar\.gz → working tree policies\//)
  assert.match(out, /corpus: corpus\.jsonl 5 inputs/)
  assert.match(out, /replayed 4 distinct inputs × 2 policies = 8 decisions/)
  assert.match(out, /TIGHTENS allow→deny  warden\.rules\.rollout  on prod-db  ×2\n\s+e\.g\. SELECT id, total_cents FROM orders WHERE id = 7\n\s+cursor · corpus\.jsonl:1/)
  assert.match(out, /no unacknowledged relaxation/)
  assert.not.match(out, /RELAXES/)
})

test('a relaxation fails (exit 1): a deny becoming allow, and a lost mask', async () => {
  setPolicy({})
  const relaxed = await warden(['--base', bundles.rollout!, '--corpus', 'corpus.jsonl'])
  assert.is(relaxed.code, 1, relaxed.err + relaxed.out)
  assert.match(relaxed.out, /RELAXES  deny→allow  warden\.rules\.rollout  on prod-db  ×2/)
  assert.match(relaxed.out, /2 inputs relaxed \(0 acknowledged\), 0 tightened; 1 group\nFAILED: 2 relaxed inputs are not acknowledged/)

  const unmasked = await warden(['--base', bundles.names!, '--corpus', 'corpus.jsonl'])
  assert.is(unmasked.code, 1)
  assert.match(unmasked.out, /RELAXES  mask lost  warden\.rules\.names  on prod-db  ×\d+\n\s+column name\n\s+e\.g\. /)
  // The DROP is denied by both: not a flip.
  assert.not.match(unmasked.out, /DROP TABLE/)
})

test('an acknowledged relaxation passes (exit 0); an entry that covers nothing is reported as unused', async () => {
  setPolicy({})
  writeFileSync(join(policies, 'diff-acknowledged.yaml'), `acknowledged:
  - rule: warden.rules.rollout
    change: deny->allow
    target: prod-*
    reason: the orders migration is over (#42)
  - rule: warden.rules.sql.*
    change: mask lost
    reason: nothing matches this one
`)
  try {
    const { code, out } = await warden(['--base', bundles.rollout!, '--corpus', 'corpus.jsonl'])
    assert.is(code, 0, out)
    assert.match(out, /ACKED    deny→allow  warden\.rules\.rollout  on prod-db  ×2\n[\s\S]*acknowledged: the orders migration is over \(#42\) \(.*diff-acknowledged\.yaml:2\)/)
    assert.match(out, /2 inputs relaxed \(2 acknowledged\)/)
    assert.match(out, /unused acknowledgement \(nothing it covers flipped\): warden\.rules\.sql\.\* mask lost at .*diff-acknowledged\.yaml:6/)
    // Acknowledging one target does not acknowledge another, nor another change.
    const other = await warden(['--base', bundles.names!, '--corpus', 'corpus.jsonl'])
    assert.is(other.code, 1)
    // The file sits in the policy source but never in a bundle (OPA would load it as data).
    const built = await readBundle(readFileSync(await buildBundle(policies, join(dir, 'bundles', 'with-acks.tar.gz'))))
    assert.is('acknowledged' in built.data, false)
  } finally {
    rmSync(join(policies, 'diff-acknowledged.yaml'), { force: true })
  }
})

test('an acknowledgement for one command digest covers only that command', async () => {
  setPolicy({})
  const json = JSON.parse((await warden(['--base', bundles.rollout!, '--corpus', 'corpus.jsonl', '--format', 'json'])).out)
  const digest = json.groups[0].example.digest as string
  assert.match(digest, /^[0-9a-f]{64}$/)
  const file = join(dir, 'acks.yaml')
  writeFileSync(file, `acknowledged:\n  - { rule: warden.rules.rollout, digest: "${digest}", reason: this one statement only }\n`)
  assert.is((await warden(['--base', bundles.rollout!, '--corpus', 'corpus.jsonl', '--acknowledged', file])).code, 0)
  writeFileSync(file, `acknowledged:\n  - { rule: warden.rules.rollout, digest: "${'0'.repeat(64)}", reason: another statement }\n`)
  assert.is((await warden(['--base', bundles.rollout!, '--corpus', 'corpus.jsonl', '--acknowledged', file])).code, 1)
  writeFileSync(file, 'acknowledged:\n  - { rule: warden.rules.rollout }\n')
  const bad = await warden(['--base', bundles.rollout!, '--corpus', 'corpus.jsonl', '--acknowledged', file])
  assert.is(bad.code, 2)
  assert.match(bad.err, /acks\.yaml: acknowledged\/0|acks\.yaml: .*reason/)
})

test('--format json, junit and github', async () => {
  setPolicy({})
  const json = await warden(['--base', bundles.rollout!, '--corpus', 'corpus.jsonl', '--format', 'json'])
  assert.is(json.code, 1)
  const report = JSON.parse(json.out)
  assert.is(report.failed, true)
  assert.is(report.inputs, 5)
  assert.is(report.distinct, 4)
  assert.equal(report.transitions, { 'deny→allow': 2, 'allow→allow': 2, 'deny→deny': 1 })
  assert.equal(report.relaxations, { inputs: 2, acknowledged: 0 })
  assert.equal(report.groups.map((g: { change: string; rules: string[]; target: string; count: number }) => [g.change, g.rules, g.target, g.count]), [['deny→allow', ['warden.rules.rollout'], 'prod-db', 2]])

  const junit = await warden(['--base', bundles.rollout!, '--corpus', 'corpus.jsonl', '--format', 'junit'])
  assert.is(junit.code, 1)
  assert.match(junit.out, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites tests="1" failures="1">/)
  assert.match(junit.out, /<testcase classname="warden\.diff\.prod-db" name="deny→allow warden\.rules\.rollout"><failure message="[^"]*a relaxation nobody acknowledged \(2 inputs\)">/)

  setPolicy({ rollout: true })
  const github = await warden(['--base', bundles.plain!, '--corpus', 'corpus.jsonl', '--format', 'github'])
  assert.is(github.code, 0)
  assert.match(github.out, /^::warning file=corpus\.jsonl,line=1,title=warden diff%3A allow→deny on prod-db::warden\.rules\.rollout: 2 inputs%0Ae\.g\. SELECT id, total_cents FROM orders WHERE id = 7%0Acursor · corpus\.jsonl:1$/m)
  setPolicy({})
  const failing = await warden(['--base', bundles.rollout!, '--corpus', 'corpus.jsonl', '--format', 'github'])
  assert.match(failing.out, /^::error file=corpus\.jsonl,line=1,title=warden diff%3A deny→allow on prod-db::/m)
  assert.match(failing.out, /FAILED/)
})

test('--base HEAD~1 in a real git repository; the working tree is the head', async () => {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example' } })
  git('init', '-q', '-b', 'main')
  setPolicy({ rollout: true })
  git('add', '-A')
  git('commit', '-q', '-m', 'orders off limits')
  setPolicy({})
  git('add', '-A')
  git('commit', '-q', '-m', 'orders back')
  const relaxed = await warden(['--base', 'HEAD~1', '--corpus', 'corpus.jsonl'])
  assert.is(relaxed.code, 1, relaxed.err + relaxed.out)
  assert.match(relaxed.out, /warden diff: git HEAD~1 \([0-9a-f]{7}\) policies\/ → working tree policies\//)
  assert.match(relaxed.out, /RELAXES  deny→allow  warden\.rules\.rollout  on prod-db  ×2/)
  // HEAD against a clean tree: nothing flips.
  const same = await warden(['--base', 'HEAD', '--corpus', 'corpus.jsonl'])
  assert.is(same.code, 0)
  assert.match(same.out, /no flips: both policies decide every input the same way/)
  // An uncommitted change is part of the head.
  setPolicy({ rollout: true })
  assert.match((await warden(['--base', 'HEAD', '--corpus', 'corpus.jsonl'])).out, /TIGHTENS allow→deny  warden\.rules\.rollout/)
  const missing = await warden(['--base', 'no-such-ref', '--corpus', 'corpus.jsonl'])
  assert.is(missing.code, 2)
  assert.match(missing.err, /--base no-such-ref: not a bundle file, and not a commit of the git repository at /)
})

test('--corpus fixtures: fixture files under testdata/ and the policy source, located by file and case', async () => {
  setPolicy({ rollout: true })
  mkdirSync(join(repo, 'testdata', 'policies'), { recursive: true })
  writeFileSync(join(repo, 'testdata', 'policies', 'orders.yaml'), `cases:
  - note: orders/an agent reads an order
    identity: { sub: cursor, groups: [agents] }
    target: prod-db
    sql: "SELECT total_cents FROM orders WHERE id = 1"
    want: { effect: allow }
  - note: orders/a case on a target the config does not have
    identity: { sub: cursor, groups: [agents] }
    target: nowhere
    sql: "SELECT 1"
    want: { effect: allow }
`)
  const { code, out } = await warden(['--base', bundles.plain!, '--corpus', 'fixtures', '--format', 'github'])
  assert.is(code, 0, out)
  assert.match(out, /^::warning file=testdata\/policies\/orders\.yaml,line=2,title=warden diff%3A allow→deny on prod-db::warden\.rules\.rollout: 1 input%0Ae\.g\. SELECT total_cents FROM orders WHERE id = 1%0Acursor · testdata\/policies\/orders\.yaml case 1$/m)
  const text = await warden(['--base', bundles.plain!, '--corpus', 'fixtures'])
  assert.match(text.out, /corpus: fixtures 1 input \(1 skipped: 1× unknown target "nowhere"/)
})

test('--corpus audit: judged statements rebuilt from the trail (redacted), with how many recorded decisions the base reproduces', async () => {
  setPolicy({ rollout: true })
  const { config: loaded } = await loadConfig(join(repo, 'warden.yaml'), repo)
  const trail = await openAuditTrail(loaded, { log: pino({ level: 'silent' }), env: {} })
  const who = { sub: 'cursor', issuer: 'warden-dev', kind: 'agent', groups: ['agents'] }
  const at = (s: number) => `2026-11-29T10:00:0${s}.000Z`
  const events: AuditEvent[] = [
    { type: 'connection', time: at(0), session_id: 'a1', protocol: 'postgres', identity: who, target: 'prod-db' },
    { type: 'statement', time: at(1), session_id: 'a1', protocol: 'postgres', identity: who, target: 'prod-db', statement: 'SELECT total_cents FROM orders WHERE id = 42', decision: 'allow', reasons: [], effect: 'allow' },
    { type: 'statement', time: at(2), session_id: 'a1', protocol: 'postgres', identity: who, target: 'prod-db', statement: 'SELECT total_cents FROM orders WHERE id = 43', decision: 'allow', reasons: [], effect: 'allow' },
    { type: 'statement', time: at(3), session_id: 'a1', protocol: 'postgres', identity: who, target: 'prod-db', statement: 'DROP TABLE users', decision: 'deny', reasons: [{ rule: 'x', message: 'y' }], effect: 'deny' },
    { type: 'statement', time: at(4), session_id: 'a1', protocol: 'postgres', identity: who, target: 'gone-db', statement: 'SELECT 1', decision: 'allow', reasons: [], effect: 'allow' },
    { type: 'request', time: at(5), session_id: 'h1', protocol: 'http', identity: who, target: 'web', method: 'GET', url: 'GET https://api.example/v1/orders', decision: 'allow', reasons: [], status: 200 },
  ]
  for (const e of events) trail.sink.record(e)
  await trail.sink.durable!()
  await trail.close()
  const { code, out, err } = await warden(['--base', bundles.plain!, '--corpus', 'audit'])
  assert.is(code, 0, err + out)
  // The two statements differ only in a literal: redacted to $1, they are one input.
  assert.match(out, /corpus: audit 4 inputs \(1 skipped: 1× target gone-db is not in the config\)/)
  assert.match(out, /replayed 3 distinct inputs/)
  assert.match(out, /audit replay: the base policy reproduces 4 of 4 recorded decisions/)
  assert.match(out, /TIGHTENS allow→deny  warden\.rules\.rollout  on prod-db  ×2\n\s+e\.g\. SELECT total_cents FROM orders WHERE id = \$1\n\s+cursor · audit #\d+ \(session a1\)/)
  // Without --corpus, the trail in the state directory joins the fixtures.
  assert.match((await warden(['--base', bundles.plain!])).out, /corpus: fixtures \d+ inputs?.*; audit 4 inputs/)
  assert.match((await warden(['--base', bundles.plain!, '--corpus', 'audit', '--target', 'web'])).out, /corpus: audit 1 input\b/)
})

test('--corpus audit on a trail edited to hide what a change flips: the diff refuses it, naming the bad record, instead of reporting no change', async () => {
  setPolicy({ rollout: true })
  const { config: loaded } = await loadConfig(join(repo, 'warden.yaml'), repo)
  rmSync(join(repo, 'state', 'audit'), { recursive: true, force: true })
  const trail = await openAuditTrail(loaded, { log: pino({ level: 'silent' }), env: {} })
  const who = { sub: 'cursor', issuer: 'warden-dev', kind: 'agent', groups: ['agents'] }
  trail.sink.record({ type: 'statement', time: '2026-11-29T10:00:01.000Z', session_id: 'a1', protocol: 'postgres', identity: who, target: 'prod-db', statement: 'SELECT total_cents FROM orders WHERE id = 42', decision: 'allow', reasons: [], effect: 'allow' } as AuditEvent)
  await trail.sink.durable!()
  await trail.close()
  assert.match((await warden(['--base', bundles.plain!, '--corpus', 'audit'])).out, /TIGHTENS allow→deny  warden\.rules\.rollout/, 'the intact trail shows the flip')
  const db = new Database(join(repo, 'state', 'audit', 'trail.db'))
  for (const t of ['warden_audit_records_no_update', 'warden_audit_records_no_delete']) db.exec(`DROP TRIGGER IF EXISTS ${t}`)
  db.exec(`UPDATE warden_audit_records SET event = replace(event, 'FROM orders', 'FROM things')`)
  db.close()
  for (const args of [['--corpus', 'audit'], []]) {
    const r = await warden(['--base', bundles.plain!, ...args])
    assert.is(r.code, 2, r.out + r.err)
    assert.not.match(r.out, /no change|0 flips/)
    assert.match(r.err, /the audit trail does not verify \(record 1: edited: record 1 does not match its hash/)
    assert.match(r.err, 'so it is not replayed')
    assert.match(r.err, 'Run warden audit verify')
  }
  rmSync(join(repo, 'state', 'audit'), { recursive: true, force: true })
})

test('worker threads give what inline gives; the progress bar is drawn on a terminal only', async () => {
  setPolicy({})
  const inline = JSON.parse((await warden(['--base', bundles.rollout!, '--corpus', 'corpus.jsonl', '--format', 'json', '--jobs', '0'])).out)
  const threaded = await warden(['--base', bundles.rollout!, '--corpus', 'corpus.jsonl', '--format', 'json', '--jobs', '2'], { tty: true })
  const report = JSON.parse(threaded.out)
  assert.is(report.workers, 2)
  assert.equal({ ...report, seconds: 0, workers: 0 }, { ...inline, seconds: 0, workers: 0 })
  assert.match(threaded.err, /\rwarden diff: replaying \[#+\] 100% 4\/4/)
  assert.is((await warden(['--base', bundles.rollout!, '--corpus', 'corpus.jsonl'])).err, '')
})

test('usage errors exit 2 and say what to give', async () => {
  const none = await warden(['--corpus', 'corpus.jsonl'])
  assert.is(none.code, 2)
  assert.match(none.err, /--base is required/)
  assert.match((await warden(['--base', bundles.plain!, '--format', 'xml'])).err, /--format must be text, json, junit or github/)
  assert.match((await warden(['--base', bundles.plain!, '--corpus', 'missing.jsonl'])).err, /read --corpus missing\.jsonl/)
  writeFileSync(join(repo, 'bad.jsonl'), '{"command": {}}\nnull\n')
  const bad = await warden(['--base', bundles.plain!, '--corpus', 'bad.jsonl'])
  assert.is(bad.code, 2)
  assert.match(bad.err, /bad\.jsonl:2: an entry must be an input document \(a JSON object\), got null/)
  assert.match((await warden(['--base', bundles.plain!, '--jobs', 'many'])).err, /--jobs must be auto or a whole number/)
})

test.run()
