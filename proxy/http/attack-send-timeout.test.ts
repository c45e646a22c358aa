// A client of the reverse listener that sends a request whole and never reads its answer: node times out neither
// the response nor the socket, so the connection (a proven slot, its request in flight, never displaced) was held
// until the agent's token expired. At the send limit (send-timeout.ts) it is closed and put on record; a client that
// reads keeps its connection. Over TLS, as the listener runs by default.
import { readFileSync } from 'node:fs'
import { connect, type TLSSocket } from 'node:tls'
import type { Socket } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { listenReverse, type HttpListener } from './node-server.ts'
import { recordSendTimeout } from './send-timeout.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

const SEND_MS = 2_000
const BIG = 32 * 1024 * 1024

let g: TestGateway
let reverse: HttpListener
let agent: string

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'prod-gcp', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'GCP_TOKEN' }, hosts: [] } },
  ], {
    env: { GCP_TOKEN: 'ya29.send-timeout' },
    // The large object is allowed unmasked: its bytes stream as the upstream sends them.
    override: (input) => input.command.cloud?.resource === 'projects/_/buckets/bkt/objects/big' ? { effect: 'allow', reasons: [], obligations: { mask: [] } } : undefined,
  })
  g.route = (_req, res) => { res.writeHead(200, { 'content-type': 'application/octet-stream' }); res.end(Buffer.alloc(BIG, 'a')) }
  agent = await g.agentToken()
  const tls = g.leaves.pem(['127.0.0.1'])
  reverse = await listenReverse(g.gateway.handle, { host: '127.0.0.1', port: 0, tls, sendTimeoutMs: SEND_MS, onSendTimeout: recordSendTimeout(g.te.audit, 'reverse', SEND_MS) })
})
test.after(async () => {
  await reverse?.close()
  await g?.close()
})

function open(): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: reverse.address.port, ca: readFileSync(g.ca.cert) }, () => resolve(s))
    s.once('error', reject)
  })
}

/** Requests the object, takes the head, reads only as `meanwhile` does for three send limits, then reads to the end. */
async function readAfterPause(s: Socket, meanwhile: (s: Socket) => void): Promise<number> {
  let received = 0
  s.on('data', (d: Buffer) => (received += d.length))
  s.on('error', () => undefined)
  s.write(`GET /t/prod-gcp/storage/v1/b/bkt/o/big?alt=media HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${agent}\r\nConnection: close\r\n\r\n`)
  const head = await new Promise<string>((r) => s.once('data', (d: Buffer) => r(String(d))))
  assert.match(head, /^HTTP\/1\.1 200/, head.slice(0, 400))
  s.pause()
  meanwhile(s)
  await new Promise((r) => setTimeout(r, 3 * SEND_MS))
  const closed = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 20_000)
    s.once('close', () => { clearTimeout(timer); resolve(true) })
  })
  s.resume()
  assert.ok(await closed, 'the connection did not close')
  return received
}

test('a client that stops reading its response is closed at the send limit, on record', async () => {
  const before = g.te.audit.events.length
  const received = await readAfterPause(await open(), () => undefined)
  assert.ok(received < BIG, `the whole object arrived (${received} bytes): the connection was kept`)
  const record = g.te.audit.events.slice(before).find((e) => e.type === 'error' && e.code === 'http.send_timeout')
  assert.ok(record, 'no http.send_timeout record')
  assert.is(record!.via, 'reverse')
})

test('control: a client that reads, pausing after every chunk, gets the whole object', async () => {
  const received = await readAfterPause(await open(), (s) => {
    s.on('data', () => { s.pause(); setTimeout(() => s.resume(), 5) })
    s.resume()
  })
  assert.ok(received > BIG, `${received} bytes arrived: the connection was closed`)
})

test.run()
