// One agent asking for many large answers at once, each of which must be masked (read whole): without a bound
// shared by every request, the bodies held would grow with the agent's concurrency until the gateway's memory
// ran out, ending it for every session. Past the gateway's budget a body is refused with 503; the budget comes
// back when the answers are done.
import type { ServerResponse } from 'node:http'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

const MB = 1024 * 1024
let g: TestGateway
let token: string

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, hosts: [] } },
  ], { maskBudgetBytes: 3 * MB })
  token = await g.agentToken()
})
test.after(async () => g.close())

test('large masked answers in parallel: past the budget they are refused with 503, and the budget comes back', async () => {
  // Each answer: 1 MiB of a JSON document sent at once, the rest once the test lets the upstream finish.
  const open: ServerResponse[] = []
  const half = `{"items":[${'"x",'.repeat((MB / 4))}`
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.write(half)
    open.push(res)
  }
  const ask = () => fetch(`${g.reverse.url}/t/web/big`, { headers: { authorization: `Bearer ${token}` } }).then(async (r) => ({ status: r.status, body: await r.text() }))
  const answers = Array.from({ length: 6 }, ask)
  const done: Array<{ status: number; body: string }> = []
  for (const a of answers) void a.then((r) => done.push(r))
  for (let t = 0; t < 500 && open.length + done.length < 6; t++) await new Promise((r) => setTimeout(r, 10))
  for (let t = 0; t < 500 && done.length < 3; t++) await new Promise((r) => setTimeout(r, 10))
  assert.ok(done.length >= 3, `${done.length} refused while the others are held`)
  for (const r of done) {
    assert.is(r.status, 503, r.body.slice(0, 200))
    assert.match(r.body, 'http.busy')
  }
  for (const res of open) res.end('"end"]}')
  const all = await Promise.all(answers)
  assert.ok(all.filter((r) => r.status === 200).length >= 1, 'those within the budget are answered')
  // Everything given back: one more large answer fits again.
  g.route = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(`${half}"end"]}`)
  }
  assert.is((await ask()).status, 200)
})

test.run()
