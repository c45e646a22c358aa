// Connections that connect and send nothing, from a client without a token: each was held until the headers
// timeout (60 s and more), one descriptor each, with no bound on how many, until the process had no descriptor
// left and no listener of the gateway could accept a session or open an upstream connection. Each HTTP listener
// (reverse and forward) holds at most MAX_CONNECTIONS. Past it, refusing the new connection locked every agent
// out for as long as the flood lasted; now a new connection displaces the oldest one that no accepted token has
// used (connection-slots.ts), so an agent still connects and is served, and its kept-alive connection is never
// the one displaced.
import { connect, type Socket } from 'node:net'
import { Agent, request } from 'node:http'
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

/** Whether the gateway closed the connection within `ms`. */
function closedWithin(s: Socket, ms: number): Promise<boolean> {
  if (s.destroyed || s.readableEnded) return Promise.resolve(true)
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms)
    s.resume()
    s.once('close', () => {
      clearTimeout(timer)
      resolve(true)
    })
  })
}

/** A GET over the given socket (a keep-alive connection opened before the flood). */
function get(socket: Socket, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ createConnection: () => socket, host: '127.0.0.1', path, headers: { authorization: `Bearer ${token}`, connection: 'keep-alive' } }, (res) => {
      res.resume()
      res.once('end', () => resolve(res.statusCode ?? 0))
    })
    req.once('error', reject)
    req.end()
  })
}

/**
 * An agent's first request on a new connection, a GET on the reverse listener or a CONNECT on the proxy, whose
 * connection stays open (kept alive, or the tunnel) until the test closes what it adds to `keep`.
 */
function agentAsks(which: 'reverse' | 'proxy', port: number, keep: Array<{ destroy(): void }>): Promise<number> {
  return new Promise((resolve, reject) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    keep.push(agent)
    const req = which === 'reverse'
      ? request({ host: '127.0.0.1', port, path: '/t/web/ok', agent, headers: { authorization: `Bearer ${token}` } })
      : request({ host: '127.0.0.1', port, method: 'CONNECT', path: 'web.example:443', agent, headers: { 'proxy-authorization': `Bearer ${token}` } })
    req.once('response', (res) => {
      res.resume()
      res.once('end', () => resolve(res.statusCode ?? 0))
    })
    req.once('connect', (res, socket) => {
      keep.push(socket)
      resolve(res.statusCode ?? 0)
    })
    req.once('error', reject)
    req.end()
  })
}

for (const which of ['reverse', 'proxy'] as const) {
  test(`${which} listener: ${MAX_CONNECTIONS} idle connections do not lock agents out: a new agent connection displaces the oldest idle one and is served; a kept-alive agent connection stays`, async () => {
    const port = g[which].address.port
    const agent = which === 'reverse' ? await open(port) : undefined
    if (agent) assert.is(await get(agent, '/t/web/ok'), 200)
    const flood: Socket[] = []
    const kept: Array<{ destroy(): void }> = []
    try {
      for (let i = 0; i < MAX_CONNECTIONS - (agent ? 1 : 0); i++) flood.push(await open(port))
      assert.not.ok(await closedWithin(flood.at(-1)!, 200), 'those within the bound are held')
      for (let round = 0; round < 3; round++) {
        assert.is(await agentAsks(which, port, kept), 200, `round ${round}: a new agent connection is served`)
        assert.ok(await closedWithin(flood[round]!, 2_000), `round ${round}: the oldest idle connection made room`)
      }
      assert.not.ok(await closedWithin(flood[3]!, 200), 'only as many are displaced as were needed')
      if (agent) assert.is(await get(agent, '/t/web/ok'), 200, 'the kept-alive agent connection was never displaced')
    } finally {
      for (const s of [...flood, ...kept]) s.destroy()
      agent?.destroy()
    }
  })
}

test(`reverse listener: connections that only sent requests without a token (401, kept alive) are displaced like idle ones`, async () => {
  const port = g.reverse.address.port
  const flood: Socket[] = []
  const kept: Array<{ destroy(): void }> = []
  try {
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const s = await open(port)
      flood.push(s)
      const answered = new Promise<string>((resolve) => s.once('data', (d: Buffer) => resolve(d.toString('latin1'))))
      s.write('GET /t/web/ok HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n')
      assert.match(await answered, /^HTTP\/1\.1 401 /)
    }
    assert.is(await agentAsks('reverse', port, kept), 200)
    assert.ok(await closedWithin(flood[0]!, 2_000), 'the oldest unauthenticated connection made room')
  } finally {
    for (const s of [...flood, ...kept]) s.destroy()
  }
})

test.run()
