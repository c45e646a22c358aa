// Attacks on the connection slots of the HTTP listeners (connection-slots.ts), through the gateway with raw
// clients. A connection once answered for an accepted token stayed proven for good: a token that had expired
// since (or none at all) kept its kept-alive connections out of reach of displacement, as long as their client
// sent a request now and then. The last answered request now decides. And one token that kept a request in flight
// on each connection (a body never sent after 100 Continue) held every one of them: past its share, no more. A
// tunnel was proven by its CONNECT for as long as it lasted, whatever was refused inside it: now its requests decide.
import { readFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MAX_CONNECTIONS } from './node-server.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let token: string

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, hosts: ['web.example'] } },
  ], { tls: false })
  token = await g.agentToken()
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"ok":true}')
  }
})
test.after(async () => g.close())

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1', () => resolve(s))
    s.once('error', reject)
  })
}

/** A GET on `socket`, with the agent token or without; resolves with the status once the whole answer is read. */
function get(socket: Socket, withToken: boolean, bearer = token): Promise<number> {
  return new Promise((resolve) => {
    let got = ''
    const onData = (d: Buffer) => {
      got += d.toString('latin1')
      const head = got.indexOf('\r\n\r\n')
      if (head < 0) return
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(got.slice(0, head))?.[1] ?? 0)
      if (got.length < head + 4 + length) return
      socket.off('data', onData)
      resolve(Number(got.slice(9, 12)))
    }
    socket.on('data', onData)
    socket.write(`GET /t/web/ok HTTP/1.1\r\nhost: 127.0.0.1\r\n${withToken ? `authorization: Bearer ${bearer}\r\n` : ''}\r\n`)
  })
}

/** Which of the sockets the gateway closes first. */
function firstClosed(sockets: Record<string, Socket>): Promise<string> {
  return new Promise((resolve) => {
    for (const [name, s] of Object.entries(sockets)) {
      s.resume()
      if (s.destroyed) resolve(name)
      s.once('close', () => resolve(name))
    }
  })
}

test('reverse listener: a connection answered for an accepted token, then for no token, is displaceable again', async () => {
  const port = g.reverse.address.port
  const once = await open(port)
  const flood: Socket[] = []
  try {
    assert.is(await get(once, true), 200)
    assert.is(await get(once, false), 401, 'the same connection, now without a token (or with one expired since)')
    for (let i = 0; i < MAX_CONNECTIONS - 1; i++) flood.push(await open(port))
    const closed = firstClosed({ once, oldestIdle: flood[0]! })
    flood.push(await open(port))
    assert.is(await closed, 'once', 'the connection no accepted token uses any more made room, not an idle one opened after it')
  } finally {
    for (const s of flood) s.destroy()
    once.destroy()
  }
})

/** A POST whose body never follows: resolves once the gateway has accepted the token and asked for the body (100). */
function postNoBody(socket: Socket, bearer: string): Promise<void> {
  return new Promise((resolve) => {
    let got = ''
    const onData = (d: Buffer) => {
      got += d.toString('latin1')
      if (!got.includes('\r\n\r\n')) return
      socket.off('data', onData)
      assert.match(got, /^HTTP\/1\.1 100 /)
      resolve()
    }
    socket.on('data', onData)
    socket.write(`POST /t/web/up HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${bearer}\r\ncontent-type: application/json\r\ncontent-length: 10\r\nexpect: 100-continue\r\n\r\n`)
  })
}

test('reverse listener: one token that keeps a request in flight on every connection holds no more than its share of them', async () => {
  const port = g.reverse.address.port
  const flood: Socket[] = []
  let other: Socket | undefined
  try {
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const s = await open(port)
      flood.push(s)
      await postNoBody(s, token)
    }
    const share = MAX_CONNECTIONS / 16
    const closed = firstClosed({ withinShare: flood[0]!, pastShare: flood[share]! })
    other = await open(port)
    other.on('error', () => undefined)
    const answered = get(other, true, await g.te.token('other', ['agents']))
    assert.is(await Promise.race([answered, firstClosed({ other })]), 200, 'another agent is served, not closed at once')
    assert.is(await closed, 'pastShare', 'the oldest connection past the share made room, not one within it')
  } finally {
    for (const s of flood) s.destroy()
    other?.destroy()
  }
})

/** A CONNECT to web.example:443 with the agent token, then TLS with the gateway's CA: both sockets. */
function tunnel(): Promise<{ raw: Socket; tls: TLSSocket }> {
  return new Promise((resolve, reject) => {
    const raw = connect(g.proxy.address.port, '127.0.0.1', () => raw.write(`CONNECT web.example:443 HTTP/1.1\r\nhost: web.example:443\r\nproxy-authorization: Bearer ${token}\r\n\r\n`))
    raw.once('error', reject)
    raw.once('data', (d) => {
      if (!/^HTTP\/1\.1 200/.test(String(d))) return reject(new Error(`CONNECT refused: ${String(d).slice(0, 200)}`))
      const tls = tlsConnect({ socket: raw, servername: 'web.example', ca: readFileSync(g.ca.cert) }, () => resolve({ raw, tls }))
      tls.once('error', reject)
    })
  })
}

/** A GET inside the tunnel, with the given extra header lines; resolves with the status once the answer is read. */
function getInside(tls: TLSSocket, extra: string): Promise<number> {
  return new Promise((resolve) => {
    let got = ''
    const onData = (d: Buffer) => {
      got += d.toString('latin1')
      const head = got.indexOf('\r\n\r\n')
      if (head < 0) return
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(got.slice(0, head))?.[1] ?? 0)
      if (got.length < head + 4 + length) return
      tls.off('data', onData)
      resolve(Number(got.slice(9, 12)))
    }
    tls.on('data', onData)
    tls.write(`GET /ok HTTP/1.1\r\nhost: web.example\r\n${extra}\r\n`)
  })
}

test('forward proxy: a tunnel whose requests are no longer accepted (407) is displaceable again', async () => {
  const port = g.proxy.address.port
  const { raw, tls } = await tunnel()
  const flood: Socket[] = []
  try {
    assert.is(await getInside(tls, ''), 200)
    assert.is(await getInside(tls, 'authorization: Bearer a b\r\n'), 407, 'refused for its credentials, as once the tunnel token has expired')
    for (let i = 0; i < MAX_CONNECTIONS - 1; i++) flood.push(await open(port))
    const closed = firstClosed({ tunnel: raw, oldestIdle: flood[0]! })
    flood.push(await open(port))
    assert.is(await closed, 'tunnel', 'the tunnel no accepted token uses any more made room, not an idle connection opened after it')
  } finally {
    for (const s of flood) s.destroy()
    tls.destroy()
  }
})

test('forward proxy: an intercepted tunnel that never sends a request is closed when the token that opened it expires', async () => {
  const ttl = 3
  const short = await g.te.token('cursor', ['agents'], { ttlSeconds: ttl })
  const s = connect(g.proxy.address.port, '127.0.0.1')
  let out = ''
  s.on('error', () => undefined)
  s.on('data', (d) => { out += d })
  const closed = new Promise<boolean>((resolve) => s.on('close', () => resolve(true)))
  s.write(`CONNECT web.example:443 HTTP/1.1\r\nhost: web.example:443\r\nproxy-authorization: Bearer ${short}\r\n\r\n`)
  // Not a measure: only so that a tunnel kept for good fails the test instead of hanging it.
  const gaveUp = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), ttl * 1000 + 10_000).unref())
  const wasClosed = await Promise.race([closed, gaveUp])
  s.destroy()
  assert.match(out, /^HTTP\/1\.1 200/, 'the tunnel opened')
  assert.ok(wasClosed, 'the gateway closed the tunnel (before: it stayed open, and proven, with no TLS and no request)')
})

test.run()
