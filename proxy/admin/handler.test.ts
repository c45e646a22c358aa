import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createAdminHandler } from './handler.ts'
import { fakeAdminEngine } from './fake-engine.ts'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alice, approveDecision, heldInput } from '../../engine/approvals/fixtures.ts'
import { createReviewCipher } from '../../engine/approvals/review-cipher.ts'
import { openSqliteApprovalStore } from '../../engine/approvals/sqlite.ts'
import { createDurableAuditSink } from '../../engine/audit/durable-sink.ts'
import { openSqliteAuditStore } from '../../engine/audit/store/sqlite.ts'
import type { AuditStore } from '../../engine/audit/store/types.ts'

async function setup() {
  const { engine, held } = await fakeAdminEngine()
  const handle = createAdminHandler({ engine, approverGroups: ['dba'] })
  const call = async (method: string, path: string, token?: string, body?: unknown, more: Record<string, string> = {}) => {
    const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(method === 'POST' ? { 'content-type': 'application/json' } : {}), ...more }
    const res = await handle(new Request(`http://admin.test${path}`, { method, headers, body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body) }))
    return { status: res.status, body: await res.json(), headers: res.headers }
  }
  return { engine, held, call, handle }
}

test('GET /healthz needs no token', async () => {
  const { call } = await setup()
  const res = await call('GET', '/healthz')
  assert.is(res.status, 200)
  assert.equal(res.body, { status: 'ok' })
})

test('a missing or invalid token is 401 JSON with the reason', async () => {
  const { call, held } = await setup()
  const missing = await call('GET', '/v1/approvals')
  assert.is(missing.status, 401)
  assert.is(missing.body.error.code, 'auth.missing')
  assert.match(missing.headers.get('www-authenticate') ?? '', 'Bearer')
  const invalid = await call('POST', `/v1/approvals/${held.id}/approve`, 'not-a-jwt')
  assert.is(invalid.status, 401)
  assert.is(invalid.body.error.code, 'token.malformed')
  assert.match(invalid.body.error.message, 'not a signed JWT')
})

test('a DBA approves a held statement: 200 with the grant, and the decision is audited', async () => {
  const { call, held, engine } = await setup()
  const res = await call('POST', `/v1/approvals/${held.id}/approve`, 'alice', { note: 'looks right' })
  assert.is(res.status, 200)
  assert.is(res.body.approval.status, 'approved')
  assert.is(res.body.approval.decided_by, 'alice')
  assert.is(res.body.approval.note, 'looks right')
  assert.is(res.body.approval.grant.scope, 'statement')
  assert.is(engine.approvals.grantsFor({ session: held.session_id, identity: held.requester, target: held.target }).length, 1)
  const event = engine.audit.events.at(-1)!
  assert.is(event.type, 'approval')
  assert.is(event.outcome, 'approved')
  assert.is(event.approval_id, held.id)
  assert.is(event.session_id, held.session_id)
  assert.equal(event.reviewer, { sub: 'alice', issuer: 'https://idp.example', kind: 'human' })
})

test('deny rejects the request with the note', async () => {
  const { call, held } = await setup()
  const res = await call('POST', `/v1/approvals/${held.id}/deny`, 'alice', { note: 'not today' })
  assert.is(res.status, 200)
  assert.is(res.body.approval.status, 'rejected')
  assert.is(res.body.approval.note, 'not today')
})

test('forbidden (403) for an agent, a human outside the approver groups, and self-approval; refusals are audited', async () => {
  const { call, held, engine } = await setup()
  const agentInDba = await call('POST', `/v1/approvals/${held.id}/approve`, 'reviewer-bot')
  assert.is(agentInDba.status, 403)
  assert.is(agentInDba.body.error.code, 'approval.forbidden')
  const outsider = await call('POST', `/v1/approvals/${held.id}/approve`, 'bob')
  assert.is(outsider.status, 403)
  assert.match(outsider.body.error.message, 'dba')
  const ownAgent = await call('POST', `/v1/approvals/${held.id}/approve`, 'agent')
  assert.is(ownAgent.status, 403)
  const mine = await engine.approvals.request({ input: heldInput({ requester: alice, session: 'sess-2', digest: 'd2' }), decision: approveDecision(), summary: 'DROP TABLE orders' })
  const self = await call('POST', `/v1/approvals/${mine.id}/approve`, 'alice')
  assert.is(self.status, 403)
  assert.is(self.body.error.code, 'approval.self_approval')
  assert.is((await engine.approvals.get(held.id))!.status, 'pending')
  assert.is((await engine.approvals.get(mine.id))!.status, 'pending')
  const refused = engine.audit.events.filter((e) => e.outcome === 'refused')
  assert.is(refused.length, 4)
})

test('unknown id is 404, a decided request is 409', async () => {
  const { call, held } = await setup()
  const unknown = await call('POST', '/v1/approvals/apr_nope/approve', 'alice')
  assert.is(unknown.status, 404)
  assert.is(unknown.body.error.code, 'approval.not_found')
  assert.is((await call('POST', `/v1/approvals/${held.id}/approve`, 'alice')).status, 200)
  const again = await call('POST', `/v1/approvals/${held.id}/deny`, 'alice')
  assert.is(again.status, 409)
  assert.is(again.body.error.code, 'approval.not_pending')
})

test('approvers see every request, others only their own; ?status filters', async () => {
  const { call, held } = await setup()
  assert.is((await call('GET', '/v1/approvals', 'alice')).body.approvals.length, 1)
  assert.is((await call('GET', '/v1/approvals?status=pending', 'alice')).body.approvals[0].id, held.id)
  assert.is((await call('GET', '/v1/approvals?status=approved', 'alice')).body.approvals.length, 0)
  assert.is((await call('GET', '/v1/approvals', 'agent')).body.approvals.length, 1)
  assert.is((await call('GET', '/v1/approvals', 'bob')).body.approvals.length, 0)
  // carol is in sre, one of this request's approver groups though not a configured approver group.
  assert.is((await call('GET', '/v1/approvals', 'carol')).body.approvals.length, 1)
  assert.is((await call('GET', `/v1/approvals/${held.id}`, 'alice')).body.approval.command.summary, 'DELETE FROM users WHERE id = ?')
  assert.is((await call('GET', `/v1/approvals/${held.id}`, 'bob')).status, 404)
  assert.is((await call('GET', '/v1/approvals?status=weird', 'alice')).status, 400)
})

test('reviewers get the statement as it will run (review_text); the audit of their decision does not', async () => {
  const { call, held, engine } = await setup()
  const shown = await call('GET', `/v1/approvals/${held.id}`, 'alice')
  assert.is(shown.body.approval.command.review_text, "DELETE FROM users WHERE id = '7'")
  assert.is((await call('GET', '/v1/approvals', 'alice')).body.approvals[0].command.review_text, "DELETE FROM users WHERE id = '7'")
  const approved = await call('POST', `/v1/approvals/${held.id}/approve`, 'alice')
  assert.is(approved.body.approval.command.review_text, "DELETE FROM users WHERE id = '7'")
  assert.ok(engine.audit.events.length > 0)
  assert.not.match(JSON.stringify(engine.audit.events), "'7'")
})

test('bad bodies, unknown routes and wrong methods are JSON errors', async () => {
  const { call, held } = await setup()
  const notJson = await call('POST', `/v1/approvals/${held.id}/approve`, 'alice', '{oops')
  assert.is(notJson.status, 400)
  assert.is(notJson.body.error.code, 'request.invalid')
  assert.is((await call('POST', `/v1/approvals/${held.id}/approve`, 'alice', { note: 5 })).status, 400)
  assert.is((await call('GET', '/v1/nothing', 'alice')).body.error.code, 'route.not_found')
  const wrong = await call('GET', `/v1/approvals/${held.id}/approve`, 'alice')
  assert.is(wrong.status, 405)
  assert.is(wrong.headers.get('allow'), 'POST')
})

test('CSRF: a POST a browser could send cross-site (a form, text/plain, no type) is 415 and changes nothing', async () => {
  const { call, held, engine } = await setup()
  const forged = [
    { 'content-type': 'text/plain;charset=UTF-8' },
    { 'content-type': 'application/x-www-form-urlencoded' },
    { 'content-type': 'multipart/form-data; boundary=x' },
    { 'content-type': 'application/jsonp' },
    { 'content-type': 'text/plain; application/json' },
  ]
  for (const more of forged) {
    const res = await call('POST', `/v1/approvals/${held.id}/approve`, 'alice', '{"note":"csrf"}', more)
    assert.is(res.status, 415, JSON.stringify(more))
    assert.is(res.body.error.code, 'request.content_type')
  }
  const { handle } = await setup()
  const noType = await handle(new Request(`http://admin.test/v1/approvals/${held.id}/approve`, { method: 'POST', headers: { authorization: 'Bearer alice', cookie: 'session=abc' } }))
  assert.is(noType.status, 415, 'an empty no-cors fetch carries no content-type')
  const revoke = await call('POST', '/v1/grants/grt_x/revoke', 'alice', '', { 'content-type': 'text/plain' })
  assert.is(revoke.status, 415)
  assert.is((await engine.approvals.get(held.id))?.status, 'pending')
  assert.is((await call('POST', `/v1/approvals/${held.id}/approve`, 'alice', undefined, { 'content-type': 'Application/JSON; charset=utf-8' })).status, 200, 'JSON with parameters, any case')
})

test('no CORS: a preflight is not granted, and a cookie or a token in the query string is no credential', async () => {
  const { handle, held } = await setup()
  const preflight = await handle(new Request(`http://admin.test/v1/approvals/${held.id}/approve`, {
    method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
  }))
  assert.is(preflight.headers.get('access-control-allow-origin'), null)
  assert.is(preflight.headers.get('access-control-allow-headers'), null)
  assert.ok(preflight.status >= 400)
  for (const req of [
    new Request(`http://admin.test/v1/approvals/${held.id}/approve`, { method: 'POST', headers: { 'content-type': 'application/json', cookie: 'authorization=Bearer zq-secret-tok; token=zq-secret-tok' } }),
    new Request(`http://admin.test/v1/approvals/${held.id}/approve?access_token=zq-secret-tok&token=zq-secret-tok`, { method: 'POST', headers: { 'content-type': 'application/json' } }),
    new Request(`http://admin.test/v1/approvals?access_token=zq-secret-tok`),
  ]) {
    const res = await handle(req)
    assert.is(res.status, 401)
    assert.is(res.headers.get('access-control-allow-origin'), null)
    assert.not.match(await res.text(), 'zq-secret-tok', 'the offered credential is not echoed')
  }
})

test('reflected values are served as JSON a browser will not sniff, frame or cache', async () => {
  const { call } = await setup()
  const html = `<script>alert(1)</script>`
  for (const res of [await call('GET', '/healthz'), await call('GET', `/v1/nothing/${encodeURIComponent(html)}`, 'alice'), await call('GET', '/v1/approvals?status=%3Cscript%3E', 'alice'), await call('GET', '/v1/approvals', 'alice')]) {
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/)
    assert.is(res.headers.get('x-content-type-options'), 'nosniff')
    assert.is(res.headers.get('cache-control'), 'no-store')
    assert.match(res.headers.get('content-security-policy') ?? '', "default-src 'none'")
  }
})

test('a statement with characters a reviewer cannot see answers with them as \\u escapes: curl, or a page drawing review_text as is, shows them; JSON readers get the same text', async () => {
  const { engine, handle } = await setup()
  const odd = '\u202e\u2066\u200b\u00ad\u3164\u00a0\u009b\u2028'
  const reviewText = `UPDATE accounts SET frozen = true WHERE owner <> 'alice${odd}'`
  const r = await engine.approvals.request({ input: heldInput({ session: 'sess-odd' }), decision: approveDecision(), summary: 'UPDATE accounts SET frozen = $1 WHERE owner <> $2', reviewText })
  for (const path of [`/v1/approvals/${r.id}`, '/v1/approvals']) {
    const res = await handle(new Request(`http://admin.test${path}`, { headers: { authorization: 'Bearer alice' } }))
    const text = await res.text()
    assert.ok(![...odd].some((c) => text.includes(c)), text)
    assert.match(text, "alice\\u202e\\u2066\\u200b\\u00ad\\u3164\\u00a0\\u009b\\u2028'")
    const body = JSON.parse(text)
    assert.is((body.approval ?? body.approvals.find((a: { id: string }) => a.id === r.id)).command.review_text, reviewText)
  }
})

test('an approval the audit trail cannot record is not made (503); a denial still is; once the trail is back the approval is recorded before it acts', async () => {
  const real = openSqliteAuditStore(join(mkdtempSync(join(tmpdir(), 'warden-admin-audit-')), 'trail.db'))
  let down = true
  const store: AuditStore = { ...real, kind: real.kind, async append(batch) { if (down) throw new Error('disk I/O error'); return real.append(batch) } }
  const { engine, held } = await fakeAdminEngine()
  const audit = createDurableAuditSink({ store, retryMs: { min: 5, max: 5 } })
  const handle = createAdminHandler({ engine: { ...engine, audit }, approverGroups: ['dba'] })
  const post = (path: string, token: string) => handle(new Request(`http://admin.test${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }))
  const refused = await post(`/v1/approvals/${held.id}/approve`, 'alice')
  assert.is(refused.status, 503)
  const body = await refused.json() as { error: { code: string; message: string } }
  assert.is(body.error.code, 'audit.store_unavailable')
  assert.match(body.error.message, 'nothing was approved')
  assert.is((await engine.approvals.get(held.id))?.status, 'pending')
  assert.equal(engine.approvals.grantsFor({ session: held.session_id, identity: held.requester, target: held.target }), [])
  down = false
  await new Promise((resolve) => setTimeout(resolve, 30)) // the sink retries the queued attempt
  assert.is((await post(`/v1/approvals/${held.id}/approve`, 'alice')).status, 200)
  await audit.durable()
  const events: Array<{ type: string; outcome?: string; approval_id?: string }> = []
  for await (const r of real.records()) events.push(JSON.parse(r.event))
  const mine = events.filter((e) => e.type === 'approval' && e.approval_id === held.id).map((e) => e.outcome)
  assert.equal(mine, ['attempted', 'attempted', 'approved'], 'the refused attempt too, once the trail was back')
  down = true
  const other = await engine.approvals.request({ input: heldInput({ digest: 'd-other' }), decision: approveDecision(), summary: 's' })
  assert.is((await post(`/v1/approvals/${other.id}/deny`, 'alice')).status, 200, 'a denial takes nothing out')
  down = false
  await audit.close()
  await real.close()
})

test('grants: approvers list and revoke any; the requester sees and may give up its own; others see none', async () => {
  const { call, held, engine } = await setup()
  const approved = await call('POST', `/v1/approvals/${held.id}/approve`, 'alice')
  const id = approved.body.approval.grant.id as string
  assert.equal((await call('GET', '/v1/grants', 'alice')).body.grants.map((g: { id: string }) => g.id), [id])
  assert.equal((await call('GET', '/v1/grants', 'agent')).body.grants.map((g: { id: string }) => g.id), [id], 'the requester sees its own grant')
  assert.equal((await call('GET', '/v1/grants', 'bob')).body.grants, [])
  assert.equal((await call('GET', '/v1/grants?target=other-db', 'alice')).body.grants, [])
  const bobRevoke = await call('POST', `/v1/grants/${id}/revoke`, 'bob')
  assert.equal([bobRevoke.status, bobRevoke.body.error.code], [404, 'grant.not_found'])
  const revoked = await call('POST', `/v1/grants/${id}/revoke`, 'alice', { note: 'done' })
  assert.is(revoked.status, 200)
  assert.equal([revoked.body.grant.revoked_by, revoked.body.grant.revoke_note], ['alice', 'done'])
  assert.equal(engine.approvals.grantsFor({ session: held.session_id, identity: held.requester, target: held.target }), [])
  assert.equal((await call('GET', '/v1/grants', 'alice')).body.grants, [])
  assert.is((await call('GET', '/v1/grants?all=true', 'alice')).body.grants.length, 1)
  assert.is((await call('POST', `/v1/grants/${id}/revoke`, 'alice')).status, 409)
  const audited = engine.audit.events.filter((e) => e.action === 'revoke_grant').map((e) => e.outcome)
  assert.equal(audited, ['refused', 'revoked', 'refused'])
  assert.is((await call('GET', '/v1/grants?all=maybe', 'alice')).status, 400)
  assert.is((await call('DELETE', `/v1/grants/${id}/revoke`, 'alice')).status, 405)
})

test('a store that cannot answer is a 503 with its reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-admin-'))
  const approvals = await openSqliteApprovalStore(join(dir, 'approvals.db'), { cipher: createReviewCipher(randomBytes(32)) })
  const { engine } = await fakeAdminEngine()
  const handle = createAdminHandler({ engine: { ...engine, approvals }, approverGroups: ['dba'] })
  await approvals.close()
  const res = await handle(new Request('http://admin.test/v1/approvals', { headers: { authorization: 'Bearer alice' } }))
  assert.is(res.status, 503)
  const body = await res.json()
  assert.is(body.error.code, 'approval.store_unavailable')
  assert.match(body.error.message, 'list approval requests in the sqlite approval store')
  rmSync(dir, { recursive: true, force: true })
})

test.run()
