// The audit trail through the admin API, role by role: auditors and admins read it (verify, sessions, replay,
// export); approvers, agents and everyone else get 403; each read, allowed or refused, is itself recorded.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Identity } from '../../engine/types.ts'
import { openTrailReader } from '../server/audit-reader.ts'
import { fakeAdminEngine } from './fake-engine.ts'
import { createAdminHandler } from './handler.ts'
import { SAMPLE_JWT, sampleTrailConfig, writeSampleTrail } from './testing/sample-trail.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-admin-audit-'))
const config = sampleTrailConfig(join(dir, 'state'))
await writeSampleTrail(config)

const human = (sub: string, groups: string[]): Identity => ({ sub, issuer: 'https://idp.example', groups, kind: 'human' })
const extra: Record<string, Identity> = {
  dana: human('dana', ['security']),
  erin: human('erin', ['warden-admins']),
  'audit-bot': { sub: 'audit-bot', issuer: 'https://idp.example', groups: ['security'], kind: 'agent' },
}

async function setup(withTrail = true) {
  const { engine } = await fakeAdminEngine()
  const base = engine.authenticate
  engine.authenticate = async (token: string) => extra[token] ?? base(token)
  const handle = createAdminHandler({
    engine,
    approverGroups: ['dba'],
    roles: { auditor: ['security'], admin: ['warden-admins'] },
    openAuditReader: withTrail ? () => openTrailReader(config, {}) : undefined,
  })
  const call = async (path: string, token: string, method = 'GET') => {
    const res = await handle(new Request(`http://admin.test${path}`, { method, headers: { authorization: `Bearer ${token}` } }))
    const text = await res.text()
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, body: text.startsWith('{') && !text.includes('\n{') ? JSON.parse(text) : undefined }
  }
  return { engine, call }
}

const READS = ['/v1/audit/verify', '/v1/audit/sessions', '/v1/audit/sessions/sess-a', '/v1/audit/export?format=jsonl']

test('an auditor reads the trail: verify, sessions with filters, a session replayed, the decision-log export', async () => {
  const { call } = await setup()
  const verify = await call('/v1/audit/verify', 'dana')
  assert.is(verify.status, 200)
  assert.equal([verify.body.report.ok, verify.body.report.records], [true, 8])
  const sessions = await call('/v1/audit/sessions', 'dana')
  assert.equal(sessions.body.sessions.map((s: { session_id: string }) => s.session_id), ['sess-a', 'sess-b'])
  assert.equal((await call('/v1/audit/sessions?identity=bob', 'dana')).body.sessions.map((s: { session_id: string }) => s.session_id), ['sess-b'])
  assert.equal((await call('/v1/audit/sessions?target=prod-db', 'dana')).body.sessions, [])
  assert.equal((await call('/v1/audit/sessions?since=2100-01-01T00:00:00Z', 'dana')).body.sessions, [])
  const show = await call('/v1/audit/sessions/sess-a', 'dana')
  assert.is(show.status, 200)
  assert.equal(show.body.replay.steps.map((s: { type: string }) => s.type), ['connection', 'statement', 'statement', 'disconnect'])
  assert.equal(show.body.replay.totals, { statements: 2, allowed: 1, denied: 1, held: 0, rows: 1, masked: 1 })
  const exported = await call('/v1/audit/export?format=jsonl', 'dana')
  assert.is(exported.status, 200)
  assert.match(exported.type, 'application/x-ndjson')
  const entries = exported.text.trim().split('\n').map((l) => JSON.parse(l))
  assert.equal(entries.map((e) => e.decision_id), ['sess-a-d1', 'sess-a-d2', 'sess-b-d1', 'sess-b-d2'])
  assert.equal(entries[0].labels, { app: 'warden', id: 'gw-test', version: '0.1.0', store: 'sqlite', via: 'simple' })
  assert.equal(entries[0].bundles, { warden: { revision: 'sha256:test' } })
  assert.not.match(exported.text + show.text, SAMPLE_JWT)
})

test('an admin reads the trail too, and sees every approval request', async () => {
  const { call } = await setup()
  for (const path of READS) assert.is((await call(path, 'erin')).status, 200, path)
  assert.is((await call('/v1/approvals', 'erin')).body.approvals.length, 1)
})

test('403 for an approver, an agent in the auditor group, and anyone else; the refusal names the groups', async () => {
  const { call } = await setup()
  for (const token of ['alice', 'audit-bot', 'bob', 'agent']) {
    for (const path of READS) {
      const res = await call(path, token)
      assert.is(res.status, 403, `${token} ${path}`)
      assert.is(res.body.error.code, 'auth.forbidden')
      assert.match(res.body.error.message, 'one of the groups security, warden-admins')
    }
  }
  // The auditor role is about the trail: an auditor sees no one else's approval requests.
  assert.is((await call('/v1/approvals', 'dana')).body.approvals.length, 0)
  assert.is((await call('/v1/approvals', 'alice')).body.approvals.length, 1)
})

test('every read is recorded, allowed or refused, without touching the session it read', async () => {
  const { call, engine } = await setup()
  await call('/v1/audit/sessions/sess-a', 'dana')
  await call('/v1/audit/export', 'alice')
  const reads = engine.audit.events.filter((e) => e.type === 'admin')
  assert.equal(reads.map((e) => [e.action, (e.actor as { sub: string }).sub, e.outcome, e.session, e.session_id]), [
    ['audit.show', 'dana', 'allowed', 'sess-a', undefined],
    ['audit.export', 'alice', 'forbidden', undefined, undefined],
  ])
})

test('bad filters and formats are 400, an unknown session 404, other methods 405', async () => {
  const { call } = await setup()
  const since = await call('/v1/audit/sessions?since=yesterday', 'dana')
  assert.is(since.status, 400)
  assert.match(since.body.error.message, 'since must be an ISO 8601 time')
  assert.is((await call('/v1/audit/export?format=csv', 'dana')).status, 400)
  const missing = await call('/v1/audit/sessions/nope', 'dana')
  assert.is(missing.status, 404)
  assert.is(missing.body.error.code, 'audit.session_not_found')
  assert.is((await call('/v1/audit/verify', 'dana', 'POST')).status, 405)
  assert.is((await call('/v1/audit/nothing', 'dana')).body.error.code, 'route.not_found')
})

test('a session id that is not valid percent-encoding: 403 (recorded) for a non-auditor, 400 for an auditor, never a 500', async () => {
  const { call, engine } = await setup()
  const refused = await call('/v1/audit/sessions/sess%E0%A4', 'audit-bot')
  assert.is(refused.status, 403)
  const read = engine.audit.events.filter((e) => e.type === 'admin').at(-1)!
  assert.equal([read.action, read.outcome, read.session], ['audit.show', 'forbidden', 'sess%E0%A4'])
  const bad = await call('/v1/audit/sessions/sess%E0%A4', 'dana')
  assert.is(bad.status, 400)
  assert.match(bad.body.error.message, 'percent-encoding')
})

test('what an agent wrote reaches the auditor with C1 controls, bidi and invisible characters as \\u escapes: the export stream and the replay', async () => {
  const odd = '\u009b2J\u202e\u200b\u2028\u00ad'
  const oddConfig = sampleTrailConfig(join(dir, 'odd-state'))
  const who = { sub: 'odd', issuer: 'warden-dev', kind: 'agent' }
  await writeSampleTrail(oddConfig, [
    { type: 'connection', time: '2026-11-29T10:01:00.000Z', session_id: 'sess-odd', protocol: 'postgres', identity: who, target: 'demo', client: { address: '127.0.0.1' }, application_name: `psql${odd}` },
    { type: 'statement', time: '2026-11-29T10:01:01.000Z', session_id: 'sess-odd', protocol: 'postgres', identity: who, target: 'demo', statement: `SELECT 1 FROM "t${odd}"`, fingerprint: 'fp3', decision_id: 'odd-d1', decision: 'deny', reasons: [{ rule: 'r', message: `no "t${odd}"` }], via: 'simple', effect: 'deny', error: '42501', rows: 0, masked: 0, duration_ms: 0 },
  ])
  const { engine } = await fakeAdminEngine()
  const handle = createAdminHandler({ engine, approverGroups: ['dba'], roles: { auditor: ['security'], admin: [] }, openAuditReader: () => openTrailReader(oddConfig, {}) })
  engine.authenticate = async () => human('dana', ['security'])
  for (const path of ['/v1/audit/export?format=jsonl', '/v1/audit/sessions/sess-odd']) {
    const res = await handle(new Request(`http://admin.test${path}`, { headers: { authorization: 'Bearer dana' } }))
    const text = await res.text()
    assert.is(res.status, 200, text)
    assert.ok(![...odd].some((c) => c !== '2' && c !== 'J' && text.includes(c)), text)
    assert.match(text, '\\u009b2J\\u202e\\u200b\\u2028\\u00ad')
  }
})

test('a gateway without a tamper-evident trail says so to auditors (404), and still refuses others', async () => {
  const { call } = await setup(false)
  const res = await call('/v1/audit/verify', 'dana')
  assert.is(res.status, 404)
  assert.is(res.body.error.code, 'audit.no_trail')
  assert.is((await call('/v1/audit/verify', 'alice')).status, 403)
})

test.after(() => rmSync(dir, { recursive: true, force: true }))
test.run()
