// Label filters as oracles on masked labels: a Secret Manager or Compute list comes back with a label named as a
// secret masked, but a filter on that label (Secret Manager's `:` prefix and wildcard match, Compute's `eq` regular
// expression) lists the resource only when the guess is right. An agent with a valid token asks through the
// forward proxy; the recording upstream answers as the API does, and shows whether the request reached it.
import { readFileSync } from 'node:fs'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch, ProxyAgent } from 'undici'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'

let g: TestGateway
let token: string
const via = (url: string) =>
  fetch(url, { dispatcher: new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } }) })

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'prod-gcp', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'HELD_GCP_TOKEN' }, hosts: ['*.googleapis.com'] } },
  ], { env: { HELD_GCP_TOKEN: 'ya29.gateway-held-token' }, holdSeconds: 0.3 })
  token = await g.agentToken()
  g.route = (_req, res) => json(res, { secrets: [{ name: 'projects/p/secrets/db', labels: { api_token: 'lbl-hunter2', env: 'prod' } }] })
})
test.after(async () => {
  await g?.close()
})

async function call(url: string): Promise<{ status: number; text: string; forwarded: boolean }> {
  const n = g.upstream.seen.length
  const res = await via(url)
  return { status: res.status, text: await res.text(), forwarded: g.upstream.seen.length > n }
}

const SECRETS = 'https://secretmanager.googleapis.com/v1/projects/p/secrets'
const INSTANCES = 'https://compute.googleapis.com/compute/v1/projects/p/zones/us-central1-a/instances'

test('a list reads the secret-named label masked', async () => {
  const r = await call(SECRETS)
  assert.is(r.status, 200, r.text.slice(0, 300))
  assert.not.match(r.text, 'lbl-hunter2')
  assert.is(JSON.parse(r.text).secrets[0].labels.env, 'prod')
})

test('a filter on the masked label is refused, not forwarded', async () => {
  for (const url of [
    `${SECRETS}?filter=${encodeURIComponent('labels.api_token:lbl-h*')}`,
    `${SECRETS}?filter=${encodeURIComponent('labels.api_token:lbl-x*')}`,
    `${INSTANCES}?filter=${encodeURIComponent('labels.db_password eq lbl-h.*')}`,
  ]) {
    const r = await call(url)
    assert.is(r.status, 400, `${url}: ${r.text.slice(0, 300)}`)
    assert.is(JSON.parse(r.text).error, 'http.filter_refused')
    assert.is(r.forwarded, false, url)
  }
})

test('filters on readable labels and fields are forwarded', async () => {
  for (const url of [`${SECRETS}?filter=${encodeURIComponent('labels.env=prod')}`, `${INSTANCES}?filter=${encodeURIComponent('status = RUNNING AND labels.team:payments')}`]) {
    const r = await call(url)
    assert.is(r.status, 200, `${url}: ${r.text.slice(0, 300)}`)
    assert.is(r.forwarded, true, url)
    assert.not.match(r.text, 'lbl-hunter2')
  }
})

test.run()
