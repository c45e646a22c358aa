// Every HTTP request is verified on arrival, but an accepted upgrade (kubectl exec, attach, port-forward, a
// WebSocket) or a streamed answer (a watch, an event stream) can stay open for hours: it ends when the token
// that opened it expires, as a PostgreSQL session does.
import { connect } from 'node:net'
import { decodeJwt } from 'jose'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
// Long enough that the stream opens and carries data well inside it on a loaded machine.
const TTL_S = 6

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'header', header: 'X-Api-Key', token_env: 'WEB_KEY' }, hosts: [] } },
  ], { holdSeconds: 30, env: { WEB_KEY: 'web-key-456' }, passthrough: (up) => [new URL(up.url).host] })
})
test.after(async () => g.close())

// Break-glass humans get no masks on this target, so the upgrade is piped and the stream passed as it comes.
const shortToken = () => g.te.token('root-on-call', ['breakglass'], { kind: 'human', ttlSeconds: TTL_S })

/**
 * How long after its token's exp a stream ended. The checks: never before exp, and within 6 s of it (as before:
 * TTL + 5 s, with exp up to a second short of the moment the token was made, being whole seconds). Measured from
 * exp, not from when the test went on to connect, which a loaded machine may reach long after the token was made.
 */
function endedAfterExpiry(token: string, endedAt: number): number {
  return endedAt - decodeJwt(token).exp! * 1000
}

test('an upgraded stream is closed when the token that opened it expires', async () => {
  const token = await shortToken()
  const s = connect(g.reverse.address.port, '127.0.0.1')
  let out = ''
  const closed = new Promise<number>((resolve) => s.on('close', () => resolve(Date.now())))
  s.on('error', () => undefined)
  s.on('data', (d) => { out += d })
  s.write(`GET /t/web/socket HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`)
  // Keep it busy: an echoing upstream answers every write.
  const ping = setInterval(() => s.writable && s.write('ping '), 200)
  const gaveUp = new Promise<number>((resolve) => setTimeout(() => resolve(-1), TTL_S * 1000 + 10_000).unref())
  const closedAt = await Promise.race([closed, gaveUp])
  clearInterval(ping)
  s.destroy()
  assert.match(out, /^HTTP\/1\.1 101/)
  assert.match(out, 'ping ping', 'the stream worked while the token was valid')
  assert.ok(closedAt > 0, 'the gateway closed the upgraded stream')
  const late = endedAfterExpiry(token, closedAt)
  assert.ok(late >= 0 && late < 6_000, `closed ${late} ms after the token's exp`)
  const ended = g.te.audit.events.find((e) => e.type === 'error' && e.code === 'token.expired')
  assert.ok(ended, 'the end is on the audit trail')
})

test('a streamed answer is cut when the token that asked for it expires', async () => {
  let writes = 0
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' })
    const tick = setInterval(() => { writes++; res.write(`data: tick ${writes}\n\n`) }, 200)
    res.on('close', () => clearInterval(tick))
  }
  const token = await shortToken()
  const res = await fetch(`${g.reverse.url}/t/web/events`, { headers: { authorization: `Bearer ${token}` } })
  assert.is(res.status, 200)
  const reader = res.body!.getReader()
  let text = ''
  let failed: unknown
  const deadline = Date.now() + TTL_S * 1000 + 10_000
  try {
    for (;;) {
      if (Date.now() > deadline) break
      const { done, value } = await reader.read()
      if (done) break
      text += Buffer.from(value).toString()
    }
  } catch (err) {
    failed = err
  }
  const late = endedAfterExpiry(token, Date.now())
  assert.match(text, 'data: tick 1')
  assert.ok(late < 6_000, `the stream ended ${late} ms after the token's exp (${failed ? 'cut' : 'ended'})`)
  assert.ok(late >= 0, `not before the token expired (${late} ms after its exp)`)
})

test('a request held for approval past its token\'s expiry is not forwarded once approved: 401, and the grant still covers a retry with a new token', async () => {
  let reached = 0
  g.route = (_req, res) => { reached++; res.writeHead(200, { 'content-type': 'application/json' }).end('{}') }
  const answer = fetch(`${g.reverse.url}/t/web/items/7`, { method: 'DELETE', headers: { authorization: `Bearer ${await g.te.token('cursor', ['agents'], { ttlSeconds: 4 })}` } })
  const id = await g.heldId(10_000)
  assert.ok(id, 'held')
  await new Promise((resolve) => setTimeout(resolve, 5_000))
  await g.approve(id!)
  const res = await answer
  assert.is(res.status, 401)
  assert.match((await res.json()).message, `approved, but the agent token expired while it was held`)
  assert.is(reached, 0, 'nothing reached the upstream')
  const retry = await fetch(`${g.reverse.url}/t/web/items/7`, { method: 'DELETE', headers: { authorization: `Bearer ${await g.te.token('cursor', ['agents'])}` } })
  assert.is(retry.status, 200)
  assert.is(reached, 1)
})

test('a passthrough tunnel (bytes the gateway does not read) is closed when the token that opened it expires', async () => {
  const token = await g.te.token('cursor', ['agents'], { ttlSeconds: TTL_S })
  const s = connect(g.proxy.address.port, '127.0.0.1')
  let out = ''
  s.on('error', () => undefined)
  s.on('data', (d) => { out += d })
  const closed = new Promise<number>((resolve) => s.on('close', () => resolve(Date.now())))
  s.write(`CONNECT ${new URL(g.upstream.url).host} HTTP/1.1\r\nProxy-Authorization: Bearer ${token}\r\n\r\n`)
  const gaveUp = new Promise<number>((resolve) => setTimeout(() => resolve(-1), TTL_S * 1000 + 10_000).unref())
  const closedAt = await Promise.race([closed, gaveUp])
  s.destroy()
  assert.match(out, /^HTTP\/1\.1 200/, 'the tunnel opened')
  assert.ok(closedAt > 0, 'the gateway closed the tunnel')
  const late = endedAfterExpiry(token, closedAt)
  assert.ok(late >= 0 && late < 6_000, `closed ${late} ms after the token's exp`)
})

test.run()
