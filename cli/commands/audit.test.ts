// The `warden audit` readers on a trail written through the gateway's own wiring (openAuditTrail): verify,
// tamper detection through the CLI, sessions, show, export.
import { createPrivateKey, generateKeyPairSync } from 'node:crypto'
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { pino } from 'pino'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createCheckpointSigner } from '../../engine/audit/chain/checkpoint.ts'
import type { AuditEvent } from '../../engine/audit/types.ts'
import { openAuditTrail } from '../../proxy/server/audit-trail.ts'
import { loadConfig } from '../config-file.ts'
import { memoryIo } from '../io.ts'
import { main } from '../main.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-audit-cli-'))
const configFile = join(dir, 'warden.yaml')
writeFileSync(configFile, `state_dir: ./state
identity:
  providers: [{ name: dev, issuer: warden-dev, audience: warden, dev: true }]
targets: [{ name: demo, kind: postgres, environment: production, embedded: true }]
audit:
  destination: "off"
  checkpoints: { every_records: 4, file: ./exported-checkpoints.jsonl }
`)
const stateDir = join(dir, 'state')
const trailFile = join(stateDir, 'audit', 'trail.db')
const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJjdXJzb3IifQ.c2lnbmF0dXJlc2lnbmF0dXJlc2ln'

const cursor = { sub: 'cursor', issuer: 'warden-dev', kind: 'agent' }
const at = (s: number) => `2026-11-29T10:00:${String(s).padStart(2, '0')}.000Z`
const session = (id: string, who: typeof cursor, t0: number): AuditEvent[] => [
  { type: 'connection', time: at(t0), session_id: id, protocol: 'postgres', identity: who, target: 'demo', client: { address: '127.0.0.1', tls: true }, application_name: 'psql', password: JWT },
  { type: 'statement', time: at(t0 + 1), session_id: id, protocol: 'postgres', identity: who, target: 'demo', statement: "SELECT email FROM users WHERE id = 42", fingerprint: 'fp1', decision: 'allow', reasons: [], via: 'simple', effect: 'allow', rows: 1, masked: 1, duration_ms: 1.5 },
  { type: 'statement', time: at(t0 + 2), session_id: id, protocol: 'postgres', identity: who, target: 'demo', statement: 'DROP TABLE users', fingerprint: 'fp2', decision: 'deny', reasons: [{ rule: 'destructive', message: 'DROP is destructive' }], via: 'simple', effect: 'deny', error: '42501', rows: 0, masked: 0, duration_ms: 0 },
  { type: 'disconnect', time: at(t0 + 3), session_id: id, protocol: 'postgres', target: 'demo', statements: 2, duration_ms: 3000, reason: 'client_terminate' },
]

async function writeTrail(extra: AuditEvent[] = []): Promise<void> {
  rmSync(stateDir, { recursive: true, force: true })
  rmSync(join(dir, 'exported-checkpoints.jsonl'), { force: true })
  const { config } = await loadConfig(configFile, dir)
  const trail = await openAuditTrail(config, { log: pino({ level: 'silent' }), env: {} })
  for (const e of [...session('sess-a', cursor, 0), ...session('sess-b', { ...cursor, sub: 'bob', kind: 'human' }, 10), ...extra]) trail.sink.record(e)
  await trail.sink.durable!()
  await trail.close()
}

async function warden(...args: string[]) {
  const io = memoryIo({}, dir)
  const code = await main(['audit', ...args, '--config', configFile], io)
  return { code, out: io.stdout, err: io.stderr }
}

function tamper(sql: string): void {
  const db = new Database(trailFile)
  for (const t of ['warden_audit_records_no_update', 'warden_audit_records_no_delete', 'warden_audit_checkpoints_no_delete']) db.exec(`DROP TRIGGER IF EXISTS ${t}`)
  db.exec(sql)
  db.close()
}

test.after(() => rmSync(dir, { recursive: true, force: true }))

test('verify passes on an untouched trail: every record, every checkpoint (stored and exported)', async () => {
  await writeTrail()
  const r = await warden('verify')
  assert.is(r.code, 0, r.out + r.err)
  // The 8 events commit as one batch, so one checkpoint (at 8, past every_records: 4), none at close (the head is
  // already checkpointed): stored once and exported once.
  assert.match(r.out, /^ok: 8 records, chain intact up to record 8; 2 signed checkpoints verified\nlast record 8 written 20\d\d-[-\d]+T[\d:.]+Z; last signed checkpoint at record 8, signed 20\d\d-[-\d]+T[\d:.]+Z\n$/)
})

test('a trail cut at its end with its stored checkpoints, checked against no checkpoint kept outside: verify passes, but says where the trail ends, when, and that nothing signed vouches for its end', async () => {
  await writeTrail()
  tamper(`DELETE FROM warden_audit_records WHERE seq > 6; DELETE FROM warden_audit_checkpoints`)
  writeFileSync(join(dir, 'none.jsonl'), '')
  const r = await warden('verify', '--checkpoints', 'none.jsonl')
  assert.is(r.code, 0, r.out + r.err)
  assert.match(r.out, /^ok: 6 records, chain intact up to record 6; 0 signed checkpoints verified\nlast record 6 written 20[-\d]+T[\d:.]+Z; no signed checkpoint covers any record yet: a cut at the end would not show\n$/)
  const json = JSON.parse((await warden('verify', '--json', '--checkpoints', 'none.jsonl')).out)
  assert.equal([json.ok, json.head.seq, typeof json.head_time, json.last_checkpoint], [true, 6, 'string', undefined])
})

test('a trail cut and re-signed with the key beside it, read with no checkpoints kept outside: verify passes, and says nothing outside the store was checked', async () => {
  await writeTrail()
  const bare = join(dir, 'bare.yaml')
  writeFileSync(bare, readFileSync(configFile, 'utf8').replace(', file: ./exported-checkpoints.jsonl', ''))
  tamper(`DELETE FROM warden_audit_records WHERE seq > 6; DELETE FROM warden_audit_checkpoints`)
  const db = new Database(trailFile)
  const { hash } = db.prepare('SELECT hash FROM warden_audit_records WHERE seq = 6').get() as { hash: string }
  const signed = createCheckpointSigner(createPrivateKey(readFileSync(join(stateDir, 'audit', 'signing-key.pem')))).sign({ seq: 6, hash }, new Date().toISOString())
  db.prepare('INSERT INTO warden_audit_checkpoints (seq, hash, time, key_id, signature) VALUES (?, ?, ?, ?, ?)').run(signed.seq, signed.hash, signed.time, signed.key_id, signed.signature)
  db.close()
  const io = memoryIo({}, dir)
  const code = await main(['audit', 'verify', '--config', bare], io)
  assert.is(code, 0, io.stdout + io.stderr)
  assert.match(io.stdout, /^ok: 6 records, chain intact up to record 6; 1 signed checkpoints verified\n/)
  assert.match(io.stdout, /\nwarning: no checkpoints kept outside the store were checked \(audit\.checkpoints\.file is not set, and no --checkpoints FILE\)[^\n]*not that whoever can write the state directory did not rewrite or cut it/)
  assert.not.match((await warden('verify')).out, 'warning:', 'with the exported file, the cut fails instead')
})

test('a checkpoint line torn by a crash in the exported file: the gateway writes its next checkpoint on a line of its own, and verify checks every other line and warns of the torn one', async () => {
  await writeTrail()
  const exported = join(dir, 'exported-checkpoints.jsonl')
  const whole = readFileSync(exported, 'utf8')
  writeFileSync(exported, `${whole}${whole.slice(0, 40)}`)
  const { config } = await loadConfig(configFile, dir)
  const trail = await openAuditTrail(config, { log: pino({ level: 'silent' }), env: {} })
  trail.sink.record(session('sess-z', cursor, 30)[0]!)
  await trail.sink.durable!()
  await trail.close()
  assert.is(readFileSync(exported, 'utf8').split('\n').length, 4, 'the checkpoint, the torn line, the checkpoint of the restart, and the end')
  const r = await warden('verify')
  assert.is(r.code, 0, r.out + r.err)
  assert.match(r.out, /^ok: 9 records, chain intact up to record 9; 4 signed checkpoints verified\n/)
  assert.match(r.out, /\nwarning: [^\n]*exported-checkpoints\.jsonl: line 2 is not JSON, as a write cut short by a crash or a power cut leaves a line; skipped/)
  const json = JSON.parse((await warden('verify', '--json')).out)
  assert.equal([json.ok, json.last_checkpoint.seq, json.warnings.length], [true, 9, 1])
})

test('verify passes on a trail holding awkward JSON: __proto__ keys, lone surrogates, 1e21, -0 (the canonical text is made once, in the gateway)', async () => {
  const detail = JSON.parse('{"__proto__":{"x":1},"v":"\\ud800","big":1e21,"neg":-0,"tiny":5e-324}') as Record<string, unknown>
  const odd = [
    { ...session('sess-c', cursor, 20)[1]!, detail },
    { ...session('sess-c', cursor, 20)[1]!, detail: { [String.fromCharCode(0xdc00)]: 1 } },
  ] as AuditEvent[]
  await writeTrail(odd)
  const r = await warden('verify')
  assert.is(r.code, 0, r.out + r.err)
  assert.match(r.out, /^ok: 10 records, chain intact up to record 10/)
})

test('verify fails at the edited record, exit 1, naming why', async () => {
  await writeTrail()
  tamper(`UPDATE warden_audit_records SET event = replace(event, '"rows":1', '"rows":9') WHERE seq = 2`)
  const r = await warden('verify')
  assert.is(r.code, 1)
  assert.match(r.out, 'FAIL: record 2: edited: record 2 does not match its hash')
  const json = JSON.parse((await warden('verify', '--json')).out)
  assert.equal([json.ok, json.failure.seq, json.failure.reason], [false, 2, 'edited'])
})

test('verify catches records cut off with their stored checkpoints too, from the exported checkpoint file', async () => {
  await writeTrail()
  tamper(`DELETE FROM warden_audit_records WHERE seq > 5; DELETE FROM warden_audit_checkpoints WHERE seq > 5`)
  const r = await warden('verify')
  assert.is(r.code, 1)
  assert.match(r.out, 'FAIL: record 6: truncated: the trail ends at record 5 but checkpoint 8')
})

test('verify fails when the configured exported checkpoint file is gone: the gateway made it at start, so cutting the tail and deleting the file shows', async () => {
  await writeTrail()
  tamper(`DELETE FROM warden_audit_records WHERE seq > 5; DELETE FROM warden_audit_checkpoints`)
  rmSync(join(dir, 'exported-checkpoints.jsonl'))
  const r = await warden('verify')
  assert.is(r.code, 1, r.out + r.err)
  assert.match(r.out, 'FAIL: record 1: checkpoints_missing: the exported checkpoint file')
  assert.match(r.out, 'exported-checkpoints.jsonl')
  const json = JSON.parse((await warden('verify', '--json')).out)
  assert.equal([json.ok, json.failure.reason], [false, 'checkpoints_missing'])
})

test('a gateway makes its configured checkpoint file at start, before any checkpoint, so an empty one is not a missing one', async () => {
  rmSync(stateDir, { recursive: true, force: true })
  rmSync(join(dir, 'exported-checkpoints.jsonl'), { force: true })
  const { config } = await loadConfig(configFile, dir)
  const trail = await openAuditTrail(config, { log: pino({ level: 'silent' }), env: {} })
  assert.is(readFileSync(join(dir, 'exported-checkpoints.jsonl'), 'utf8'), '', 'made empty at start')
  trail.sink.record({ type: 'connection', time: at(0), session_id: 's' })
  await trail.sink.durable!()
  const r = await warden('verify')
  assert.is(r.code, 0, r.out + r.err)
  assert.match(r.out, 'ok: 1 records')
  await trail.close()
})

test('verify rejects checkpoints that the given public key did not sign', async () => {
  await writeTrail()
  const other = join(dir, 'other.pub.pem')
  writeFileSync(other, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }) as string)
  const r = await warden('verify', '--public-key', other)
  assert.is(r.code, 1)
  assert.match(r.out, 'forged')
  copyFileSync(join(stateDir, 'audit', 'signing-key.pub.pem'), join(dir, 'mine.pem'))
  assert.is((await warden('verify', '--public-key', join(dir, 'mine.pem'))).code, 0)
})

test('verify prints what a tamperer wrote (a checkpoint\'s time and key id) with its control characters escaped: it cannot redraw FAIL as ok', async () => {
  await writeTrail()
  const forge = '\r\u001b[2K\u001b[1Aok: 8 records, chain intact up to record 8; 2 signed checkpoints verified\u001b[8m'
  tamper(`INSERT INTO warden_audit_checkpoints (seq, hash, time, key_id, signature) VALUES (3, '${'a'.repeat(64)}', '2026-11-29T10:00:00Z', '${forge}', 'AAAA')`)
  const r = await warden('verify')
  assert.is(r.code, 1)
  assert.match(r.out, 'FAIL: record 3: forged')
  assert.not.match(r.out, /[\u0000-\u0009\u000b-\u001f\u007f]/, 'no control character but the line feeds reaches the terminal')
  assert.match(r.out, '\\u{d}\\u{1b}[2K')
})

test('sessions lists sessions with counts and filters by identity, target and time', async () => {
  await writeTrail()
  const r = await warden('sessions')
  assert.is(r.code, 0)
  const lines = r.out.trim().split('\n')
  assert.equal(lines[0]!.split(/\s+/), ['SESSION', 'IDENTITY', 'TARGET', 'FIRST', 'LAST', 'STATEMENTS', 'DENIED'])
  assert.equal(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3).concat(l.split(/\s+/).slice(5))), [['sess-a', 'cursor', 'demo', '2', '1'], ['sess-b', 'bob', 'demo', '2', '1']])
  assert.equal(JSON.parse((await warden('sessions', '--identity', 'bob', '--json')).out).map((s: { session_id: string }) => s.session_id), ['sess-b'])
  assert.is((await warden('sessions', '--target', 'prod-db')).out, 'no sessions\n')
  assert.equal(JSON.parse((await warden('sessions', '--since', '2100-01-01T00:00:00Z', '--json')).out), [])
  const bad = await warden('sessions', '--since', 'yesterday')
  assert.is(bad.code, 2)
  assert.match(bad.err, '--since must be an ISO 8601 time')
})

test('show replays a session in order, with decisions, response summaries and masked counts; secrets never appear', async () => {
  await writeTrail()
  const r = await warden('show', 'sess-a')
  assert.is(r.code, 0, r.err)
  const lines = r.out.split('\n')
  assert.is(lines[0], 'session sess-a  cursor → demo')
  assert.match(lines[1]!, /#1  2026-11-29T10:00:00.000Z  connected as cursor \(agent\) to demo from 127\.0\.0\.1 over TLS, application psql/)
  assert.match(lines[2]!, /#2 .* allowed +SELECT email FROM users WHERE id = \$1  → 1 rows, 1 masked, 1\.5 ms/)
  assert.match(lines[3]!, /#3 .* denied +DROP TABLE users  → error 42501/)
  assert.match(lines[4]!, 'reason: destructive: DROP is destructive')
  assert.match(lines[5]!, /#4 .* disconnected after 2 statements/)
  assert.match(r.out, '2 statements: 1 allowed, 1 denied, 0 held; 1 rows returned, 1 values masked')
  assert.not.match(r.out, JWT)
  assert.not.match(r.out, '42 ')
  const json = JSON.parse((await warden('show', 'sess-a', '--json')).out)
  assert.equal(json.steps.map((s: { seq: number; type: string }) => [s.seq, s.type]), [[1, 'connection'], [2, 'statement'], [3, 'statement'], [4, 'disconnect']])
  assert.is(json.steps[0].event.password, '[REDACTED]')
  const missing = await warden('show', 'nope')
  assert.is(missing.code, 1)
  assert.match(missing.err, 'no session "nope"')
})

test('export prints each decision as an OPA decision log entry', async () => {
  await writeTrail()
  const r = await warden('export', '--format', 'jsonl')
  assert.is(r.code, 0, r.err)
  const entries = r.out.trim().split('\n').map((l) => JSON.parse(l))
  assert.is(entries.length, 4, 'statements only')
  const e = entries[1]
  assert.match(e.decision_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  assert.is(e.path, 'warden/decision')
  assert.equal(e.result, { effect: 'deny', reasons: [{ rule: 'destructive', message: 'DROP is destructive' }] })
  assert.equal(e.input.command, { protocol: 'postgres', raw: 'DROP TABLE users', fingerprint: 'fp2' })
  assert.is(e.timestamp, at(2))
  assert.equal(e.labels, { app: 'warden', store: 'sqlite', via: 'simple' })
  assert.equal(e.masked, ['/input/command/raw'])
  assert.is(e.warden.seq, 3)
  assert.is((await warden('export', '--format', 'csv')).code, 2)
})

test('what an agent wrote reaches an auditor\'s terminal with its C1 controls, bidi and invisible characters escaped: show, show --json, sessions --json, export', async () => {
  // U+009B is a CSI to terminals that read C1 controls: JSON.stringify writes it, like U+202E and U+200B, as it is.
  const odd = '\u009b2J\u202e\u200b\u2028'
  const who = { ...cursor, sub: 'odd' }
  await writeTrail([
    { type: 'connection', time: at(40), session_id: 'sess-odd', protocol: 'postgres', identity: who, target: 'demo', client: { address: '127.0.0.1' }, application_name: `psql${odd}` },
    { type: 'statement', time: at(41), session_id: 'sess-odd', protocol: 'postgres', identity: who, target: 'demo', statement: `SELECT 1 FROM "t${odd}"`, fingerprint: 'fp3', decision: 'deny', reasons: [{ rule: 'r', message: `no "t${odd}"` }], via: 'simple', effect: 'deny', error: '42501', rows: 0, masked: 0, duration_ms: 0 },
  ])
  const outputs = [await warden('show', 'sess-odd'), await warden('show', 'sess-odd', '--json'), await warden('sessions', '--json'), await warden('export', '--format', 'jsonl')]
  for (const r of outputs) {
    assert.is(r.code, 0, r.err)
    assert.ok(!/[\u0080-\u009f\u2028\u200b\u202e]/.test(r.out), JSON.stringify(r.out))
  }
  assert.match(outputs[0]!.out, 'application psql\\u{9b}2J\\u{202e}\\u{200b}\\u{2028}')
  assert.is(JSON.parse(outputs[1]!.out).steps[0].event.application_name, `psql${odd}`, 'the same JSON value, escaped')
  const entry = outputs[3]!.out.trim().split('\n').map((l) => JSON.parse(l)).find((e) => e.input.identity?.sub === 'odd' || e.result.reasons?.[0]?.rule === 'r')
  assert.is(entry.result.reasons[0].message, `no "t${odd}"`)
})

test('the state directory comes from --state-dir, else $WARDEN_STATE_DIR; a missing trail says what to do', async () => {
  await writeTrail()
  const io = memoryIo({ WARDEN_STATE_DIR: join(dir, 'elsewhere') }, dir)
  assert.is(await main(['audit', 'verify', '--config', configFile], io), 2)
  assert.match(io.stderr, `no audit trail at ${join(dir, 'elsewhere', 'audit', 'trail.db')}; start the gateway once, or pass --state-dir`)
  const io2 = memoryIo({ WARDEN_STATE_DIR: join(dir, 'elsewhere') }, dir)
  assert.is(await main(['audit', 'verify', '--config', configFile, '--state-dir', stateDir], io2), 0, io2.stderr)
  assert.ok(readFileSync(join(dir, 'exported-checkpoints.jsonl'), 'utf8').length > 0)
})

test('usage: an unknown or missing action exits 2 with the actions listed; --help exits 0', async () => {
  for (const args of [[], ['frobnicate']]) {
    const io = memoryIo({}, dir)
    assert.is(await main(['audit', ...args], io), 2)
    assert.match(io.stderr, 'warden audit verify')
  }
  const help = memoryIo({}, dir)
  assert.is(await main(['audit', 'show', '--help'], help), 0)
  assert.match(help.stdout, 'usage: warden audit show SESSION')
  const none = memoryIo({}, dir)
  assert.is(await main(['audit', 'show'], none), 2)
  assert.match(none.stderr, 'show takes exactly one session id')
})

test.run()
