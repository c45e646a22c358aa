// Second attack review of the admin API, over real HTTP on 127.0.0.1 with the real engine (dev-issuer JWTs, the
// shipped policy) and a real SQLite trail: every route without a token, with an agent's token and with an agent
// token in the reviewers' groups; methods the routes do not take; CORS preflights; ids and queries that try to
// leave their route; bodies past the cap; a request line and Host header a browser would never send.
// (Identity, self-approval, replays and the review page's CSRF / XSS are in handler.test.ts: not repeated here.)
import { mkdtempSync, rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { approveDecision, heldInput } from '../../engine/approvals/fixtures.ts'
import { createTestEngine, testTarget } from '../postgres/testing/engine.ts'
import { openTrailReader } from '../server/audit-reader.ts'
import { createAdminHandler } from './handler.ts'
import { MAX_BODY_BYTES, serveAdmin } from './node-server.ts'
import { sampleTrailConfig, writeSampleTrail } from './testing/sample-trail.ts'

const dir = mkdtempSync(join(tmpdir(), 'warden-admin-attack-'))
const trailConfig = sampleTrailConfig(join(dir, 'state'))
await writeSampleTrail(trailConfig)
const te = await createTestEngine({ targets: [testTarget('prod-db')] })
const handle = createAdminHandler({ engine: te.engine, approverGroups: ['dba'], roles: { auditor: ['security'], admin: ['warden-admins'] }, openAuditReader: () => openTrailReader(trailConfig, {}) })
const errors: unknown[] = []
const server = await serveAdmin(handle, { host: '127.0.0.1', port: 0, onError: (err) => errors.push(err) })

const cursor = te.identity('cursor', ['agents'], 'agent')
const other = te.identity('other-bot', ['agents'], 'agent')
const heldFor = async (who: typeof cursor, digest: string) =>
  te.approvals.request({ input: { ...heldInput({ requester: who, digest }), identity: who }, decision: approveDecision('target'), summary: 'DELETE FROM users WHERE id = $1', reviewText: "DELETE FROM users WHERE id = '7'" })
const mine = await heldFor(cursor, 'd-mine')
const theirs = await heldFor(other, 'd-theirs')
const theirGrant = (await te.approvals.approve((await heldFor(other, 'd-granted')).id, te.identity('alice', ['dba'], 'human'))).grant!

const tokens = {
  agent: await te.token('cursor', ['agents'], { kind: 'agent' }),
  // An agent whose token names the reviewers' and the auditors' groups holds no role: only humans do.
  agentInGroups: await te.token('cursor', ['agents', 'dba', 'security', 'warden-admins'], { kind: 'agent' }),
}

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function call(method: string, path: string, opts: { token?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${server.url}${path}`, { method, headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...opts.headers } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (d) => (body += d))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

/** A raw request (request line and headers as given) and the status line of the answer. */
function raw(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.address.port, '127.0.0.1', () => socket.write(text))
    let got = ''
    socket.setEncoding('utf8')
    socket.on('data', (d) => {
      got += d
      if (got.includes('\r\n\r\n')) socket.destroy()
    })
    socket.on('close', () => resolve(got.split('\r\n')[0] ?? ''))
    socket.on('error', reject)
  })
}

const ROUTES: Array<[string, string]> = [
  ['GET', '/v1/approvals'],
  ['GET', `/v1/approvals/${theirs.id}`],
  ['POST', `/v1/approvals/${theirs.id}/approve`],
  ['POST', `/v1/approvals/${theirs.id}/deny`],
  ['GET', '/v1/grants'],
  ['POST', `/v1/grants/${theirGrant.id}/revoke`],
  ['GET', '/v1/audit/verify'],
  ['GET', '/v1/audit/sessions'],
  ['GET', '/v1/audit/sessions/sess-a'],
  ['GET', '/v1/audit/export'],
  ['GET', '/metrics'],
]

test.after(async () => {
  await server.close()
  await te.close()
  rmSync(dir, { recursive: true, force: true })
})

test('without a token every route but /healthz is 401 and says nothing of what it holds', async () => {
  for (const [method, path] of ROUTES) {
    const r = await call(method, path, { headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined })
    assert.is(r.status, 401, `${method} ${path}`)
    assert.is(r.headers['www-authenticate'], 'Bearer realm="warden"')
    assert.not.match(r.body, /apr_|grt_|sess-a|DELETE/)
  }
  for (const bad of ['Basic YWxpY2U6cHc=', 'Bearer', 'Bearer a b', `Bearer ${tokens.agent.slice(0, -4)}AAAA`]) {
    assert.is((await call('GET', '/v1/approvals', { headers: { authorization: bad } })).status, 401, bad)
  }
  assert.is((await call('GET', '/healthz')).body, '{"status":"ok"}')
})

test('an agent token, even one naming every role group: sees and may give up only its own; approves, denies, revokes and reads the trail nowhere', async () => {
  for (const token of [tokens.agent, tokens.agentInGroups]) {
    const list = JSON.parse((await call('GET', '/v1/approvals', { token })).body) as { approvals: Array<{ id: string }> }
    assert.equal(list.approvals.map((a) => a.id).sort(), [mine.id], 'only its own request')
    assert.is((await call('GET', `/v1/approvals/${theirs.id}`, { token })).status, 404, 'another agent\'s request answers as unknown')
    const json = { token, headers: { 'content-type': 'application/json' } }
    for (const id of [mine.id, theirs.id]) {
      for (const action of ['approve', 'deny']) {
        const r = await call('POST', `/v1/approvals/${id}/${action}`, json)
        assert.ok([403, 404].includes(r.status), `${action} ${id}: ${r.status} ${r.body}`)
      }
    }
    assert.equal((JSON.parse((await call('GET', '/v1/grants?all=true', { token })).body) as { grants: unknown[] }).grants, [], 'no one else\'s grants')
    assert.is((await call('POST', `/v1/grants/${theirGrant.id}/revoke`, json)).status, 404)
    for (const path of ['/v1/audit/verify', '/v1/audit/sessions', '/v1/audit/sessions/sess-a', '/v1/audit/export']) {
      const r = await call('GET', path, { token })
      assert.is(r.status, 403, path)
      assert.not.match(r.body, /sess-b|DROP TABLE|SELECT email/)
    }
    assert.is((await call('GET', '/metrics', { token })).status, 404)
  }
  assert.equal([(await te.approvals.get(mine.id))?.status, (await te.approvals.get(theirs.id))?.status], ['pending', 'pending'])
  assert.is((await te.approvals.grants()).find((g) => g.id === theirGrant.id)?.revoked_at, undefined)
})

test('methods a route does not take are 405 with Allow (401 before a token); no answer carries CORS headers, preflights included', async () => {
  for (const method of ['PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    for (const [, path] of ROUTES.slice(0, 7)) {
      const anon = await call(method, path, { headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } })
      assert.is(anon.status, 401, `${method} ${path} without a token`)
      const r = await call(method, path, { token: tokens.agent, headers: { origin: 'https://evil.example' } })
      assert.ok(r.status === 405 || r.status === 404, `${method} ${path}: ${r.status}`)
      for (const a of [anon, r]) assert.equal(Object.keys(a.headers).filter((h) => h.startsWith('access-control-')), [], `${method} ${path}`)
    }
  }
  const get = await call('GET', '/v1/approvals', { token: tokens.agent, headers: { origin: 'https://evil.example' } })
  assert.equal([get.status, get.headers['access-control-allow-origin'], get.headers['x-content-type-options'], get.headers['cache-control']], [200, undefined, 'nosniff', 'no-store'])
  for (const method of ['TRACE']) {
    assert.match(await raw(`${method} /v1/approvals HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${tokens.agent}\r\n\r\n`), /^HTTP\/1\.1 405 /, method)
    assert.match(await raw(`${method} /v1/approvals HTTP/1.1\r\nHost: x\r\n\r\n`), /^HTTP\/1\.1 405 /, `${method} without a token`)
  }
  assert.equal(errors, [], 'nothing reached the gateway log as an internal error')
})

test('ids and queries cannot leave their route: dot segments, encoded slashes, NUL, repeated and odd parameters', async () => {
  const token = tokens.agent
  for (const path of [
    `/v1/approvals/${theirs.id}%2F..%2F..%2Fgrants`, '/v1/approvals/..%2Fgrants', `/v1/approvals/${theirs.id}%00`, '/v1/approvals/%2e%2e',
    `/v1/grants/${theirGrant.id}%2Frevoke`, '/v1/approvals/' + 'a'.repeat(65),
  ]) {
    const r = await call('GET', path, { token })
    assert.is(r.status, 404, path)
    assert.not.match(r.body, 'DELETE')
  }
  // A path the URL parser folds (dot segments) lands on the route it names, with that route's checks.
  const folded = await call('GET', `/v1/audit/../approvals/${theirs.id}`, { token })
  assert.is(folded.status, 404)
  for (const q of ['?status=pending&status=approved', '?status=pending%00', '?status[]=pending', '?status=__proto__']) {
    const r = await call('GET', `/v1/approvals${q}`, { token })
    assert.ok(r.status === 200 || r.status === 400, q)
    if (r.status === 200) assert.equal((JSON.parse(r.body) as { approvals: Array<{ id: string }> }).approvals.map((a) => a.id), [mine.id], q)
  }
  assert.is((await call('GET', '/v1/grants?all=1', { token })).status, 400)
  assert.is((await call('GET', '/v1/audit/sessions/%E0%A4%A', { token })).status, 403, 'the role is checked before the id is even decoded')
})

test('bodies past the cap are refused with 413 and the gateway keeps answering; a GET body is never read', async () => {
  const big = Buffer.alloc(MAX_BODY_BYTES * 160, 0x61)
  const r = await call('POST', `/v1/approvals/${mine.id}/approve`, { token: tokens.agent, headers: { 'content-type': 'application/json' }, body: big }).catch((err: Error) => ({ status: 0, headers: {}, body: err.message }))
  assert.ok(r.status === 413 || r.status === 0, `${r.status} ${r.body}`)
  const get = await call('GET', '/v1/approvals', { token: tokens.agent, headers: { 'content-length': String(big.length) }, body: big }).catch((err: Error) => ({ status: 0, headers: {}, body: err.message }))
  assert.ok(get.status === 200 || get.status === 0, `${get.status}`)
  assert.is((await call('GET', '/healthz')).status, 200, 'still answering')
  assert.is((await te.approvals.get(mine.id))?.status, 'pending')
})

test('a request line and Host header no browser sends: absolute-form to another host, a broken Host, none at all', async () => {
  const auth = `Authorization: Bearer ${tokens.agent}\r\n`
  assert.match(await raw(`GET http://evil.example/v1/approvals HTTP/1.1\r\nHost: evil.example\r\n${auth}\r\n`), /^HTTP\/1\.1 200 /)
  assert.match(await raw(`GET /v1/approvals HTTP/1.1\r\nHost: [\r\n${auth}\r\n`), /^HTTP\/1\.1 (400|500) /)
  assert.match(await raw(`GET /v1/approvals HTTP/1.0\r\n${auth}\r\n`), /^HTTP\/1\.1 200 /)
  assert.match(await raw(`GET /v1/approvals HTTP/1.1\r\nHost: x\r\n\r\n`), /^HTTP\/1\.1 401 /)
  assert.is((await call('GET', '/healthz')).status, 200)
})

test.run()
