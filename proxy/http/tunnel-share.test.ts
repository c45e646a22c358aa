// One agent cannot take every connection of the forward proxy with idle tunnels: past MAX_TUNNELS_PER_CALLER open
// at once its next CONNECT is refused with 429 and the reason, while another agent still gets its tunnels, and a
// closed tunnel gives its place back.
import { connect, type Socket } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { MAX_TUNNELS_PER_CALLER } from './forward-proxy.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'WEB_TOKEN' }, hosts: ['web.example.test'] } },
  ], { env: { WEB_TOKEN: 'web-upstream-token' } })
})
test.after(async () => g?.close())

/** A CONNECT with `token`: the socket (left open) and the head of the answer. */
function tunnel(token: string): Promise<{ socket: Socket; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(g.proxy.address.port, '127.0.0.1', () => socket.write(`CONNECT web.example.test:443 HTTP/1.1\r\nHost: web.example.test:443\r\nProxy-Authorization: Bearer ${token}\r\n\r\n`))
    socket.on('error', reject)
    socket.once('data', (d) => resolve({ socket, head: d.toString('latin1') }))
  })
}

test(`past ${MAX_TUNNELS_PER_CALLER} open tunnels an agent's next CONNECT is refused (429, with the reason); another agent is served; closing one gives its place back`, async () => {
  const mine = await g.agentToken()
  const open: Socket[] = []
  for (let i = 0; i < MAX_TUNNELS_PER_CALLER; i += 32) {
    const batch = await Promise.all(Array.from({ length: 32 }, () => tunnel(mine)))
    for (const t of batch) {
      assert.match(t.head, /^HTTP\/1\.1 200/)
      open.push(t.socket)
    }
  }
  const refused = await tunnel(mine)
  assert.match(refused.head, /^HTTP\/1\.1 429/)
  assert.match(refused.head, /\r\nretry-after: 1\r\n/i)
  const body = JSON.parse(refused.head.slice(refused.head.indexOf('\r\n\r\n') + 4))
  assert.is(body.error, 'http.busy')
  assert.match(body.message, `already holds ${MAX_TUNNELS_PER_CALLER} tunnels`)
  refused.socket.destroy()
  const theirs = await tunnel(await g.te.token('other-agent', ['agents']))
  assert.match(theirs.head, /^HTTP\/1\.1 200/)
  theirs.socket.destroy()
  const gone = open.pop()!
  await new Promise<void>((resolve) => {
    gone.once('close', () => resolve())
    gone.destroy()
  })
  // The proxy sees the close a moment later: retried until then (an outcome, not a wait for time).
  let again = await tunnel(mine)
  for (let i = 0; i < 50 && !again.head.startsWith('HTTP/1.1 200'); i++) {
    again.socket.destroy()
    await new Promise((r) => setTimeout(r, 20))
    again = await tunnel(mine)
  }
  assert.match(again.head, /^HTTP\/1\.1 200/)
  again.socket.destroy()
  for (const s of open) s.destroy()
})

test.run()
