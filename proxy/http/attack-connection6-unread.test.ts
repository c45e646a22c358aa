// Sixth attack round on the gateway's connection layer: answers asked for and never read. A masked answer is
// whole in memory when it is written back; a client that reads none of it (its connections open, its receive
// window shut) keeps it there. One agent asking for many on as many connections held them all past the mask
// budget, which was given back as soon as each was masked, until the gateway's memory ran out for every session.
// A masked answer's bytes now stay counted until its client has read it or gone: past the budget the next masked
// answer is refused (503) instead, and the budget comes back as those clients go.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import { connect, type Socket } from 'node:net'
import { writeResponse } from './node-server.ts'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
const BODY_BYTES = 20 * 1024 * 1024
// About three answers: one held unread (~21 MB masked) and another being masked (~21 MB at its peak) stay under the
// budget's last quarter, which a requester holding bytes takes only up to a fair share (mask-budget.ts).
const BUDGET = 64 * 1024 * 1024

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'WEB_TOKEN' }, hosts: [] } },
  ], { env: { WEB_TOKEN: 'web-token-unread' }, maskBudgetBytes: BUDGET })
  // Agents get content masks on this production target: every answer is read whole and masked.
  g.route = (_req, res) => json(res, { items: Array.from({ length: BODY_BYTES / 1024 }, () => 'a'.repeat(1024)) })
})
test.after(async () => g.close())

/** Asks and reads only the status line, then stops reading (the socket stays open): the status. */
function askAndStall(token: string, open: Socket[]): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(g.reverse.address.port, '127.0.0.1', () => s.write(`GET /t/web/big HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`))
    open.push(s)
    s.on('error', () => undefined)
    s.once('data', (d) => {
      s.pause()
      resolve(/^HTTP\/1\.1 (\d{3})/.exec(String(d))?.[1] ?? '?')
    })
    s.once('close', () => resolve('closed'))
  })
}

test('masked answers a client never reads stay counted in the mask budget: past it the next is refused, and it comes back once those clients go', async () => {
  const token = await g.agentToken()
  const open: Socket[] = []
  const statuses: string[] = []
  try {
    for (let i = 0; i < 4; i++) statuses.push(await askAndStall(token, open))
    const held = statuses.filter((s) => s === '200').length
    assert.ok(held * BODY_BYTES <= BUDGET, `${held} masked answers of ${BODY_BYTES} bytes held unread past a budget of ${BUDGET}: ${statuses}`)
    assert.ok(statuses.includes('503'), `${statuses}`)
  } finally {
    for (const s of open) s.destroy()
  }
  await new Promise((r) => setTimeout(r, 300))
  // Given back: another agent's masked read is served.
  const other = await g.te.token('other-agent', ['agents'])
  const res = await fetch(`${g.reverse.url}/t/web/big`, { headers: { authorization: `Bearer ${other}` } })
  assert.is(res.status, 200)
  assert.is((await res.arrayBuffer()).byteLength > BODY_BYTES, true)
})

test('one agent holding masked answers unread takes at most half the mask budget: another agent is still served meanwhile', async () => {
  const token = await g.agentToken()
  const open: Socket[] = []
  try {
    const statuses: string[] = []
    for (let i = 0; i < 3; i++) statuses.push(await askAndStall(token, open))
    assert.is(statuses.filter((s) => s === '200').length, 1, `${statuses}`)
    const other = await g.te.token('other-agent', ['agents'])
    const res = await fetch(`${g.reverse.url}/t/web/big`, { headers: { authorization: `Bearer ${other}` } })
    assert.is(res.status, 200, (await res.clone().text()).slice(0, 300))
    assert.is((await res.arrayBuffer()).byteLength > BODY_BYTES, true)
  } finally {
    for (const s of open) s.destroy()
  }
  await new Promise((r) => setTimeout(r, 300))
})

test('an answer whose client left while it was made gives back what it held: the response had closed before it was written', async () => {
  let done = 0
  const server = http.createServer((req, res) => {
    req.socket.destroy()
    res.once('close', () => setImmediate(() => {
      writeResponse(res, { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{}'), done: () => done++ })
    }))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const s = connect((server.address() as AddressInfo).port, '127.0.0.1', () => s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
  s.on('error', () => undefined)
  for (let i = 0; i < 100 && !done; i++) await new Promise((r) => setTimeout(r, 10))
  await new Promise((r) => server.close(r))
  assert.is(done, 1)
})

test.run()
