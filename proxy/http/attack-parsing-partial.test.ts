// Partial reads of answers that must be masked, by an agent holding a valid token under the default policy:
// the content detectors need a secret whole (a URL's password ends at its `@`, a secret key is 40 characters, a
// private key starts at its BEGIN line), so an answer cut where the agent chooses hands them a fragment they
// do not recognise. The apiserver peer runs no kubelet (no pod logs), so the recording upstream serves the
// pod log here, honouring limitBytes and tailLines as the kubelet does, and the pod (which names no Secret).
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let token: string

const PASSWORD = 'pgpw-7Hq2Zx9'
const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const KEY_BODY = ['MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7', 'VJTUt9Us8cKjMzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuic', 'kLdpvKnKy8UwPn+o8Xd1Ikqf0U7mD2bMaYvCpEN0nYjMD5tXwA==']
const LOG = [
  'starting worker',
  `connecting to postgres://orders:${PASSWORD}@db.internal:5432/orders`,
  `aws_secret_access_key = ${SECRET_KEY}`,
  'loaded signing key:',
  '-----BEGIN RSA PRIVATE KEY-----', ...KEY_BODY, '-----END RSA PRIVATE KEY-----',
  'ready',
].join('\n') + '\n'

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'K8S_SA_TOKEN' }, hosts: [] } },
  ], { env: { K8S_SA_TOKEN: 'sa-token-partial-1' } })
  // GET …/pods/NAME/log as the kubelet answers it: tailLines keeps the last lines, limitBytes the first bytes.
  g.route = (req, res) => {
    const url = new URL(req.url, 'https://x')
    // The pod itself, which the gateway reads to find the Secrets to mask in its log (pod-secrets.ts): it uses none.
    if (!url.pathname.endsWith('/log')) return json(res, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'worker-1', namespace: 'staging' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } })
    const q = url.searchParams
    let text = LOG
    const tail = q.get('tailLines')
    if (tail !== null) text = text.trimEnd().split('\n').slice(-Number(tail)).join('\n') + '\n'
    const limit = q.get('limitBytes')
    if (limit !== null) text = text.slice(0, Number(limit))
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(text)
  }
  token = await g.agentToken()
})
test.after(async () => g.close())

const logs = (query: string) => fetch(`${g.reverse.url}/t/k8s/api/v1/namespaces/staging/pods/worker-1/log${query}`, { headers: { authorization: `Bearer ${token}` } })

test('control: the whole log comes back with the password, the secret key and the private key masked', async () => {
  const res = await logs('')
  const text = await res.text()
  assert.is(res.status, 200, text)
  assert.match(text, 'starting worker')
  for (const secret of [PASSWORD, SECRET_KEY, ...KEY_BODY]) assert.not.match(text, secret)
})

test('limitBytes (cut where the agent chooses: before the URL\'s @, one character short of the secret key) is refused under a mask', async () => {
  const before = g.upstream.seen.length
  for (const secret of [`${PASSWORD}`, SECRET_KEY.slice(0, -1)]) {
    const res = await logs(`?limitBytes=${LOG.indexOf(secret) + secret.length}`)
    const text = await res.text()
    assert.not.match(text, secret)
    assert.is(res.status, 400, text)
    assert.match(text, 'limitBytes')
  }
  assert.is(g.upstream.seen.length, before, 'nothing was forwarded')
})

test('tailLines that cut a private key below its BEGIN line: the key lines that come back are masked', async () => {
  for (const n of [2, 3, 4]) {
    const res = await logs(`?tailLines=${n}`)
    const text = await res.text()
    assert.is(res.status, 200, text)
    for (const line of KEY_BODY) assert.not.match(text, line, `tailLines=${n}: ${text}`)
    assert.match(text, 'ready')
  }
})

test.run()
