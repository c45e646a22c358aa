// Fail closed on the audit trail, HTTP side: on a durable sink every judged request is recorded, and stored, before
// it is forwarded; when the store cannot take the record the request is refused and never reaches the upstream.
import { connect } from 'node:net'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let token: string
let failing: Error | undefined
let waits = 0

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'header', header: 'X-Api-Key', token_env: 'WEB_KEY' }, hosts: [] } },
  ], { env: { WEB_KEY: 'web-key-456' }, passthrough: (up) => [new URL(up.url).host] })
  token = await g.agentToken()
  // The in-memory sink made durable: durable() is what a frontend waits on (engine/audit/durable-sink.ts).
  Object.assign(g.te.audit, {
    durable: async () => {
      waits++
      if (failing) throw failing
    },
  })
  g.route = (_req, res) => json(res, { ok: true })
})
test.after(async () => g.close())

const get = (path: string) => fetch(`${g.reverse.url}/t/web${path}`, { headers: { authorization: `Bearer ${token}` } })

test('a forwarded request is recorded before the upstream sees it; release and outcome share one decision_id', async () => {
  const mark = g.te.audit.events.length
  const before = waits
  let eventsWhenForwarded = -1
  g.route = (_req, res) => {
    eventsWhenForwarded = g.te.audit.events.length
    json(res, { ok: true })
  }
  const res = await get('/released')
  assert.is(res.status, 200)
  await res.arrayBuffer()
  await new Promise((r) => setTimeout(r, 20))
  const events = g.te.audit.events.slice(mark).filter((e) => e.type === 'release' || e.type === 'request')
  assert.equal(events.map((e) => e.type), ['release', 'request'])
  assert.is(eventsWhenForwarded, mark + 1, 'the release record was written before the upstream answered')
  assert.is(events[0]!.decision_id, events[1]!.decision_id)
  assert.is(events[0]!.decision, 'allow')
  assert.ok(waits > before, 'the request waited for the trail')
})

test('when the audit store cannot take the record, the request is refused with 503 and never forwarded', async () => {
  const seen = g.upstream.seen.length
  failing = new Error('audit store unavailable: disk full')
  try {
    const res = await get('/never')
    assert.is(res.status, 503)
    const body = await res.json()
    assert.is(body.error, 'http.audit_unavailable')
    assert.match(body.message, 'disk full')
    assert.match(body.message, 'not forwarded')
    assert.ok(res.headers.get('x-warden-decision-id'))
  } finally {
    failing = undefined
  }
  assert.is(g.upstream.seen.length, seen, 'nothing reached the upstream')
  const res = await get('/after')
  assert.is(res.status, 200, 'requests flow again once the store is back')
  await res.arrayBuffer()
})

test('a denied request is never released', async () => {
  const mark = g.te.audit.events.length
  const res = await fetch(`${g.reverse.url}/t/web/x`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } })
  await res.arrayBuffer()
  const types = g.te.audit.events.slice(mark).map((e) => e.type)
  assert.is(res.status, 403, 'production DELETE by an agent is denied by the default policy')
  assert.not.ok(types.includes('release'))
})

test('a passthrough tunnel is not opened when the audit store cannot record it', async () => {
  const authority = new URL(g.upstream.url).host
  const connectThrough = () => new Promise<string>((resolve, reject) => {
    const raw = connect(g.proxy.address.port, '127.0.0.1', () => raw.write(`CONNECT ${authority} HTTP/1.1\r\nProxy-Authorization: Bearer ${token}\r\n\r\n`))
    let out = ''
    raw.on('data', (d) => {
      out += d
      if (out.includes('\r\n\r\n') && out.startsWith('HTTP/1.1 200')) raw.destroy()
    })
    raw.on('close', () => resolve(out))
    raw.on('error', reject)
  })
  const mark = g.te.audit.events.length
  const before = waits
  failing = new Error('audit store unavailable: disk full')
  let refused: string
  try {
    refused = await connectThrough()
  } finally {
    failing = undefined
  }
  assert.match(refused, /^HTTP\/1\.1 503/)
  assert.match(refused, 'http.audit_unavailable')
  assert.ok(waits > before, 'the tunnel waited for the trail')
  const opened = await connectThrough()
  assert.match(opened, /^HTTP\/1\.1 200/, 'tunnels open again once the store is back')
  const tunnels = g.te.audit.events.slice(mark).filter((e) => e.passthrough === true)
  assert.ok(tunnels.length >= 1)
})

test.run()
