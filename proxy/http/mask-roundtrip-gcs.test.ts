// A masked Cloud Storage object resource written back: the agent reads an object's metadata through the gateway
// (the owner's email comes back masked), then PUTs the resource it read (the JSON API's objects.update). The write
// is refused (warden.rules.mask_writes) and fake-gcs-server keeps the real metadata; a PATCH that sets an ordinary
// value still writes. The target is a staging one: an agent's plain cloud writes there pass without approval.
import { execFile } from 'node:child_process'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startFakeGcs, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

const BUCKET = 'reports'
const OBJECT = `/storage/v1/b/${BUCKET}/o/q3.csv`
const EMAIL = 'jane.doe@example.com'
const REASON = /writes a value Warden masked in an earlier answer; it would overwrite the real value with the mask/
let gcs: StoragePeer
let g: TestGateway
let token: string

/** Straight to fake-gcs-server (it checks no credential). */
const direct = (method: string, path: string, body?: string) => new Promise<string>((resolve, reject) => {
  const child = execFile('curl', ['-sS', '-X', method, '--cacert', gcs.caFile, '-H', 'content-type: application/json', '--data-binary', '@-', `${gcs.url}${path}`], (err, out) => err ? reject(err) : resolve(out))
  child.stdin!.end(body ?? '')
})

test.before(async () => {
  gcs = await startFakeGcs({ buckets: [BUCKET] })
  g = await startTestGateway(() => [{
    name: 'staging-gcp', kind: 'gcp', environment: 'staging', labels: {},
    upstream_http: { url: gcs.url, ca_file: gcs.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'HELD_GCP' }, hosts: [] },
  }], { holdSeconds: 1, env: { HELD_GCP: 'gcp-held-token' } })
  token = await g.agentToken()
  await new Promise<void>((resolve, reject) => {
    const child = execFile('curl', ['-sS', '-X', 'POST', '--cacert', gcs.caFile, '-H', 'content-type: text/csv', '--data-binary', '@-', `${gcs.url}/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=q3.csv`], (err) => err ? reject(err) : resolve())
    child.stdin!.end('a,b\n')
  })
  await direct('PATCH', OBJECT, JSON.stringify({ metadata: { owner: EMAIL } }))
})

test.after(async () => {
  await g?.close()
  await gcs?.stop()
})

const agent = (method: string, path: string, body?: string) =>
  fetch(`${g.reverse.url}/t/staging-gcp${path}`, { method, body, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) } })
const realOwner = async () => JSON.parse(await direct('GET', OBJECT)).metadata?.owner as string | undefined

test('objects.update with the resource the agent read (metadata masked) is denied; the real metadata stays', async () => {
  assert.is(await realOwner(), EMAIL)
  const read = await agent('GET', OBJECT)
  const resource = await read.text()
  assert.is(read.status, 200, resource.slice(0, 300))
  assert.not.match(resource, EMAIL)
  const put = await agent('PUT', OBJECT, resource)
  const answer = await put.text()
  assert.is(put.status, 403, answer.slice(0, 300))
  assert.match(answer, REASON)
  assert.is(await realOwner(), EMAIL)
})

test('a PATCH of ordinary metadata with `*` still writes', async () => {
  const res = await agent('PATCH', OBJECT, JSON.stringify({ metadata: { include: '*.csv', note: '[INFO] a * b' } }))
  assert.is(res.status, 200, (await res.text()).slice(0, 300))
  assert.is(JSON.parse(await direct('GET', OBJECT)).metadata.include, '*.csv')
})

test.run()
