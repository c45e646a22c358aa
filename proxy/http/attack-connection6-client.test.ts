// Sixth attack round on the gateway's connection layer, from the client side: raw bytes on the agent's own
// connections (reverse listener, and TLS inside the forward proxy's intercepted tunnels) that would make one
// judged request carry another, unjudged one, or judge a request as someone other than the one who sent it.
// Protocol upgrades on targets whose input cannot show one, a CONNECT nested inside a tunnel, HTTP/2 offered by
// ALPN, another agent's token inside a tunnel, a tunnel that outlives its token, requests pipelined behind one
// held for approval. The recording upstream upgrades any request that asks and echoes the upgraded bytes.
import { readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import { test } from 'uvu'
import type { TargetConfig } from '../../engine/config/types.ts'
import * as assert from 'uvu/assert'
import { listenForward } from './forward-proxy.ts'
import { type HttpListener, listenReverse } from './node-server.ts'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let targets: TargetConfig[]
let agent: string
let human: string

test.before(async () => {
  g = await startTestGateway((up) => targets = [
    { name: 'k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'K8S_SA_TOKEN' }, hosts: [] } },
    { name: 'gcp', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'GCP_TOKEN' }, hosts: ['*.googleapis.com'] } },
    { name: 'mcp', kind: 'mcp', environment: 'production', labels: {}, mcp: { server: 'docs' }, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'K8S_SA_TOKEN' }, hosts: [] } },
    { name: 'aws', kind: 'aws', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'aws_sigv4', access_key_id_env: 'AWS_HELD_ID', secret_access_key_env: 'AWS_HELD_SECRET', region: 'us-east-1' }, hosts: ['*.amazonaws.com'] } },
  ], { holdSeconds: 20, env: { K8S_SA_TOKEN: 'sa-token-conn6', GCP_TOKEN: 'ya29.conn6-held', AWS_HELD_ID: 'AKIDCONN6HELD0000001', AWS_HELD_SECRET: 'conn6-held-secret' } })
  g.route = (_req, res) => json(res, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] })
  agent = await g.agentToken()
  // Break-glass humans get no masks: an upgrade is refused for what it is, not for a mask it cannot honour.
  human = await g.te.token('root-on-call', ['breakglass'], { kind: 'human' })
})
test.after(async () => g.close())

const statuses = (out: string) => [...out.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => m[1])

/** Collects what a socket sends until it closes, `ms` pass, or what came holds `until`. */
function collect(s: { on(e: string, f: (x?: unknown) => void): unknown; destroy(): void }, ms = 4000, until?: string): Promise<string> {
  return new Promise((resolve) => {
    let out = ''
    const timer = setTimeout(() => { s.destroy(); resolve(out) }, ms)
    s.on('data', (d) => {
      out += String(d)
      if (until !== undefined && out.includes(until)) {
        clearTimeout(timer)
        s.destroy()
        resolve(out)
      }
    })
    s.on('error', () => undefined)
    s.on('close', () => { clearTimeout(timer); resolve(out) })
  })
}

/** Raw bytes to the reverse listener; the whole answer. */
function raw(bytes: string, ms?: number, until?: string): Promise<string> {
  const s = connect(g.reverse.address.port, '127.0.0.1', () => s.write(bytes))
  return collect(s, ms, until)
}

/** A CONNECT to `authority` with `credential`, then TLS with the gateway's CA; the TLS socket inside the tunnel. */
function tunnel(authority: string, credential: string, { port, ...opts }: { ALPNProtocols?: string[]; maxVersion?: 'TLSv1.2'; port?: number } = {}): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = connect(port ?? g.proxy.address.port, '127.0.0.1', () => s.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Authorization: ${credential}\r\n\r\n`))
    s.once('error', reject)
    s.once('data', (d) => {
      if (!/^HTTP\/1\.1 200/.test(String(d))) return reject(new Error(`CONNECT refused: ${String(d).slice(0, 200)}`))
      const t = tlsConnect({ socket: s, servername: authority.replace(/:\d+$/, ''), ca: readFileSync(g.ca.cert), ...opts }, () => resolve(t))
      t.once('error', reject)
    })
  })
}

const UPGRADE = 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'

/** Sends `bytes` on `n` connections to `port`, each closed by the client once answered; the answers. */
async function refusedMany(port: number, bytes: string, n: number): Promise<string[]> {
  return Promise.all(Array.from({ length: n }, () => {
    const s = connect(port, '127.0.0.1', () => s.write(bytes))
    s.once('data', () => s.destroy())
    return collect(s, 3000)
  }))
}

/** Whether the listener closes within `ms`: only once every connection it accepted has closed. */
async function closesWithin(l: HttpListener, ms: number): Promise<boolean> {
  return Promise.race([l.close().then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))])
}

test('refused upgrades and CONNECTs with bytes after their head (no token needed) leave no connection open once the client is gone', async () => {
  const reverse = await listenReverse(g.gateway.handle, { host: '127.0.0.1', port: 0 })
  const forward = await listenForward({ host: '127.0.0.1', port: 0, engine: g.te.engine, targets: [], passthrough: [], leaves: g.leaves, handle: g.gateway.handle })
  const intercepting = await listenForward({ host: '127.0.0.1', port: 0, engine: g.te.engine, targets, passthrough: [], leaves: g.leaves, handle: g.gateway.handle })
  const upgrade = await refusedMany(reverse.address.port, `GET /t/k8s/api/v1/namespaces/prod/pods/web-1/exec?command=id HTTP/1.1\r\nHost: x\r\n${UPGRADE}\r\n${'x'.repeat(100)}`, 20)
  const h2c = await refusedMany(reverse.address.port, `GET /t/k8s/api/v1/namespaces/prod/pods HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${agent}\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nPRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`, 20)
  const tunnels = await refusedMany(forward.address.port, `CONNECT storage.googleapis.com:443 HTTP/1.1\r\nHost: storage.googleapis.com:443\r\n\r\n${'\u0016\u0003\u0001'.repeat(30)}`, 20)
  // Inside intercepted tunnels: an upgrade refused for its target kind, with bytes after its head.
  const inner = await Promise.all(Array.from({ length: 10 }, async () => {
    const t = await tunnel('storage.googleapis.com:443', `Bearer ${human}`, { port: intercepting.address.port })
    t.write(`GET /storage/v1/b/bkt/o HTTP/1.1\r\nHost: storage.googleapis.com\r\n${UPGRADE}\r\n${'x'.repeat(100)}`)
    t.once('data', () => t.destroy())
    return collect(t, 3000)
  }))
  assert.ok(inner.every((o) => /^HTTP\/1\.1 400/.test(o)), inner[0])
  assert.ok(await closesWithin(intercepting, 2000), 'the forward listener still holds tunnels of refused upgrades')
  assert.ok(upgrade.every((o) => /^HTTP\/1\.1 401/.test(o)), upgrade[0])
  assert.ok(h2c.every((o) => /^HTTP\/1\.1 400/.test(o)), h2c[0])
  assert.ok(tunnels.every((o) => /^HTTP\/1\.1 407/.test(o)), tunnels[0])
  assert.ok(await closesWithin(reverse, 2000), 'the reverse listener still holds refused upgrades\' connections')
  assert.ok(await closesWithin(forward, 2000), 'the forward listener still holds refused CONNECTs\' connections')
})

test('control: a WebSocket to the Kubernetes target (whose normalizer judges it) is still forwarded and piped', async () => {
  const out = await raw(`GET /t/k8s/api/v1/namespaces/staging/pods?watch=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${human}\r\n${UPGRADE}\r\nping-k8s`, 10_000, 'ping-k8s')
  assert.match(out, /^HTTP\/1\.1 101/, out.slice(0, 300))
  assert.match(out, 'ping-k8s')
})

test('a WebSocket upgrade to a GCP, AWS or MCP target (whose input never shows the upgrade: after it nothing is judged) is refused and never forwarded', async () => {
  const before = g.upstream.seen.length
  const mcp = await raw(`POST /t/mcp/mcp HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${human}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n${UPGRADE}\r\n{}`, 2000)
  assert.equal(statuses(mcp), ['400'], mcp.slice(0, 400))
  assert.match(mcp, 'http.upgrade_refused')
  const gcp = await raw(`GET /t/gcp/storage/v1/b/bkt/o HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${human}\r\n${UPGRADE}\r\nDELETE /storage/v1/b/bkt HTTP/1.1\r\n\r\n`, 2000)
  assert.equal(statuses(gcp), ['400'], gcp.slice(0, 400))
  assert.match(gcp, 'http.upgrade_refused')
  const t = await tunnel('s3.amazonaws.com:443', `Bearer ${human}`)
  t.write(`GET / HTTP/1.1\r\nHost: s3.amazonaws.com\r\n${UPGRADE}\r\nDELETE /bkt HTTP/1.1\r\n\r\n`)
  const aws = await collect(t, 2000)
  assert.equal(statuses(aws), ['400'], aws.slice(0, 400))
  assert.not.match(gcp + aws, 'DELETE')
  assert.is(g.upstream.seen.length, before, 'nothing reached the upstream')
})

test('a header the policy read is never dropped on the way by a Connection option naming it (an S3 copy judged as a copy, forwarded as a plain put)', async () => {
  const before = g.upstream.seen.length
  const t = await tunnel('s3.amazonaws.com:443', `Bearer ${human}`)
  t.write('PUT /bkt/copy HTTP/1.1\r\nHost: s3.amazonaws.com\r\nx-amz-copy-source: /bkt/original\r\nConnection: x-amz-copy-source, close\r\nContent-Length: 0\r\n\r\n')
  const out = await collect(t, 3000)
  const seen = g.upstream.seen.slice(before)
  assert.equal(statuses(out), ['400'], `${out.slice(0, 300)} ${JSON.stringify(seen.map((s) => s.headers))}`)
  assert.match(out, 'Connection names x-amz-copy-source')
  assert.is(seen.length, 0)
})

test('control: the Connection options clients send (keep-alive, close, Upgrade, TE) are accepted', async () => {
  g.route = (_req, res) => json(res, { kind: 'storage#buckets', items: [] })
  const t = await tunnel('storage.googleapis.com:443', `Bearer ${agent}`)
  t.write('GET /storage/v1/b?project=p1 HTTP/1.1\r\nHost: storage.googleapis.com\r\nConnection: keep-alive, TE\r\nTE: trailers\r\n\r\nGET /storage/v1/b?project=p2 HTTP/1.1\r\nHost: storage.googleapis.com\r\nConnection: Keep-Alive, close\r\n\r\n')
  const out = await collect(t, 3000)
  assert.equal(statuses(out), ['200', '200'], out.slice(0, 300))
})

test('Expect: 100-continue on an upload held for approval: no 100 and no byte forwarded while held; rejected, the body sent anyway is dropped and the next request judged as itself', async () => {
  g.route = (_req, res) => json(res, { ok: true })
  const before = g.upstream.seen.length
  const t = await tunnel('s3.amazonaws.com:443', `Bearer ${agent}`)
  let out = ''
  t.on('data', (d) => (out += d))
  t.write('PUT /bkt/held-object HTTP/1.1\r\nHost: s3.amazonaws.com\r\nExpect: 100-continue\r\nContent-Length: 11\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\n\r\n')
  const id = await g.heldId()
  assert.ok(id, 'the upload is held')
  await new Promise((r) => setTimeout(r, 300))
  assert.is(out, '', 'nothing said while held: no 100 Continue')
  assert.is(g.upstream.seen.length, before)
  await g.te.approvals.reject(id!, g.te.identity('alice', ['dba'], 'human'))
  while (!statuses(out).length) await new Promise((r) => setTimeout(r, 20))
  assert.equal(statuses(out), ['403'], out.slice(0, 300))
  // A client that sends the body anyway (curl does after a second), then another request on the connection.
  t.write('hello world')
  t.write('GET /bkt?list-type=2 HTTP/1.1\r\nHost: s3.amazonaws.com\r\nConnection: close\r\n\r\n')
  await collect(t, 3000)
  assert.not.match(out, '100 Continue')
  const seen = g.upstream.seen.slice(before)
  assert.ok(seen.every((s) => s.method === 'GET' && s.body.byteLength === 0), JSON.stringify(seen.map((s) => [s.method, s.url])))
  assert.ok(statuses(out).length === 1 || statuses(out)[1] !== '100', out.slice(-300))
})

test('CR, LF or NUL inside a header value or the request target, and a bare CR line ending, are refused by the parser; nothing is forwarded', async () => {
  const before = g.upstream.seen.length
  const auth = `Authorization: Bearer ${agent}\r\n`
  for (const bytes of [
    `GET /t/k8s/api/v1/namespaces/prod/pods HTTP/1.1\r\nHost: x\r\n${auth}X-A: a\rImpersonate-User: system:admin\r\n\r\n`,
    `GET /t/k8s/api/v1/namespaces/prod/pods HTTP/1.1\r\nHost: x\r\n${auth}X-A: a\u0000b\r\n\r\n`,
    `GET /t/k8s/api/v1/namespaces/prod/pods\u0000/../../prod HTTP/1.1\r\nHost: x\r\n${auth}\r\n`,
    `GET /t/k8s/api/v1/namespaces/prod/pods\rX HTTP/1.1\r\nHost: x\r\n${auth}\r\n`,
    `GET /t/k8s/api/v1/namespaces/prod/pods HTTP/1.1\rHost: x\r${auth.replace('\r\n', '\r')}\r`,
  ]) {
    const out = await raw(bytes, 1500)
    assert.ok(statuses(out).every((s) => s === '400'), `${JSON.stringify(bytes.slice(0, 80))} → ${out.slice(0, 200)}`)
  }
  assert.is(g.upstream.seen.length, before)
})

test('an exec held for approval whose client went away is not run when a reviewer approves it later', async () => {
  const before = g.upstream.seen.length
  const s = connect(g.reverse.address.port, '127.0.0.1', () => s.write(`POST /t/k8s/api/v1/namespaces/prod/pods/web-1/exec?command=hostname&stdout=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${agent}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\r\n`))
  s.on('error', () => undefined)
  const id = await g.heldId()
  assert.ok(id, 'the exec is held')
  s.destroy()
  await new Promise((r) => setTimeout(r, 500))
  const status = (await g.te.approvals.list({})).find((a) => a.id === id)?.status
  if (status === 'pending') await g.approve(id!)
  await new Promise((r) => setTimeout(r, 1000))
  assert.is(g.upstream.seen.length, before, `the exec reached the upstream with no client (approval was ${status})`)
})

for (const how of ['end', 'destroy'] as const) {
  test(`a held request whose client closes its connection (${how}) is no longer held, and never forwarded`, async () => {
    const before = g.upstream.seen.length
    const s = connect(g.reverse.address.port, '127.0.0.1', () => s.write(`POST /t/k8s/api/v1/namespaces/prod/pods/web-1/exec?command=whoami&command=${how}&stdout=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${agent}\r\nContent-Length: 0\r\n\r\n`))
    s.on('error', () => undefined)
    const id = await g.heldId()
    assert.ok(id, 'held')
    s[how]()
    let status: string | undefined
    for (let i = 0; i < 100 && (status = (await g.te.approvals.list({})).find((a) => a.id === id)?.status) === 'pending'; i++) await new Promise((r) => setTimeout(r, 20))
    assert.is.not(status, 'pending')
    assert.is(g.upstream.seen.length, before)
  })
}

test('absolute-form targets inside a tunnel with userinfo, another port after userinfo, or a fragment are refused; nothing is forwarded', async () => {
  const before = g.upstream.seen.length
  for (const target of [
    'https://agent:pw@storage.googleapis.com/storage/v1/b?project=p1',
    'https://evil.example@storage.googleapis.com/storage/v1/b?project=p1',
    'https://storage.googleapis.com:443@evil.example/storage/v1/b?project=p1',
    'https://storage.googleapis.com/storage/v1/b#/../../b/other/o',
  ]) {
    const t = await tunnel('storage.googleapis.com:443', `Bearer ${agent}`)
    t.write(`GET ${target} HTTP/1.1\r\nHost: storage.googleapis.com\r\nConnection: close\r\n\r\n`)
    const out = await collect(t, 3000)
    assert.equal(statuses(out), ['400'], `${target} → ${out.slice(0, 300)}`)
  }
  assert.is(g.upstream.seen.length, before)
})

test('a TLS 1.2 renegotiation inside a tunnel changes nothing: the requests after it are judged for the CONNECT host, as before', async () => {
  g.route = (_req, res) => json(res, { kind: 'storage#buckets', items: [] })
  const before = g.upstream.seen.length
  const t = await tunnel('storage.googleapis.com:443', `Bearer ${agent}`, { maxVersion: 'TLSv1.2' })
  let out = ''
  t.on('data', (d) => (out += d))
  t.write('GET /storage/v1/b?project=p1 HTTP/1.1\r\nHost: storage.googleapis.com\r\n\r\n')
  while (!statuses(out).length) await new Promise((r) => setTimeout(r, 20))
  const renegotiated = await new Promise<Error | null>((resolve) => {
    if (!t.renegotiate({ rejectUnauthorized: true }, (err) => resolve(err ?? null))) resolve(new Error('renegotiation not started'))
  })
  if (!t.destroyed) t.write('GET /storage/v1/b?project=p2 HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n')
  await collect(t, 3000)
  assert.is(statuses(out)[0], '200')
  // After it (if the server took it at all), a request naming another host is still refused.
  assert.ok(statuses(out).length === 1 || statuses(out)[1] === '400', `${renegotiated?.message} ${out.slice(-300)}`)
  assert.is(g.upstream.seen.length, before + 1)
})

test('a CONNECT nested inside an intercepted tunnel is never dialled nor forwarded', async () => {
  const before = g.upstream.seen.length
  const t = await tunnel('storage.googleapis.com:443', `Bearer ${agent}`)
  t.write(`CONNECT ${new URL(g.upstream.url).host} HTTP/1.1\r\nHost: ${new URL(g.upstream.url).host}\r\n\r\nGET /anything HTTP/1.1\r\nHost: x\r\n\r\n`)
  const out = await collect(t, 2000)
  assert.not.match(out, /HTTP\/1\.1 200/, out.slice(0, 300))
  assert.is(g.upstream.seen.length, before)
})

test('a client offering only h2 by ALPN inside a tunnel gets no HTTP/2: its preface and frames are never forwarded', async () => {
  const before = g.upstream.seen.length
  let t: TLSSocket | undefined
  try {
    t = await tunnel('storage.googleapis.com:443', `Bearer ${agent}`, { ALPNProtocols: ['h2'] })
  } catch (err) {
    // The handshake refused (no_application_protocol): nothing to forward.
    assert.match((err as Error).message, /alert|protocol|socket|closed/i)
  }
  if (t) {
    assert.not.equal(t.alpnProtocol, 'h2')
    t.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'), Buffer.from('000000040000000000', 'hex')]))
    const out = await collect(t, 2000)
    assert.not.match(out, /HTTP\/1\.1 200/)
  }
  assert.is(g.upstream.seen.length, before)
})

test('inside agent A\'s tunnel, agent B\'s Authorization or Proxy-Authorization is refused (407, naming both identities), never judged as A nor forwarded', async () => {
  const b = await g.te.token('other-agent', ['agents'])
  g.route = (_req, res) => json(res, { kind: 'storage#buckets', items: [] })
  for (const header of ['Authorization', 'Proxy-Authorization']) {
    const before = g.upstream.seen.length
    const t = await tunnel('storage.googleapis.com:443', `Bearer ${agent}`)
    t.write(`GET /storage/v1/b?project=p1 HTTP/1.1\r\nHost: storage.googleapis.com\r\n${header}: Bearer ${b}\r\nConnection: close\r\n\r\n`)
    const out = await collect(t)
    assert.equal(statuses(out), ['407'], out.slice(0, 300))
    assert.match(out, /names another identity \(other-agent of .*\) than the one the tunnel was opened as \(cursor of /)
    assert.is(g.upstream.seen.length, before, 'nothing forwarded')
  }
})

test('a tunnel kept open after its token expired: the next request inside it is refused (407), not forwarded', async () => {
  // Expires in 3 s. (Not one expired 27 s ago, inside the verifier's 30 s skew: this gateway counts no skew, and
  // closes an intercepted tunnel at its token's deadline as it closes a passthrough one.)
  const short = await g.te.token('cursor', ['agents'], { ttlSeconds: 3 })
  g.route = (_req, res) => json(res, { kind: 'storage#buckets', items: [] })
  const t = await tunnel('storage.googleapis.com:443', `Bearer ${short}`)
  let out = ''
  t.on('data', (d) => (out += d))
  t.write('GET /storage/v1/b?project=p1 HTTP/1.1\r\nHost: storage.googleapis.com\r\n\r\n')
  while (!statuses(out).length) await new Promise((r) => setTimeout(r, 20))
  assert.equal(statuses(out), ['200'])
  await new Promise((r) => setTimeout(r, 4000))
  const before = g.upstream.seen.length
  if (!t.destroyed) t.write('GET /storage/v1/b?project=p2 HTTP/1.1\r\nHost: storage.googleapis.com\r\nConnection: close\r\n\r\n')
  await collect(t, 3000)
  assert.ok(statuses(out).length === 1 || statuses(out)[1] === '407', out.slice(-400))
  assert.is(g.upstream.seen.length, before, 'nothing forwarded on the expired token')
})

test('a request pipelined behind one held for approval is judged as itself; the held one, rejected, is never forwarded', async () => {
  const before = g.upstream.seen.length
  g.route = (_req, res) => json(res, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] })
  // A delete in prod is denied, an exec held: the exec first, a list pipelined behind it, a denied delete last.
  const exec = `POST /t/k8s/api/v1/namespaces/prod/pods/web-1/exec?command=id&stdout=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${agent}\r\nContent-Length: 0\r\n\r\n`
  const list = `GET /t/k8s/api/v1/namespaces/prod/pods HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${agent}\r\n\r\n`
  const del = `DELETE /t/k8s/api/v1/namespaces/prod HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${agent}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`
  const answer = raw(exec + list + del, 8000)
  const id = await g.heldId()
  assert.ok(id, 'the exec is held')
  await g.te.approvals.reject(id!, g.te.identity('alice', ['dba'], 'human'))
  const out = await answer
  const finals = statuses(out).filter((s) => s !== '103')
  assert.equal(finals, ['403', '200', '403'], out.slice(0, 600))
  const seen = g.upstream.seen.slice(before)
  assert.equal(seen.map((s) => `${s.method} ${s.url}`), ['GET /api/v1/namespaces/prod/pods'])
})

test('two held requests pipelined on one connection: the second, approved first, waits for the first, which is rejected and never forwarded', async () => {
  const before = g.upstream.seen.length
  const exec = (cmd: string, last = '') => `POST /t/k8s/api/v1/namespaces/prod/pods/web-1/exec?command=${cmd}&stdout=true HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${agent}\r\nContent-Length: 0\r\n${last}\r\n`
  const sock = connect(g.reverse.address.port, '127.0.0.1', () => sock.write(exec('date')))
  const answer = collect(sock, 10_000)
  const first = { id: (await g.heldId())! }
  assert.ok(first.id, 'the first is held')
  // The second follows on the same connection while the first is still unanswered.
  sock.write(exec('uptime', 'Connection: close\r\n'))
  let second: { id: string } | undefined
  for (let i = 0; i < 300 && !second; i++) {
    second = (await g.te.approvals.list({ status: 'pending' })).find((p) => p.id !== first.id)
    if (!second) await new Promise((r) => setTimeout(r, 20))
  }
  assert.ok(second, 'the second is held too')
  await g.approve(second!.id)
  await new Promise((r) => setTimeout(r, 300))
  assert.is(g.upstream.seen.length, before + 1, 'the approved second went upstream')
  await g.te.approvals.reject(first.id, g.te.identity('alice', ['dba'], 'human'))
  const out = await answer
  const finals = statuses(out).filter((s) => s !== '103')
  assert.equal(finals, ['403', '200'], out.slice(0, 600))
  assert.match(out.slice(0, out.indexOf('HTTP/1.1 200')), first.id)
  assert.equal(g.upstream.seen.slice(before).map((s) => s.url), ['/api/v1/namespaces/prod/pods/web-1/exec?command=uptime&stdout=true'])
})

test.run()
