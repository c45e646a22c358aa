// Node's fetch through both modes, the same three outcomes each way: reverse (node's own fetch to
// /t/<target>/ with `Authorization: Bearer <JWT>`) and forward (undici's fetch with a ProxyAgent, the JWT in
// Proxy-Authorization, TLS intercepted with the gateway CA). Allowed (the upstream sees the gateway's token, never
// the JWT), denied (403 Status, nothing forwarded), masked (Secret data by path, an email by the detectors).
import { readFileSync } from 'node:fs'
import { fetch as undiciFetch, ProxyAgent } from 'undici'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let token: string
let proxied: ProxyAgent

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'SA' }, hosts: ['kubernetes.example.test:443'] } },
  ], { env: { SA: 'sa-token' } })
  token = await g.agentToken()
  proxied = new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } })
})
test.after(async () => {
  await proxied.close()
  await g.close()
})

interface Reply { status: number; text(): Promise<string> }
const modes: Array<[string, (path: string, method?: string) => Promise<Reply>]> = [
  ['reverse (node fetch)', (path, method = 'GET') => fetch(`${g.reverse.url}/t/k8s${path}`, { method, headers: { authorization: `Bearer ${token}` } })],
  ['forward (undici fetch + ProxyAgent)', (path, method = 'GET') => undiciFetch(`https://kubernetes.example.test${path}`, { method, dispatcher: proxied })],
]

function noJwtUpstream() {
  for (const s of g.upstream.seen) {
    assert.is(s.headers.authorization, 'Bearer sa-token')
    for (const [k, v] of Object.entries(s.headers)) assert.not.ok(String(v).includes(token.slice(0, 40)), `the agent JWT reached the upstream in ${k}`)
  }
}

for (const [mode, send] of modes) {
  test(`${mode}: a pod list is allowed and forwarded with the gateway token`, async () => {
    g.route = (_req, res) => json(res, { kind: 'PodList', items: [{ metadata: { name: 'web-1' } }] })
    const before = g.upstream.seen.length
    const res = await send('/api/v1/namespaces/prod/pods')
    assert.is(res.status, 200)
    assert.is(JSON.parse(await res.text()).items[0].metadata.name, 'web-1')
    assert.is(g.upstream.seen.length, before + 1)
    assert.is(g.upstream.seen.at(-1)!.url, '/api/v1/namespaces/prod/pods')
    noJwtUpstream()
  })

  test(`${mode}: deleting the prod namespace is denied with a Status; nothing is forwarded`, async () => {
    const before = g.upstream.seen.length
    const res = await send('/api/v1/namespaces/prod', 'DELETE')
    assert.is(res.status, 403)
    const status = JSON.parse(await res.text())
    assert.is(status.kind, 'Status')
    assert.match(status.message, /^warden: denied: /)
    assert.is(g.upstream.seen.length, before)
  })

  test(`${mode}: a Secret's data and an email in an annotation come back masked`, async () => {
    g.route = (_req, res) => json(res, { kind: 'Secret', metadata: { name: 'db', annotations: { owner: 'frank@example.com' } }, data: { password: 'aHVudGVyMg==' } })
    const res = await send('/api/v1/namespaces/prod/secrets/db')
    assert.is(res.status, 200)
    const text = await res.text()
    const secret = JSON.parse(text)
    assert.is(secret.metadata.name, 'db')
    assert.ok(secret.data.password, 'the key stays, its value is masked')
    assert.not.match(text, 'aHVudGVyMg==')
    assert.not.match(text, 'frank@example.com')
    noJwtUpstream()
  })
}

test.run()
