// Attacks on the gateway itself by an agent holding a valid token under the default policy, with the recording
// upstream (it upgrades any request that asks and echoes the upgraded bytes): requests that would reach the
// upstream as something other than what was judged, and upstream credentials echoed back.
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch, ProxyAgent } from 'undici'

import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let token: string

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'K8S_SA_TOKEN' }, hosts: [] } },
    { name: 'gcp', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'GCP_TOKEN' }, hosts: ['*.googleapis.com'] } },
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'header', header: 'X-Api-Key', token_env: 'WEB_KEY' }, hosts: [] } },
    { name: 'webbasic', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'basic', username: 'svc', password_env: 'WEB_PASSWORD' }, hosts: [] } },
  ], {
    env: { K8S_SA_TOKEN: 'sa-token-attack-1', GCP_TOKEN: 'ya29.gcp-held-token', WEB_KEY: 'k3y-held-by-gateway-9', WEB_PASSWORD: 'pw-held-by-gateway-7' },
    // Holds outlast the flood test on a loaded machine: one that times out stops counting as pending.
    holdSeconds: 30,
  })
  token = await g.agentToken()
})
test.after(async () => g.close())

/** Raw HTTP/1.1 to the reverse listener: the whole answer, as text. */
function raw(request: string, stopAt?: string): Promise<string> {
  const url = new URL(g.reverse.url)
  return new Promise((resolve, reject) => {
    const s = connect({ host: url.hostname, port: Number(url.port) }, () => s.write(request))
    let out = ''
    s.setEncoding('utf8')
    s.on('data', (d) => {
      out += d
      if (stopAt && out.includes(stopAt)) s.end()
    })
    s.on('close', () => resolve(out))
    s.on('error', reject)
    setTimeout(() => s.destroy(), 8000)
  })
}

/** Approves every pending hold (a reviewer who approves the exec the agent asked for) until `done` settles. */
async function approveWhile(done: Promise<unknown>): Promise<void> {
  let settled = false
  void done.finally(() => (settled = true))
  while (!settled) {
    for (const a of await g.te.approvals.list({ status: 'pending' })) await g.te.approvals.approve(a.id, g.te.identity('alice', ['dba'], 'human'))
    await new Promise((r) => setTimeout(r, 20))
  }
}

test('an exec upgrade asking for h2c (HTTP/2 over the upgraded socket: requests no one judged) is refused; only WebSocket and SPDY/3.1 are forwarded', async () => {
  const before = g.upstream.seen.length
  const path = '/t/k8s/api/v1/namespaces/prod/pods/web-1/exec?command=id&stdout=true'
  const h2c = raw(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n`, '\r\n\r\n')
  await approveWhile(h2c)
  const out = await h2c
  assert.not.match(out, /^HTTP\/1\.1 101/, out.slice(0, 300))
  assert.match(out, /^HTTP\/1\.1 400/, out.slice(0, 400))
  assert.is(g.upstream.seen.length, before, 'nothing reached the upstream')
  const ws = raw(`GET ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`, '\r\n\r\n')
  await approveWhile(ws)
  assert.match(await ws, /^HTTP\/1\.1 101/)
})

test('pipelined requests on one kept-alive connection are each judged: an allowed read then a denied delete', async () => {
  const before = g.upstream.seen.length
  const auth = `Authorization: Bearer ${token}\r\n`
  const out = await raw(`GET /t/k8s/api/v1/namespaces/prod/pods HTTP/1.1\r\nHost: x\r\n${auth}\r\n` +
    `DELETE /t/k8s/api/v1/namespaces/prod HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 0\r\n\r\n` +
    `GET /t/k8s/api/v1/namespaces/prod/pods HTTP/1.1\r\nHost: x\r\n${auth}Connection: close\r\n\r\n`)
  assert.equal([...out.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => m[1]), ['200', '403', '200'], out)
  assert.equal(g.upstream.seen.slice(before).map((s) => s.method), ['GET', 'GET'])
})

test('obs-fold, a space before the colon, and CL with TE are refused by the parser before anything is judged', async () => {
  const before = g.upstream.seen.length
  const auth = `Authorization: Bearer ${token}\r\n`
  for (const head of [
    `GET /t/k8s/api/v1/namespaces/prod/pods HTTP/1.1\r\nHost: x\r\n${auth}X-Http-Method-Override: GET\r\n DELETE\r\n\r\n`,
    `GET /t/k8s/api/v1/namespaces/prod/pods HTTP/1.1\r\nHost: x\r\n${auth}X-Http-Method-Override : DELETE\r\n\r\n`,
    `POST /t/web/x HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    `POST /t/web/x HTTP/1.1\r\nHost: x\r\n${auth}Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n`,
  ]) {
    const out = await raw(head)
    assert.match(out, /^HTTP\/1\.1 400/, `${JSON.stringify(head.slice(0, 120))} → ${out.slice(0, 200)}`)
  }
  assert.is(g.upstream.seen.length, before)
})

test('upgrade requests whose client is gone before the answer do not crash the gateway (no listener for the socket error)', async () => {
  const url = new URL(g.reverse.url)
  for (let i = 0; i < 20; i++) {
    await new Promise<void>((resolve) => {
      const s = connect({ host: url.hostname, port: Number(url.port) }, () => {
        s.write('GET /t/k8s/api/v1/namespaces/staging/pods/web-1/exec?command=id HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer not-a-token\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', () => {
          s.resetAndDestroy()
          resolve()
        })
      })
      s.on('error', () => resolve())
    })
  }
  await new Promise((r) => setTimeout(r, 200))
  const res = await fetch(`${g.reverse.url}/t/k8s/api/v1/namespaces/staging/pods`, { headers: { authorization: `Bearer ${token}` } })
  assert.is(res.status, 200, 'the gateway still serves')
})

const via = (url: string, init: Parameters<typeof fetch>[1] = {}) =>
  fetch(url, { ...init, dispatcher: new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } }) })

test('gcp: a bucket named in the host (BUCKET.storage.googleapis.com) is refused when upstream_http.url would replace that host', async () => {
  const before = g.upstream.seen.length
  // Judged as a read of judged-bucket/other-bucket/key; at the upstream, a read of other-bucket/key.
  const res = await via('https://judged-bucket.storage.googleapis.com/other-bucket/key')
  assert.is(res.status, 400, await res.text())
  assert.is(g.upstream.seen.length, before, 'nothing reached the upstream')
})

test('an upstream that echoes request headers does not hand the agent the gateway credential (custom header, basic, bearer)', async () => {
  g.route = (req, res) => {
    res.setHeader('x-echo', String(req.headers['x-api-key'] ?? req.headers.authorization))
    json(res, { echoed: req.headers })
  }
  for (const [target, held] of [['web', 'k3y-held-by-gateway-9'], ['webbasic', Buffer.from('svc:pw-held-by-gateway-7').toString('base64')], ['k8s', 'sa-token-attack-1']] as const) {
    const path = target === 'k8s' ? '/t/k8s/api/v1/namespaces/staging/pods' : `/t/${target}/anything`
    const res = await fetch(`${g.reverse.url}${path}`, { headers: { authorization: `Bearer ${token}` } })
    const body = await res.text()
    assert.ok(g.upstream.seen.at(-1)!.headers.host, 'the request reached the upstream')
    assert.not.match(body, held, `${target}: ${res.status} ${body.slice(0, 300)}`)
    assert.not.match(String(res.headers.get('x-echo')), held, `${target}: header ${res.headers.get('x-echo')}`)
    // Hidden as the gateway credential, masked after its scheme, or masked whole under its header name (x-api-key).
    assert.ok(body.includes('[warden:credential]') || /(Bearer|Basic) \[token\]/.test(body) || body.includes('"x-api-key":"[secret]"'), body)
  }
  g.route = (_req, res) => json(res, { ok: true })
})

test('an answer relabelled text/event-stream (S3 response-content-type) does not carry secrets past the detectors in comment, id or event lines', async () => {
  // A Ruby-style YAML credentials file: every line starts with ':', which SSE reads as a comment.
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    res.end(':aws_access_key_id: AKIAIOSFODNN7EXAMPLE\nid: AKIAIOSFODNN7EXAMPLE\nevent: AKIAIOSFODNN7EXAMPLE\n\n')
  }
  const res = await fetch(`${g.reverse.url}/t/web/creds.yml`, { headers: { authorization: `Bearer ${token}` } })
  const body = await res.text()
  g.route = (_req, r) => json(r, { ok: true })
  assert.not.match(body, 'AKIAIOSFODNN7EXAMPLE', `${res.status} ${body}`)
})

test('one agent cannot fill the approval store: past its own share of pending holds it is refused, and another agent is still held', async () => {
  // A held request stays pending while its client waits: 1000 waiting at once (the store's total) left every
  // other session, PostgreSQL ones too, unable to be held. Past its share (20) one requester is refused.
  const abort = new AbortController()
  const hold = (who: string, i: number) => fetch(`${g.reverse.url}/t/web/flood/${i}`, { method: 'POST', body: '{}', headers: { authorization: `Bearer ${who}`, 'content-type': 'application/json' }, signal: abort.signal })
    .then(async (r) => ({ status: r.status, body: await r.text() }), () => undefined)
  const pending = async () => (await g.te.approvals.list({ status: 'pending' })).length
  const flood = Array.from({ length: 60 }, (_, i) => hold(token, i))
  const settled: Array<{ status: number; body: string } | undefined> = []
  for (const p of flood) void p.then((r) => settled.push(r))
  for (let t = 0; t < 400 && (await pending()) + settled.length < 60; t++) await new Promise((r) => setTimeout(r, 25))
  const held = await pending()
  try {
    assert.is(held, 20, 'held at once')
    assert.is(settled.length, 40, 'refused at once')
    const kinds = new Set(settled.map((r) => r ? `${r.status} ${/already has \d+ approval requests pending/.exec(r.body)?.[0] ?? r.body.slice(0, 200)}` : 'no answer'))
    assert.equal([...kinds], ['403 already has 20 approval requests pending'])
    const other = await g.te.token('other-agent', ['agents'])
    const otherHold = hold(other, 5000)
    const otherPending = async () => (await g.te.approvals.list({ status: 'pending' })).filter((a) => a.requester.sub === 'other-agent').length
    for (let t = 0; t < 400 && (await otherPending()) === 0; t++) await new Promise((r) => setTimeout(r, 25))
    assert.is(await otherPending(), 1, 'another agent is still held')
    assert.is(await pending(), held + 1, 'beside the first agent\'s share')
  } finally {
    abort.abort()
    await Promise.all(flood)
  }
})

test.run()
