// Fifth attack round on Cloud Storage, against fake-gcs-server through the reverse route, by an agent holding a
// valid token under the default policy (content detectors on every answer): object names carried percent-encoded
// (links, ids) and object bodies served in the forms a client can ask for (compressed or decompressed in transit).
import { execFile } from 'node:child_process'
import { gzipSync } from 'node:zlib'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startFakeGcs, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

const BUCKET = 'people5'
const EMAIL = 'bob.payroll@example.com'
const URL_SECRET = 'gcspw-Q8n2'
const CONN = `postgres://orders:${URL_SECRET}@db.internal:5432/orders`
let gcs: StoragePeer
let g: TestGateway
let token: string

/** Straight to fake-gcs-server (it checks no credential): one object, with the headers given. */
function put(name: string, body: Buffer | string, headers: string[] = ['-H', 'content-type: text/plain']): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile('curl', ['-sS', '-X', 'POST', '--cacert', gcs.caFile, ...headers, '--data-binary', '@-', `${gcs.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=${encodeURIComponent(name)}`], (err, out) => err ? reject(err) : resolve(out))
    child.stdin!.end(body)
  })
}

test.before(async () => {
  gcs = await startFakeGcs({ buckets: [BUCKET] })
  g = await startTestGateway(() => [{
    name: 'prod-gcp', kind: 'gcp', environment: 'production', labels: {},
    upstream_http: { url: gcs.url, ca_file: gcs.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'HELD_GCP' }, hosts: [] },
  }], { holdSeconds: 1, env: { HELD_GCP: 'gcp-held-token' } })
  token = await g.agentToken()
  await put(`users/${EMAIL}/avatar.txt`, 'x')
  await put(`dumps/${CONN}.sql`, 'x')
  await put('notes/readme.txt', `reach me at ${EMAIL}; db ${CONN}\n`)
})

test.after(async () => {
  await g?.close()
  await gcs?.stop()
})

const agent = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${g.reverse.url}/t/prod-gcp${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } })

/** Every form of `value` a client may decode: as is, and percent-encoded (selfLink, mediaLink, id). */
const forms = (value: string) => [value, encodeURIComponent(value), encodeURIComponent(value).replaceAll('%2F', '/'), value.replaceAll('@', '%40')]

test('a listing names objects by links and ids too: the email and the password in their names are masked in every form', async () => {
  const res = await agent(`/storage/v1/b/${BUCKET}/o`)
  const body = await res.text()
  assert.is(res.status, 200, body.slice(0, 300))
  assert.match(body, 'readme.txt')
  for (const secret of [EMAIL, URL_SECRET]) for (const form of forms(secret)) assert.not.match(body, form, `${form} in ${body}`)
})

test('an object read as media, plain, gzip-encoded in transit or stored gzipped, comes back masked', async () => {
  await put('notes/zipped.txt', gzipSync(`reach me at ${EMAIL}; db ${CONN}\n`), ['-H', 'content-type: text/plain', '-H', 'content-encoding: gzip'])
  for (const [name, headers] of [
    ['notes/readme.txt', {}], ['notes/readme.txt', { 'accept-encoding': 'gzip' }],
    ['notes/zipped.txt', {}], ['notes/zipped.txt', { 'accept-encoding': 'gzip' }], ['notes/zipped.txt', { 'accept-encoding': 'identity' }],
  ] as const) {
    const res = await agent(`/storage/v1/b/${BUCKET}/o/${encodeURIComponent(name)}?alt=media`, headers)
    const raw = Buffer.from(await res.arrayBuffer())
    const text = raw.toString('latin1')
    assert.not.match(text, EMAIL, `${name} ${JSON.stringify(headers)}: ${res.status} ${text.slice(0, 200)}`)
    assert.not.match(text, URL_SECRET, `${name} ${JSON.stringify(headers)}: ${res.status}`)
    assert.ok(res.status === 200 || res.status === 502, `${name} ${JSON.stringify(headers)}: ${res.status}`)
  }
})

test.run()
