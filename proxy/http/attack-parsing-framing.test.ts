// Framing attacks on the gateway by an agent holding a valid token under the default policy: bytes that a
// second HTTP parser (the gateway's upstream, or the gateway itself on the next request of a kept-alive
// connection) could split into other requests than the one judged. Raw sockets to the reverse listener; the
// recording upstream tells what really reached it. `k8s` is a production Kubernetes target (namespace prod),
// where a list is allowed and deleting the namespace is denied.
import { connect } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let auth: string

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'K8S_SA_TOKEN' }, hosts: [] } },
  ], { env: { K8S_SA_TOKEN: 'sa-token-framing-1' } })
  g.route = (_req, res) => json(res, { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] })
  auth = `Authorization: Bearer ${await g.agentToken()}\r\n`
})
test.after(async () => g.close())

/** Raw bytes to the reverse listener (written in `parts`, a pause between each): the whole answer, as text. */
function raw(...parts: string[]): Promise<string> {
  const url = new URL(g.reverse.url)
  return new Promise((resolve, reject) => {
    const s = connect({ host: url.hostname, port: Number(url.port) }, async () => {
      for (const [i, p] of parts.entries()) {
        if (i) await new Promise((r) => setTimeout(r, 150))
        if (!s.destroyed) s.write(p)
      }
    })
    let out = ''
    s.setEncoding('utf8')
    s.on('data', (d) => (out += d))
    s.on('close', () => resolve(out))
    s.on('error', reject)
    setTimeout(() => s.destroy(), 4000)
  })
}

const statuses = (out: string) => [...out.matchAll(/HTTP\/1\.[01] (\d{3}) /g)].map((m) => m[1])
const LIST = '/t/k8s/api/v1/namespaces/prod/pods'
const DELETE_NS = `DELETE /t/k8s/api/v1/namespaces/prod HTTP/1.1\r\nHost: x\r\n`

test('two Content-Lengths (equal or not, two headers or a list), a signed or spaced one, and chunked twice are refused; nothing is forwarded', async () => {
  const before = g.upstream.seen.length
  for (const framing of ['Content-Length: 4\r\nContent-Length: 4', 'Content-Length: 4\r\nContent-Length: 5', 'Content-Length: 4, 4', 'Content-Length: +4', 'Content-Length: 0x4', 'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked']) {
    const body = framing.includes('chunked') ? '4\r\n{}{}\r\n0\r\n\r\n' : '{}{}'
    const out = await raw(`POST /t/k8s/api/v1/namespaces/staging/configmaps HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\n${framing}\r\n\r\n${body}`)
    assert.equal(statuses(out).slice(0, 1), ['400'], `${JSON.stringify(framing)} → ${out.slice(0, 200)}`)
  }
  assert.is(g.upstream.seen.length, before)
})

test('a chunk extension holding a quoted CRLF (a parser that ends the size line there reads another chunk) is refused', async () => {
  const before = g.upstream.seen.length
  const out = await raw(`POST /t/k8s/api/v1/namespaces/staging/configmaps HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2;x="\r\n0\r\n\r\n"\r\n{}\r\n0\r\n\r\n`)
  assert.equal(statuses(out), ['400'], out.slice(0, 300))
  assert.is(g.upstream.seen.length, before)
})

test('chunk extensions and trailers do not travel: the upstream gets the judged body with a Content-Length, and no trailer field (an Impersonate-User here)', async () => {
  const before = g.upstream.seen.length
  const doc = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' }, data: { a: 'b' } })
  const out = await raw(`POST /t/k8s/api/v1/namespaces/staging/configmaps HTTP/1.1\r\nHost: x\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nTrailer: Impersonate-User\r\nConnection: close\r\n\r\n` +
    `${(10).toString(16)};ext=1;name="v"\r\n${doc.slice(0, 10)}\r\n${(doc.length - 10).toString(16)}\r\n${doc.slice(10)}\r\n0\r\nImpersonate-User: system:admin\r\n\r\n`)
  assert.equal(statuses(out), ['200'], out.slice(0, 300))
  const seen = g.upstream.seen.slice(before)
  assert.is(seen.length, 1)
  assert.is(seen[0]!.body.toString(), doc)
  assert.is(seen[0]!.headers['content-length'], String(doc.length))
  assert.not.ok('impersonate-user' in seen[0]!.headers || 'trailer' in seen[0]!.headers || 'transfer-encoding' in seen[0]!.headers, JSON.stringify(seen[0]!.headers))
})

test('bare LF line endings: each request on the connection is judged as itself (the delete is denied and never forwarded)', async () => {
  const before = g.upstream.seen.length
  const lf = (s: string) => s.replaceAll('\r\n', '\n')
  const out = await raw(lf(`GET ${LIST} HTTP/1.1\r\nHost: x\r\n${auth}\r\n${DELETE_NS}${auth}Content-Length: 0\r\nConnection: close\r\n\r\n`))
  assert.ok(['400', '200'].includes(statuses(out)[0]!), out.slice(0, 300))
  assert.not.ok(statuses(out).slice(1).some((s) => s !== '403' && s !== '400'), out.slice(0, 600))
  assert.not.ok(g.upstream.seen.slice(before).some((s) => s.method !== 'GET'))
})

test('an HTTP/1.0 request with a body but no length: the bytes after its head are no part of it, and no request of theirs is forwarded', async () => {
  const before = g.upstream.seen.length
  const out = await raw(`POST /t/k8s/api/v1/namespaces/staging/configmaps HTTP/1.0\r\nHost: x\r\n${auth}Content-Type: application/json\r\n\r\n${DELETE_NS}${auth}Content-Length: 0\r\n\r\n`)
  assert.not.ok(statuses(out).includes('101'), out)
  const seen = g.upstream.seen.slice(before)
  assert.not.ok(seen.some((s) => s.method === 'DELETE'), JSON.stringify(seen.map((s) => s.method)))
  for (const s of seen) assert.is(s.body.byteLength, 0, 'a body no length declared was not forwarded')
})

test('Expect: 100-continue on a request with no body: the bytes sent after it are never read as part of it (node closes the connection, having sent no 100)', async () => {
  const before = g.upstream.seen.length
  const out = await raw(`GET ${LIST} HTTP/1.1\r\nHost: x\r\n${auth}Expect: 100-continue\r\n\r\n`, `${DELETE_NS}${auth}Content-Length: 0\r\nConnection: close\r\n\r\n`)
  assert.equal(statuses(out).filter((s) => s !== '100').slice(0, 1), ['200'], out.slice(0, 600))
  assert.not.ok(statuses(out).slice(1).some((s) => s !== '403' && s !== '100'), out.slice(0, 600))
  assert.equal(g.upstream.seen.slice(before).map((s) => s.method), ['GET'])
})

test('a body on a GET is judged with the request and forwarded as judged (with its length), not left on the connection as a request of its own', async () => {
  const before = g.upstream.seen.length
  const smuggled = `${DELETE_NS}${auth}Content-Length: 0\r\n\r\n`
  const out = await raw(`GET ${LIST} HTTP/1.1\r\nHost: x\r\n${auth}Content-Length: ${smuggled.length}\r\nConnection: close\r\n\r\n${smuggled}`)
  assert.equal(statuses(out), ['200'], out.slice(0, 300))
  const seen = g.upstream.seen.slice(before)
  assert.equal(seen.map((s) => s.method), ['GET'])
  assert.is(seen[0]!.headers['content-length'], String(smuggled.length))
})

test.run()
