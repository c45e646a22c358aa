// Headers past the listeners' limit, sent over raw sockets: every HTTP listener (reverse, forward proxy CONNECT,
// the HTTP inside a forward tunnel, the admin API) answers 431 with a body that gives the limit and what to do,
// delivered before the connection closes even while the client is still sending; the other parse errors (400, 408,
// 413) and an unsupported Expect (417) get a JSON reason too.
import net from 'node:net'
import { readFileSync } from 'node:fs'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createAdminHandler } from '../admin/handler.ts'
import { serveAdmin } from '../admin/node-server.ts'
import { MAX_HEADER_BYTES } from './header-limit.ts'
import { startTestGateway } from './testing/gateway.ts'

const g = await startTestGateway((up) => [
  { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'WEB_TOKEN' }, hosts: ['web.example.test'] } },
], { env: { WEB_TOKEN: 'web-upstream-token' } })
const admin = await serveAdmin(createAdminHandler({ engine: { authenticate: (t) => g.te.engine.authenticate(t), approvals: g.te.approvals, audit: g.te.audit }, approverGroups: ['dba'] }), { host: '127.0.0.1', port: 0 })
const token = await g.agentToken()
const port = (url: string) => Number(new URL(url).port)

test.after(async () => {
  await admin.close()
  await g.close()
})

/** Reads a socket: `next(pred)` resolves with everything read once `pred` holds, or once the socket closes. */
function reader(socket: Duplex) {
  let data = ''
  let closed = false
  let wake = () => undefined as void
  socket.on('data', (d: Buffer) => { data += d.toString('latin1'); wake() })
  socket.on('close', () => { closed = true; wake() })
  socket.on('error', () => undefined)
  return {
    get closed() { return closed },
    next(pred: (text: string) => boolean, timeoutMs = 15_000): Promise<string> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms; read ${JSON.stringify(data.slice(0, 200))}`)), timeoutMs)
        wake = () => { if (pred(data) || closed) { clearTimeout(timer); resolve(data) } }
        wake()
      })
    },
  }
}

const whole = (text: string) => {
  const end = text.indexOf('\r\n\r\n')
  const length = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, end))
  return end >= 0 && length !== null && text.length >= end + 4 + Number(length[1])
}

/** Status, lower-cased headers and body of one HTTP/1.1 answer. */
function parse(text: string) {
  const end = text.indexOf('\r\n\r\n')
  const [status, ...lines] = text.slice(0, end).split('\r\n')
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]))
  return { status: status!, headers, body: text.slice(end + 4) }
}

const oversized = (request: string, bytes = MAX_HEADER_BYTES + 10_000) => `${request}X-Filler: ${'a'.repeat(bytes)}\r\n\r\n`

function assertExplained431(text: string, code: string, readCode: (body: any) => string) {
  const { status, headers, body } = parse(text)
  assert.is(status, 'HTTP/1.1 431 Request Header Fields Too Large')
  assert.is(headers['content-type'], 'application/json')
  assert.is(headers.connection, 'close')
  const parsed = JSON.parse(body)
  assert.is(readCode(parsed), code)
  const message = JSON.stringify(parsed)
  assert.match(message, new RegExp(`at most ${MAX_HEADER_BYTES} bytes`), 'the limit')
  assert.match(message, /agent token may be up to 65536 characters; send it once and leave out large cookies/, 'what to do')
}

async function refusedOnce(connect: () => Duplex | Promise<Duplex>, request: string) {
  const socket = await connect()
  const r = reader(socket)
  socket.write(request)
  const text = await r.next(() => false)
  assert.ok(r.closed, 'the connection is closed after the answer')
  return text
}

test('the reverse listener answers oversized headers with an explained 431, also to a client still sending 2 MB', async () => {
  const connect = () => net.connect(port(g.reverse.url), '127.0.0.1')
  for (const bytes of [MAX_HEADER_BYTES + 10_000, 2_000_000]) {
    const text = await refusedOnce(connect, oversized(`GET /t/web/big HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n`, bytes))
    assertExplained431(text, 'http.headers_too_large', (b) => b.error)
  }
  assert.not.ok(g.upstream.seen.some((s) => s.url.includes('/big')), 'nothing reached the upstream')
})

test('after an answered request on a kept-alive connection, an oversized one still gets the explained 431', async () => {
  const socket = net.connect(port(g.reverse.url), '127.0.0.1')
  const r = reader(socket)
  socket.write(`GET /t/web/first HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`)
  const first = await r.next(whole)
  assert.is(parse(first).status, 'HTTP/1.1 200 OK')
  socket.write(oversized(`GET /t/web/second HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n`))
  const both = await r.next(() => false)
  assertExplained431(both.slice(first.length), 'http.headers_too_large', (b) => b.error)
})

test('the forward proxy answers an oversized CONNECT with an explained 431', async () => {
  const text = await refusedOnce(() => net.connect(port(g.proxy.url), '127.0.0.1'), oversized(`CONNECT web.example.test:443 HTTP/1.1\r\nHost: web.example.test:443\r\nProxy-Authorization: Bearer ${token}\r\n`))
  assertExplained431(text, 'http.headers_too_large', (b) => b.error)
})

test('inside a forward tunnel the limit is the listeners\' (not node\'s 16 KiB), and past it the 431 is explained', async () => {
  const tunnel = async () => {
    const raw = net.connect(port(g.proxy.url), '127.0.0.1')
    const r = reader(raw)
    raw.write(`CONNECT web.example.test:443 HTTP/1.1\r\nHost: web.example.test:443\r\nProxy-Authorization: Bearer ${token}\r\n\r\n`)
    assert.match(await r.next((t) => t.includes('\r\n\r\n')), /^HTTP\/1\.1 200 /)
    raw.removeAllListeners('data')
    const secure = tls.connect({ socket: raw, servername: 'web.example.test', ca: readFileSync(g.ca.cert, 'utf8') })
    await new Promise((resolve, reject) => { secure.once('secureConnect', resolve); secure.once('error', reject) })
    return secure
  }
  const ok = await tunnel()
  const r = reader(ok)
  // A cookie: never forwarded, so the upstream (node's 16 KiB limit) does not refuse it in turn.
  ok.write(`GET /inner-20k HTTP/1.1\r\nHost: web.example.test\r\nCookie: a=${'a'.repeat(20 * 1024)}\r\n\r\n`)
  assert.is(parse(await r.next(whole)).status, 'HTTP/1.1 200 OK', 'a 20 KiB header passes, as on the reverse listener')
  assert.ok(g.upstream.seen.some((s) => s.url.includes('/inner-20k')))
  ok.destroy()
  const text = await refusedOnce(tunnel, oversized('GET /inner-big HTTP/1.1\r\nHost: web.example.test\r\n'))
  assertExplained431(text, 'http.headers_too_large', (b) => b.error)
})

test('the admin API answers an oversized request with an explained 431 in its own error format', async () => {
  const text = await refusedOnce(() => net.connect(admin.address.port, '127.0.0.1'), oversized(`GET /v1/approvals HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n`))
  assertExplained431(text, 'admin.headers_too_large', (b) => b.error.code)
  assert.is(parse(text).headers['x-content-type-options'], 'nosniff')
})

test('a malformed request gets a 400 with a JSON reason on every listener, in its own format', async () => {
  const listeners: Array<[number, string, (b: any) => string, (b: any) => string]> = [
    [port(g.reverse.url), 'http.malformed_request', (b) => b.error, (b) => b.message],
    [port(g.proxy.url), 'http.malformed_request', (b) => b.error, (b) => b.message],
    [admin.address.port, 'admin.malformed_request', (b) => b.error.code, (b) => b.error.message],
  ]
  for (const [p, code, readCode, readMessage] of listeners) {
    const text = await refusedOnce(() => net.connect(p, '127.0.0.1'), 'GET / HTTP/1.1\r\nHost: x\r\nNot A Header\r\n\r\n')
    const { status, headers, body } = parse(text)
    assert.is(status, 'HTTP/1.1 400 Bad Request')
    assert.is(headers['content-type'], 'application/json')
    assert.is(headers.connection, 'close')
    assert.is(Number(headers['content-length']), Buffer.byteLength(body))
    const parsed = JSON.parse(body)
    assert.is(readCode(parsed), code)
    assert.match(readMessage(parsed), /not valid HTTP\/1\.1 \(HPE_INVALID_HEADER_TOKEN: Invalid header token\)/)
  }
})

test('an Expect other than 100-continue gets a 417 with a JSON reason, and nothing is forwarded', async () => {
  const text = await refusedOnce(() => net.connect(port(g.reverse.url), '127.0.0.1'),
    `POST /t/web/expect HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nExpect: 200-ok\r\nConnection: close\r\n\r\n{}`)
  const { status, headers, body } = parse(text)
  assert.is(status, 'HTTP/1.1 417 Expectation Failed')
  assert.is(headers['content-type'], 'application/json')
  assert.equal(JSON.parse(body), { error: 'http.expectation_failed', message: 'Expect: 200-ok is not supported; only Expect: 100-continue is (or send the request without Expect)' })
  assert.not.ok(g.upstream.seen.some((s) => s.url.includes('/expect')), 'nothing reached the upstream')
})

test('chunk extensions past node\'s limit get a 413 with a JSON reason, and nothing is forwarded', async () => {
  const text = await refusedOnce(() => net.connect(port(g.reverse.url), '127.0.0.1'),
    `POST /t/web/ext HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2;${'e'.repeat(20_000)}\r\n{}\r\n0\r\n\r\n`)
  const { status, headers, body } = parse(text)
  assert.is(status, 'HTTP/1.1 413 Payload Too Large')
  assert.is(headers['content-type'], 'application/json')
  assert.is(JSON.parse(body).error, 'http.chunk_extensions_too_large')
  assert.not.ok(g.upstream.seen.some((s) => s.url.includes('/ext')), 'nothing reached the upstream')
})

test('malformed bytes pipelined after a request still being answered: that request gets its own answer (not the 400), then the connection closes', async () => {
  const route = g.route
  g.route = (req, res) => void setTimeout(() => route(req, res), 300)
  try {
    const text = await refusedOnce(() => net.connect(port(g.reverse.url), '127.0.0.1'),
      `GET /t/web/answered-first HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\nNot A Header\r\n\r\n`)
    const { status, headers } = parse(text)
    assert.is(status, 'HTTP/1.1 200 OK', text.slice(0, 300))
    assert.is(headers.connection, 'close')
    assert.not.match(text, 'malformed_request', 'no answer of the refused bytes is read as the first request\'s')
    assert.ok(g.upstream.seen.some((s) => s.url.includes('/answered-first')))
  } finally {
    g.route = route
  }
})

test.run()
