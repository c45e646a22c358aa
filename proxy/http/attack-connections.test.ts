// Connections that connect and send nothing, from a client without a token: each was held until the headers
// timeout (60 s and more), one descriptor each, with no bound on how many, until the process had no descriptor
// left and no listener of the gateway could accept a session or open an upstream connection. Each HTTP listener
// (reverse and forward) holds at most MAX_CONNECTIONS; past it a new connection is closed as it is accepted,
// while the connections already open (an agent's keep-alive connection) are still served, and new ones are
// accepted again as the flood ends.
import { connect, type Socket } from 'node:net'
import { request } from 'node:http'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MAX_CONNECTIONS } from './node-server.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let token: string

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, hosts: [] } },
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

for (const which of ['reverse', 'proxy'] as const) {
  test(`${which} listener: past ${MAX_CONNECTIONS} idle connections the next is closed at once; an open connection is still served; new ones are accepted once the flood ends`, async () => {
    const port = g[which].address.port
    const agent = which === 'reverse' ? await open(port) : undefined
    const flood: Socket[] = []
    try {
      for (let i = 0; i < MAX_CONNECTIONS - (agent ? 1 : 0); i++) flood.push(await open(port))
      const extra = await open(port).catch(() => undefined)
      assert.ok(!extra || (await closedWithin(extra, 2_000)), 'the connection past the bound is closed at once')
      assert.not.ok(await closedWithin(flood.at(-1)!, 200), 'those within the bound are held')
      if (agent) assert.is(await get(agent, '/t/web/ok'), 200)
    } finally {
      for (const s of flood) s.destroy()
      agent?.destroy()
    }
    for (let t = 0; t < 100; t++) {
      const s = await open(port)
      if (!(await closedWithin(s, 100))) {
        s.destroy()
        return
      }
    }
    assert.unreachable('a connection was accepted after the flood ended')
  })
}

test.run()
