// Inside an intercepted tunnel, node's request timeout (requestMs) runs from a request's first byte until the parser
// has read its whole body. An object upload is judged without its body and streams only once allowed: while it is
// held for approval, its body waits unread (node stops reading the socket), so the request timeout ran on through
// the hold and cut the upload (408, tunnel closed) although the client had sent every byte.
// With node's default (300 s) a held upload was cut when its hold plus its transfer passed it; inside tunnels (with the
// 1.5 s limit this test once set) at once. Both listeners now run without a request timeout (REQUEST_TIMEOUT_MS,
// node-server.ts); the head keeps its limit.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { TargetConfig } from '../../engine/config/types.ts'
import { listenForward } from './forward-proxy.ts'
import type { HttpListener } from './node-server.ts'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'
import { tlsTunnel as tlsTunnelAt } from './testing/raw-tunnel.ts'

let g: TestGateway
let targets: TargetConfig[]
let agent: string
let proxy: HttpListener

const LIMITS = { handshakeMs: 5_000, headersMs: 1_000, checkEveryMs: 100 }

test.before(async () => {
  g = await startTestGateway((up) => targets = [
    { name: 'gcp', kind: 'gcp', environment: 'staging', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'GCP_TOKEN' }, hosts: ['*.googleapis.com'] } },
  ], {
    env: { GCP_TOKEN: 'ya29.hold' },
    holdSeconds: 30,
    // Held until a grant covers it, then allowed.
    override: (input) => input.command.cloud?.method !== 'storage.objects.create' ? undefined
      : input.session.grants.length ? { effect: 'allow', reasons: [], obligations: { mask: [] } }
      : { effect: 'approve', reasons: [{ rule: 'test.upload', message: 'uploads are approved' }], obligations: { mask: [], approval: { approvers: ['dba'], scope: 'statement', ttl_seconds: 60 } } },
  })
  g.route = (req, res) => json(res, { kind: 'storage#object', name: 'x', size: String(req.body?.length ?? 0) })
  agent = await g.agentToken()
  proxy = await listenForward({ host: '127.0.0.1', port: 0, engine: g.te.engine, targets, passthrough: [], leaves: g.leaves, handle: g.gateway.handle, tunnelLimits: LIMITS })
})
test.after(async () => {
  await proxy?.close()
  await g?.close()
})

const tlsTunnel = () => tlsTunnelAt(proxy.address.port, 'storage.googleapis.com:443', `Bearer ${agent}`, g.ca.cert)

test('an object upload sent whole and held for approval past node\'s old request limit is forwarded once approved', async () => {
  const t = await tlsTunnel()
  let out = ''
  t.on('data', (d) => (out += String(d)))
  t.on('error', () => undefined)
  const closed = new Promise<void>((resolve) => t.once('close', () => resolve()))
  const body = Buffer.alloc(4 * 1024 * 1024, 'z')
  t.write(`POST /upload/storage/v1/b/bkt/o?uploadType=media&name=x HTTP/1.1\r\nHost: storage.googleapis.com\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`)
  t.write(body)
  const id = await g.heldId(5_000)
  assert.ok(id, `held: ${out.slice(0, 900)}`)
  // Held past the request limit (and its check interval) many times over; the client sent everything.
  await new Promise((r) => setTimeout(r, 1_500 + 20 * LIMITS.checkEveryMs))
  await g.approve(id!)
  await Promise.race([closed, new Promise<void>((resolve) => { const check = () => (/\r\n\r\n[\s\S]*\}/.test(out) ? resolve() : setTimeout(check, 20)); check() })])
  t.destroy()
  assert.match(out, /^HTTP\/1\.1 200/, out.slice(0, 900))
})

test.run()
