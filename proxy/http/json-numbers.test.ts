// Masked JSON answers through the gateway (default policy: content detectors on every answer), from a recording
// upstream that writes its JSON by hand: numbers the masker leaves come back as the upstream wrote them (past
// 2^53, trailing zeros, exponents, -0), in a generic answer, a Kubernetes list, a Table and a watch; numbers under
// a secret name come back masked.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { maskDecoded } from './mask-decoded.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let token: string

// Numbers JSON.parse and JSON.stringify would change, and a card number (a detector finds it) among them.
const NUMBERS = '"id":12345678901234567891,"neg":-9007199254740993,"ratio":1.50,"price":0.10,"big":1e400,"exp":2.5E+3,"zero":-0,"one":1.0'

const bodies: Record<string, { type: string; text: string }> = {
  '/t/web/v1/items': { type: 'application/json', text: `{"items":[{${NUMBERS},"password":12345678,"api_key":9876543210,"pin_password":1234,"card":4242424242424242.0,"ok":true}]}` },
  '/t/k8s/api/v1/namespaces/prod/pods': {
    type: 'application/json',
    text: `{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"7"},"items":[{"metadata":{"name":"web-1","annotations":{"example.com/id":"x"}},"spec":{"containers":[{"name":"web","env":[{"name":"DB_PASSWORD","value":"hunter2"}]}],"automountServiceAccountToken":true},"status":{${NUMBERS},"db_password":424242}}]}`,
  },
  '/t/k8s/apis/example.com/v1/namespaces/prod/widgets': {
    type: 'application/json',
    text: `{"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"8"},"columnDefinitions":[{"name":"Name","type":"string"},{"name":"Size","type":"integer"},{"name":"Password","type":"integer"}],"rows":[{"cells":["w1",12345678901234567891,87654321],"object":{"kind":"Widget","apiVersion":"example.com/v1","metadata":{"name":"w1"},"spec":{"size":12345678901234567891,"password":87654321}}}]}`,
  },
}

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'K8S_SA_TOKEN' }, hosts: [] } },
    { name: 'web', kind: 'http', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'WEB_TOKEN' }, hosts: [] } },
  ], { env: { K8S_SA_TOKEN: 'sa-token-numbers-1', WEB_TOKEN: 'web-token-numbers-1' } })
  g.route = (req, res) => {
    const path = req.url.split('?')[0]!
    if (req.url.includes('watch=1')) {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write(`{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"w","resourceVersion":"9"},"status":{${NUMBERS},"secret":[5,6]}}}\n`)
      return void res.end(`{"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"w","resourceVersion":"10"},"status":{"restartCount":3,"token":31337}}}\n`)
    }
    const body = Object.entries(bodies).find(([p]) => p.endsWith(path))?.[1]
    res.writeHead(body ? 200 : 404, { 'content-type': body?.type ?? 'application/json' })
    res.end(body?.text ?? '{}')
  }
  token = await g.agentToken()
})
test.after(async () => g.close())

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const res = await fetch(`${g.reverse.url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } })
  return { status: res.status, text: await res.text() }
}

test('a generic JSON answer: every number the masker leaves is byte for byte as sent; numbers under secret names and a card number are masked', async () => {
  const a = await get('/t/web/v1/items')
  assert.is(a.status, 200, a.text)
  assert.is(a.text, `{"items":[{${NUMBERS},"password":"[secret]","api_key":"[secret]","pin_password":"[secret]","card":"[card]","ok":true}]}`)
})

test('a Kubernetes list: numbers kept as sent, a secret env value (by the policy\'s env path mask) and a number under db_password masked, the boolean under a secret name null', async () => {
  const a = await get('/t/k8s/api/v1/namespaces/prod/pods')
  assert.is(a.status, 200, a.text)
  assert.ok(a.text.includes(`"status":{${NUMBERS},"db_password":"[secret]"}`), a.text)
  assert.not.ok(a.text.includes('hunter2'), a.text)
  assert.ok(a.text.includes('"automountServiceAccountToken":null'), a.text)
})

test('a Kubernetes Table: an integer cell past 2^53 comes back exact, a number in a secret column masked', async () => {
  const a = await get('/t/k8s/apis/example.com/v1/namespaces/prod/widgets', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })
  assert.is(a.status, 200, a.text)
  assert.ok(a.text.includes('"cells":["w1",12345678901234567891,"[secret]"]'), a.text)
})

test('a Kubernetes watch: each event keeps its numbers as sent; numbers under secret names (an array under one too) masked', async () => {
  const a = await get('/t/k8s/api/v1/namespaces/prod/pods?watch=1')
  assert.is(a.status, 200, a.text)
  const lines = a.text.trim().split('\n')
  assert.is(lines.length, 2, a.text)
  assert.is(lines[0], `{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"w","resourceVersion":"9"},"status":{${NUMBERS},"secret":["[secret]","[secret]"]}}}`)
  assert.is(lines[1], '{"type":"MODIFIED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"w","resourceVersion":"10"},"status":{"restartCount":3,"token":"[secret]"}}}')
})

test('an answer nested deeper than the lossless reader goes is withheld as too deep, not called invalid JSON', () => {
  const body = Buffer.from(`{"n":1.0,"d":${'['.repeat(20_000)}${']'.repeat(20_000)}}`)
  const job = { body, type: 'application/json', declared: 'application/json', obligations: [{ detector: 'all' }], key: new Uint8Array(32), credentials: [] }
  assert.throws(() => maskDecoded(job), (err: Error) => /http\.mask_failed/.test(String((err as { code?: string }).code)) && /nested too deeply/.test(err.message) && !/not valid JSON/.test(err.message))
})

test.run()
