// Stalls inside intercepted tunnels. The forward proxy parses each tunnel's HTTP with a server that never listens,
// and node starts the header timeout only when a server listens: a tunnel that sent part of a request head, or a
// CONNECT and then no TLS handshake, was held (and counted as a proven connection of its caller) until the agent's
// token expired. Here the limits are short, and each stall must end with the tunnel closed (408 where a request had
// begun); a tunnel that completes its requests is served as before, and so is a client that reads slowly, while one
// that stops reading its response is closed at the send limit (send-timeout.ts). A body sent slowly has no limit of its own
// (REQUEST_TIMEOUT_MS, node-server.ts: it would cut uploads held for approval, attack-tunnel-hold.test.ts).
import type { Socket } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { TargetConfig } from '../../engine/config/types.ts'
import { listenForward } from './forward-proxy.ts'
import type { HttpListener } from './node-server.ts'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'
import { connectTunnel as connectTunnelAt, tlsTunnel as tlsTunnelAt } from './testing/raw-tunnel.ts'

let g: TestGateway
let targets: TargetConfig[]
let agent: string
let proxy: HttpListener

const LIMITS = { handshakeMs: 500, headersMs: 500, checkEveryMs: 100, sendMs: 2_000 }
/** How long a test waits for the gateway to close a stalled tunnel before calling it held: far past every limit. */
const GIVE_UP_MS = 15_000

test.before(async () => {
  g = await startTestGateway((up) => targets = [
    { name: 'gcp', kind: 'gcp', environment: 'staging', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'GCP_TOKEN' }, hosts: ['*.googleapis.com'] } },
  ], {
    env: { GCP_TOKEN: 'ya29.stall-held' },
    // The large object is allowed unmasked: its bytes stream as the upstream sends them.
    override: (input) => input.command.cloud?.resource === 'projects/_/buckets/bkt/objects/big' ? { effect: 'allow', reasons: [], obligations: { mask: [] } } : undefined,
  })
  g.route = (_req, res) => json(res, { kind: 'storage#buckets', items: [] })
  agent = await g.agentToken()
  proxy = await listenForward({ host: '127.0.0.1', port: 0, engine: g.te.engine, targets, passthrough: [], leaves: g.leaves, handle: g.gateway.handle, tunnelLimits: LIMITS })
})
test.after(async () => {
  await proxy?.close()
  await g?.close()
})

const connectTunnel = () => connectTunnelAt(proxy.address.port, 'storage.googleapis.com:443', `Bearer ${agent}`)
const tlsTunnel = () => tlsTunnelAt(proxy.address.port, 'storage.googleapis.com:443', `Bearer ${agent}`, g.ca.cert)

/** What the socket received until the gateway closed it, or `held` when it was still open after GIVE_UP_MS. */
function untilClosed(s: Socket): Promise<{ out: string; held: boolean }> {
  return new Promise((resolve) => {
    let out = ''
    const timer = setTimeout(() => { s.destroy(); resolve({ out, held: true }) }, GIVE_UP_MS)
    s.on('data', (d) => (out += String(d)))
    s.on('error', () => undefined)
    s.once('close', () => { clearTimeout(timer); resolve({ out, held: false }) })
  })
}

test('a request head sent in part and never finished: answered 408 and the tunnel closed', async () => {
  const t = await tlsTunnel()
  t.write('GET /storage/v1/b?project=p HTTP/1.1\r\nHost: storage.googleapis.com\r\nAuthorization: Bearer x\r\n')
  const { out, held } = await untilClosed(t)
  assert.not.ok(held, 'the tunnel is still open')
  assert.match(out, /^HTTP\/1\.1 408/)
})

test('a CONNECT answered 200 and then no TLS handshake, or one left half done: the tunnel is closed', async () => {
  const silent = await connectTunnel()
  const half = await connectTunnel()
  // A ClientHello's first bytes only.
  half.write(Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01]))
  const [a, b] = await Promise.all([untilClosed(silent), untilClosed(half)])
  assert.not.ok(a.held, 'the silent tunnel is still open')
  assert.not.ok(b.held, 'the half-handshaken tunnel is still open')
})

test('control: requests sent whole through a tunnel are answered, one after another, past the limits', async () => {
  const t = await tlsTunnel()
  const answers: string[] = []
  for (let i = 0; i < 3; i++) {
    const out = await new Promise<string>((resolve) => {
      let got = ''
      const onData = (d: Buffer) => {
        got += String(d)
        if (/\r\n\r\n[\s\S]*\}/.test(got)) {
          t.off('data', onData)
          resolve(got)
        }
      }
      t.on('data', onData)
      t.write('GET /storage/v1/b?project=p HTTP/1.1\r\nHost: storage.googleapis.com\r\n\r\n')
    })
    answers.push(out)
    // Idle between requests for longer than the head limit: a kept-alive tunnel is not a stalled request.
    await new Promise((r) => setTimeout(r, LIMITS.headersMs + 3 * LIMITS.checkEveryMs))
  }
  assert.ok(answers.every((a) => /^HTTP\/1\.1 200/.test(a)), answers.map((a) => a.slice(0, 60)).join(' | '))
  assert.not.ok(t.destroyed, 'the tunnel is still open')
  t.destroy()
})

const BIG = 32 * 1024 * 1024

/**
 * Sends a request for a 32 MiB object on `t`, reads the first bytes of the answer, then for 3 s (three send limits)
 * reads only what `meanwhile` reads; then reads on until the tunnel closes. The whole object arrives only if the
 * gateway kept the tunnel. (A client that does not read sees no close either: it is judged by what it gets after.)
 */
async function readAfterPause(t: Socket, meanwhile: (t: Socket) => NodeJS.Timeout | undefined): Promise<{ received: number }> {
  let received = 0
  t.on('data', (d: Buffer) => (received += d.length))
  t.on('error', () => undefined)
  t.write('GET /storage/v1/b/bkt/o/big?alt=media HTTP/1.1\r\nHost: storage.googleapis.com\r\nConnection: close\r\n\r\n')
  const head = await new Promise<string>((r) => t.once('data', (d: Buffer) => r(String(d))))
  assert.match(head, /^HTTP\/1\.1 200/)
  t.pause()
  const reads = meanwhile(t)
  await new Promise((r) => setTimeout(r, 3 * LIMITS.sendMs))
  clearInterval(reads)
  const closed = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), GIVE_UP_MS)
    t.once('close', () => { clearTimeout(timer); resolve(true) })
  })
  t.resume()
  assert.ok(await closed, 'the tunnel did not close')
  return { received }
}

// node times out neither a response nor a socket whose writes stall: a client that never read kept its tunnel (a
// proven slot, its request in flight, never displaced) until its token expired.
test('a slow reader: a request sent whole whose large response the client does not read is closed at the send limit, on record', async () => {
  const saved = g.route
  g.route = (_req, res) => { res.writeHead(200, { 'content-type': 'application/octet-stream' }); res.end(Buffer.alloc(BIG, 'a')) }
  try {
    const before = g.te.audit.events.length
    const { received } = await readAfterPause(await tlsTunnel(), () => undefined)
    assert.ok(received < BIG, `the whole object arrived (${received} bytes): the tunnel was kept`)
    const record = g.te.audit.events.slice(before).find((e) => e.type === 'error' && e.code === 'http.send_timeout')
    assert.ok(record, 'no http.send_timeout record')
    assert.is(record!.target, 'storage.googleapis.com:443')
  } finally {
    g.route = saved
  }
})

test('control: a reader that takes a little now and then keeps its tunnel past the send limit', async () => {
  const saved = g.route
  g.route = (_req, res) => { res.writeHead(200, { 'content-type': 'application/octet-stream' }); res.end(Buffer.alloc(BIG, 'a')) }
  try {
    // A reader that pauses 5 ms after every chunk it gets: slower than the gateway writes, never stopped.
    const { received } = await readAfterPause(await tlsTunnel(), (t) => {
      t.on('data', () => { t.pause(); setTimeout(() => t.resume(), 5) })
      t.resume()
      return undefined
    })
    assert.ok(received > BIG, `${received} bytes arrived: the tunnel was closed`)
  } finally {
    g.route = saved
  }
})

test.run()
