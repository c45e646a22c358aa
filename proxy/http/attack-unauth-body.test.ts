// With node's request timeout off (REQUEST_TIMEOUT_MS = 0, node-server.ts) nothing bounds a request body after its
// head. A request without a token is answered (401) before its body is read, but node then reads (dumps) the rest
// of that body to keep the connection alive, and a client that sends a chunked body a chunk at a time holds the
// connection, never authenticated, for as long as it keeps sending.
import { connect, type Socket } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
const GIVE_UP_MS = 5_000

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, hosts: [] } },
  ])
  g.route = (_req, res) => json(res, { ok: true })
})
test.after(async () => {
  await g?.close()
})

test('an unauthenticated request with a chunked body trickled after its 401 does not keep its connection', async () => {
  const { hostname, port } = new URL(g.reverse.url)
  const s: Socket = connect({ host: hostname, port: Number(port) })
  let got = ''
  let closed = false
  s.on('data', (d) => { got += d.toString('latin1') })
  s.on('close', () => { closed = true })
  s.on('error', () => undefined)
  await new Promise((r) => s.once('connect', r))
  s.write('POST /t/web/upload HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n\r\n1\r\na\r\n')
  for (let i = 0; i < 200 && !got.includes('\r\n\r\n'); i++) await new Promise((r) => setTimeout(r, 10))
  const head = got.split('\r\n\r\n')[0]!
  assert.match(head, /^HTTP\/1\.1 401/, head)
  // Keep trickling the body; an unauthenticated connection should be closed rather than read on.
  for (let i = 0; i < GIVE_UP_MS / 250 && !closed; i++) {
    s.write('1\r\nb\r\n')
    await new Promise((r) => setTimeout(r, 250))
  }
  s.destroy()
  assert.ok(closed, `still open ${GIVE_UP_MS} ms after its 401, reading the body of a request never authenticated; head was:\n${head}`)
})

test.run()
