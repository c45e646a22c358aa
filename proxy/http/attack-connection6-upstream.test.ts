// Sixth attack round on the gateway's connection layer, from the upstream side: the gateway keeps one pool of
// upstream connections per target, shared by every agent, so an upstream that frames its answers wrongly (buggy,
// or made to by what an agent stored in it) could hand one agent's answer, or a part of it, to the next request
// on that connection: another agent's, under another decision. A raw TLS upstream in the test writes the exact
// bytes: two answers to one request, Content-Length beside chunked, a body on a HEAD answer, a close-delimited
// HTTP/1.0 body, a 101 to a plain GET, an answer before the request body was read, a redirect to another host.
// Each request of the other agent must get its own answer, and a connection that misbehaved must not be reused.
import type { AddressInfo } from 'node:net'
import { createServer, type Server } from 'node:tls'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { makeSelfSignedCert } from '../postgres/testing/tls.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { createUpstream } from './upstream.ts'

interface Asked { conn: number; method: string; path: string; headers: string }
type Answer = (req: Asked) => { bytes: string | Buffer; consumeBody?: boolean; close?: boolean; later?: string }

/** A TLS upstream that parses request heads itself and answers with the exact bytes `answer` returns. */
function rawUpstream(answer: Answer): { server: Server; asked: Asked[]; url: () => string } {
  const { cert, key } = makeSelfSignedCert('localhost')
  const asked: Asked[] = []
  let conns = 0
  const server = createServer({ cert, key }, (socket) => {
    const conn = ++conns
    let buf = Buffer.alloc(0)
    socket.on('error', () => undefined)
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      for (;;) {
        const end = buf.indexOf('\r\n\r\n')
        if (end < 0) return
        const head = buf.subarray(0, end).toString('latin1')
        const [method = '', path = ''] = head.split('\r\n')[0]!.split(' ')
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0)
        const req = { conn, method, path, headers: head }
        asked.push(req)
        const out = answer(req)
        // An upstream that does not read the body leaves it on the connection, to be parsed as what follows.
        buf = buf.subarray(end + 4 + (out.consumeBody === false ? 0 : length))
        socket.write(out.bytes)
        if (out.later) setTimeout(() => !socket.destroyed && socket.write(out.later!), 100)
        if (out.close) return void socket.end()
      }
    })
  })
  ;(server as Server & { caCert: string }).caCert = cert
  return { server, asked, url: () => `https://127.0.0.1:${(server.address() as AddressInfo).port}` }
}

const ok = (body: string, extra = '') => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`
const own = (path: string) => JSON.stringify({ for: path })
// What another agent's request must never be answered with.
const SMUGGLED = ok(JSON.stringify({ for: 'nobody', stolen: 'smuggled-answer-7f3a' }))

const up = rawUpstream((req) => {
  switch (req.path) {
    case '/two-answers': return { bytes: ok(own(req.path)) + SMUGGLED }
    case '/two-answers-later': return { bytes: ok(own(req.path)), later: SMUGGLED }
    case '/cl-and-chunked': {
      const body = own(req.path)
      return { bytes: `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\ntransfer-encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n${SMUGGLED}` }
    }
    case '/two-lengths': return { bytes: `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${own(req.path).length}\r\ncontent-length: ${own(req.path).length + SMUGGLED.length}\r\n\r\n${own(req.path)}${SMUGGLED}` }
    case '/no-content': return { bytes: `HTTP/1.1 204 No Content\r\ncontent-length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}` }
    case '/not-modified': return { bytes: `HTTP/1.1 304 Not Modified\r\ncontent-length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}` }
    case '/head-with-body': return { bytes: `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}` }
    case '/http10': return { bytes: `HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n${own(req.path)}`, close: true }
    case '/switch': return { bytes: 'HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\r\nraw-after-101 upstream-secret-9c1d' }
    case '/early': return { bytes: ok(own(req.path)), consumeBody: false }
    case '/short': return { bytes: `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n{"for":"/short"`, close: true }
    case '/echo-upgrade': {
      const auth = /\r\nauthorization: *([^\r]*)/i.exec(req.headers)?.[1] ?? ''
      return { bytes: `HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nx-echo-authorization: ${auth}\r\nx-echo-token: ${auth.replace(/^Bearer /, '')}\r\n\r\n` }
    }
    case '/redirect': return { bytes: `HTTP/1.1 307 Temporary Redirect\r\nlocation: ${elsewhere.url()}/landing\r\ncontent-length: 0\r\n\r\n` }
    default: return { bytes: ok(own(req.path.replace(/\?.*/, ''))) }
  }
})
// Another host a redirect points to: the gateway must not follow it with its credential.
const elsewhere = rawUpstream((req) => ({ bytes: ok(own(req.path)) }))

let g: TestGateway
let human: string
let agent: string
let dir: string

test.before(async () => {
  for (const s of [up.server, elsewhere.server]) await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  dir = mkdtempSync(join(tmpdir(), 'warden-conn6-'))
  const caFile = join(dir, 'ca.pem')
  writeFileSync(caFile, (up.server as Server & { caCert: string }).caCert)
  g = await startTestGateway(() => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url(), ca_file: caFile, credential: { kind: 'bearer', token_env: 'WEB_TOKEN' }, hosts: [] } },
  ], { env: { WEB_TOKEN: 'web-held-token-conn6' } })
  // Two callers on one pool: a break-glass human (no masks) and an agent (its answers masked).
  human = await g.te.token('root-on-call', ['breakglass'], { kind: 'human' })
  agent = await g.agentToken()
})
test.after(async () => {
  await g.close()
  for (const s of [up.server, elsewhere.server]) await new Promise((r) => s.close(r))
  rmSync(dir, { recursive: true, force: true })
})

async function ask(path: string, token: string, init: RequestInit = {}): Promise<{ status: number; text: string }> {
  try {
    const res = await fetch(`${g.reverse.url}/t/web${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } })
    return { status: res.status, text: await res.text() }
  } catch (err) {
    // The gateway cut the answer off: nothing of it is the other agent's.
    return { status: 0, text: String((err as Error).cause ?? err) }
  }
}

/** After a misbehaving answer on the pool, the other caller's requests each get their own answer. */
async function othersGetTheirOwn(label: string): Promise<void> {
  for (const [i, token] of [agent, human, agent, human].entries()) {
    const path = `/own-${label}-${i}`
    const res = await ask(path, token)
    assert.is(res.status, 200, `${label}: ${res.text.slice(0, 300)}`)
    assert.equal(JSON.parse(res.text), { for: path }, `${label}: request ${i} got ${res.text.slice(0, 300)}`)
  }
}

const connOf = (path: string) => up.asked.find((a) => a.path === path)?.conn

test('control: requests of both callers share the pool (a kept-alive connection is reused)', async () => {
  await othersGetTheirOwn('control')
  const conns = new Set(up.asked.filter((a) => a.path.startsWith('/own-control-')).map((a) => a.conn))
  assert.ok(conns.size < 4, `connections: ${[...conns]}`)
})

for (const [path, what] of [['/two-answers', 'two answers written at once'], ['/two-answers-later', 'a second answer written 100 ms later, on the idle connection']] as const) {
  test(`an upstream that sends ${what} to one request: the extra answer reaches no one, and the connection is not reused`, async () => {
    const first = await ask(path, human)
    assert.equal(JSON.parse(first.text), { for: path })
    await new Promise((r) => setTimeout(r, 300))
    await othersGetTheirOwn(path.slice(1))
    const after = up.asked.filter((a) => a.path.startsWith(`/own-${path.slice(1)}-`))
    assert.ok(after.every((a) => a.conn !== connOf(path)), `reused connection ${connOf(path)}: ${after.map((a) => a.conn)}`)
  })
}

test('an answer with both Content-Length and chunked is refused (502), and the connection is not reused', async () => {
  const res = await ask('/cl-and-chunked', human)
  assert.ok(res.status === 502 || res.status === 0, `${res.status} ${res.text.slice(0, 300)}`)
  assert.not.match(res.text, 'smuggled-answer')
  await othersGetTheirOwn('cl-and-chunked')
  assert.ok(up.asked.filter((a) => a.path.startsWith('/own-cl-and-chunked-')).every((a) => a.conn !== connOf('/cl-and-chunked')))
})

test('two differing Content-Lengths in an answer are refused (502); the bytes past the first are no answer to anyone', async () => {
  const res = await ask('/two-lengths', human)
  assert.ok(res.status === 502 || res.status === 0, `${res.status} ${res.text.slice(0, 300)}`)
  assert.not.match(res.text, 'smuggled-answer')
  await othersGetTheirOwn('two-lengths')
})

for (const path of ['/no-content', '/not-modified']) {
  test(`a ${path.slice(1)} answer followed by a body (an answer of its own shape): the body is no answer to the next request`, async () => {
    const res = await ask(path, human)
    assert.not.match(res.text, 'smuggled-answer')
    await new Promise((r) => setTimeout(r, 200))
    await othersGetTheirOwn(path.slice(1))
  })
}

test('a HEAD answered with a body (an answer of its own shape): the body is no answer to the next request', async () => {
  const res = await fetch(`${g.reverse.url}/t/web/head-with-body`, { method: 'HEAD', headers: { authorization: `Bearer ${human}` } })
  assert.is(res.status, 200)
  await new Promise((r) => setTimeout(r, 200))
  await othersGetTheirOwn('head-with-body')
})

test('a close-delimited HTTP/1.0 body is read to its end, masked for the agent, and its connection is never reused', async () => {
  const res = await ask('/http10', agent)
  assert.is(res.status, 200, res.text)
  assert.equal(JSON.parse(res.text), { for: '/http10' })
  await othersGetTheirOwn('http10')
  assert.ok(up.asked.filter((a) => a.path.startsWith('/own-http10-')).every((a) => a.conn !== connOf('/http10')))
})

test('a 101 Switching Protocols to a GET that asked no upgrade: nothing after it reaches the client, and the connection is not reused', async () => {
  const res = await ask('/switch', human)
  assert.not.match(res.text, 'upstream-secret-9c1d')
  assert.ok(res.status === 502 || res.status === 0, `${res.status} ${res.text.slice(0, 300)}`)
  await othersGetTheirOwn('switch')
})

test('an upstream that answers without reading the body (CL.0): the body is never prefixed to the next request, which carries the gateway credential', async () => {
  // Judged as text; an upstream that ignores its Content-Length reads it as the start of the next request on the
  // connection, whose request line the X-Swallow header eats: that request's headers (the gateway's credential
  // among them) would go to GET /smuggled, unjudged, and its answer to whoever asked next.
  const res = await ask('/early', human, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'GET /smuggled HTTP/1.1\r\nX-Swallow: ' })
  assert.is(res.status, 200, res.text.slice(0, 300))
  await othersGetTheirOwn('early')
  await new Promise((r) => setTimeout(r, 200))
  const smuggled = up.asked.filter((a) => a.path === '/smuggled')
  assert.equal(smuggled.map((a) => a.headers), [], 'the upstream ran a request no one judged')
  assert.ok(up.asked.filter((a) => a.path.startsWith('/own-early-')).every((a) => a.conn !== connOf('/early')))
})

test('control: requests with a body each take a connection of their own; reads after them still share kept-alive ones', async () => {
  for (let i = 0; i < 4; i++) {
    const res = await ask(`/own-write-${i}`, human, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' })
    assert.is(res.status, 200, res.text)
  }
  await othersGetTheirOwn('after-writes')
  const writes = up.asked.filter((a) => a.path.startsWith('/own-write-')).map((a) => a.conn)
  const reads = up.asked.filter((a) => a.path.startsWith('/own-after-writes-')).map((a) => a.conn)
  assert.is(new Set(writes).size, 4, `writes on ${writes}`)
  assert.ok(reads.every((c) => !writes.includes(c)), `reads on ${reads}, writes on ${writes}`)
  assert.ok(new Set(reads).size < 4, `reads on ${reads}: none reused`)
})

test('requests with a body sent back to back with reads: each write closes its connection, and the reads still reuse theirs', async () => {
  const target = { name: 'web', kind: 'http' as const, environment: 'production', labels: {}, upstream_http: { url: up.url(), ca_file: join(dir, 'ca.pem'), credential: { kind: 'bearer' as const, token_env: 'WEB_TOKEN' }, hosts: [] } }
  const upstream = createUpstream(target, { WEB_TOKEN: 'web-held-token-conn6' })
  try {
    const send = async (path: string, body?: Uint8Array) => {
      const reply = await upstream.send({ method: body ? 'POST' : 'GET', url: new URL(`${up.url()}${path}`), headers: body ? { 'content-type': 'application/json' } : {}, body }, {})
      if (reply.kind !== 'response') throw new Error('no response')
      for await (const _ of reply.res) void _
    }
    for (let i = 0; i < 5; i++) await send(`/tight-read-a${i}`)
    for (let i = 0; i < 5; i++) await send(`/tight-write-${i}`, new TextEncoder().encode('{"a":1}'))
    for (let i = 0; i < 10; i++) await send(`/tight-read-b${i}`)
  } finally {
    upstream.close()
  }
  const conns = (prefix: string) => up.asked.filter((a) => a.path.startsWith(prefix)).map((a) => a.conn)
  assert.is(new Set(conns('/tight-write-')).size, 5, `writes on ${conns('/tight-write-')}`)
  assert.ok(new Set(conns('/tight-read-b')).size <= 2, `reads after the writes on ${conns('/tight-read-b')}`)
})

test('an answer cut short of its Content-Length (the upstream closes) is no answer: the client sees the cut, and others get their own', async () => {
  const res = await ask('/short', agent)
  assert.not.equal(res.status, 200, res.text.slice(0, 300))
  const raw = await ask('/short', human)
  assert.ok(raw.status === 0 || raw.status === 502 || raw.text.length < 500, `${raw.status} ${raw.text.length}`)
  await othersGetTheirOwn('short')
})

test('the headers of an upgrade\'s 101 do not hand the agent the gateway credential an upstream echoes in them', async () => {
  const { connect } = await import('node:net')
  const s = connect(g.reverse.address.port, '127.0.0.1', () => s.write(`GET /t/web/echo-upgrade HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${human}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`))
  let out = ''
  s.on('data', (d) => (out += d))
  s.on('error', () => undefined)
  await new Promise((r) => setTimeout(r, 1500))
  s.destroy()
  assert.match(out, /^HTTP\/1\.1 101/, out.slice(0, 300))
  assert.not.match(out, 'web-held-token-conn6', out.slice(0, 500))
})

test('a redirect to another host is handed to the client, never followed with the gateway credential', async () => {
  const res = await ask('/redirect', human, { redirect: 'manual' })
  assert.is(res.status, 307)
  await new Promise((r) => setTimeout(r, 200))
  assert.is(elsewhere.asked.length, 0, 'the other host was asked nothing')
  assert.match(up.asked.find((a) => a.path === '/redirect')!.headers, /authorization: Bearer web-held-token-conn6/i)
})

test.run()
