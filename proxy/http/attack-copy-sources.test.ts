// A write that reads another object, by an agent holding a valid token under the default policy, on staging
// targets (where an agent's changes pass): S3 CopyObject and UploadPartCopy against moto, Cloud Storage rewrite,
// copy and compose against fake-gcs-server. Reading the source would be masked for an agent (content detectors),
// and a copy moves the bytes unmasked: each is refused before the upstream copies anything.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startFakeGcs, startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoCurl, motoTarget } from './testing/moto-target.ts'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fetch as undiciFetch, ProxyAgent } from 'undici'

let moto: StoragePeer
let gcs: StoragePeer
let g: TestGateway
let token: string

const s3 = (method: string, path: string, args: string[] = []) => motoCurl(moto, 's3', method, path, args)

/** Straight to fake-gcs-server (it checks no credential). */
function gcsDirect(method: string, path: string, body?: string): Promise<string> {
  const args = ['-sS', '-X', method, '--cacert', gcs.caFile, ...(body === undefined ? [] : ['-H', 'content-type: application/json', '--data-binary', body]), `${gcs.url}${path}`]
  return new Promise((resolve, reject) => execFile('curl', args, (err, out) => (err ? reject(err) : resolve(out))))
}

test.before(async () => {
  moto = await startMoto()
  gcs = await startFakeGcs({ buckets: ['vault', 'drop'] })
  g = await startTestGateway(() => [
    motoTarget(moto, { name: 'stage-aws', environment: 'staging', api_host: 's3.amazonaws.com', hosts: [] }),
    {
      name: 'stage-gcp', kind: 'gcp', environment: 'staging', labels: {},
      upstream_http: { url: gcs.url, ca_file: gcs.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'HELD_GCP' }, hosts: [] },
    },
    // Every googleapis.com host through the forward proxy, to the one emulator URL.
    {
      name: 'stage-gcp-hosts', kind: 'gcp', environment: 'staging', labels: {},
      upstream_http: { url: gcs.url, ca_file: gcs.caFile, credential: { kind: 'bearer', token_env: 'HELD_GCP' }, hosts: ['*.googleapis.com'] },
    },
  ], { holdSeconds: 1, env: { ...HELD_AWS_ENV, HELD_GCP: 'gcp-held-token' } })
  token = await g.agentToken()
  await s3('PUT', '/vault')
  await s3('PUT', '/drop')
  await s3('PUT', '/vault/secret.csv', ['--data-binary', 'password=hunter2'])
  await gcsDirect('POST', '/upload/storage/v1/b/vault/o?uploadType=media&name=secret.csv', 'password=hunter2')
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
  await gcs?.stop()
})

const agent = (target: string, path: string, init: RequestInit = {}) =>
  fetch(`${g.reverse.url}/t/${target}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } })

test('control: an agent\'s plain upload on the staging targets passes (the refusals below are the copies\')', async () => {
  const res = await agent('stage-aws', '/drop/plain.txt', { method: 'PUT', body: 'hello' })
  assert.is(res.status, 200, await res.text())
  assert.match(await s3('GET', '/drop/plain.txt'), 'hello')
})

test('S3 CopyObject from a bucket whose reads are masked is refused; moto copies nothing', async () => {
  for (const source of ['/vault/secret.csv', 'vault/secret.csv', '/vault%2Fsecret.csv', '/vault/secret.csv?versionId=null']) {
    const res = await agent('stage-aws', '/drop/copy.csv', { method: 'PUT', headers: { 'x-amz-copy-source': source } })
    const text = await res.text()
    assert.is(res.status, 403, `${source}: ${text}`)
    assert.match(text, 'arn:aws:s3:::vault/secret.csv', source)
    assert.match(text, 'cannot be masked', source)
    assert.not.match(await s3('GET', '/drop?list-type=2'), 'copy.csv', source)
  }
})

test('S3 UploadPartCopy from a bucket whose reads are masked is refused; moto copies no part', async () => {
  const started = await s3('POST', '/drop/big.bin?uploads')
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(started)![1]!
  const res = await agent('stage-aws', `/drop/big.bin?partNumber=1&uploadId=${encodeURIComponent(uploadId)}`, { method: 'PUT', headers: { 'x-amz-copy-source': '/vault/secret.csv', 'x-amz-copy-source-range': 'bytes=0-3' } })
  const text = await res.text()
  assert.is(res.status, 403, text)
  assert.match(text, 'cannot be masked')
  assert.not.match(await s3('GET', `/drop/big.bin?uploadId=${encodeURIComponent(uploadId)}`), '<PartNumber>', 'moto holds a copied part')
})

test('S3 copy sources Warden cannot read for certain (an access point, a `;` moto cuts off) are refused', async () => {
  for (const source of ['arn:aws:s3:us-east-1:123456789012:accesspoint/ap/object/secret.csv', '/vault/secret.csv;x=1']) {
    const res = await agent('stage-aws', '/drop/odd.csv', { method: 'PUT', headers: { 'x-amz-copy-source': source } })
    const text = await res.text()
    assert.is(res.status, 403, `${source}: ${text}`)
    assert.match(text, 'cannot name for certain', source)
    assert.not.match(await s3('GET', '/drop?list-type=2'), 'odd.csv', source)
  }
})

test('Cloud Storage rewrite, copy and compose of an object whose reads are masked are refused; nothing is written', async () => {
  const writes: Array<[string, string?]> = [
    ['/storage/v1/b/vault/o/secret.csv/rewriteTo/b/drop/o/rewritten.csv'],
    ['/storage/v1/b/vault/o/secret.csv/copyTo/b/drop/o/copied.csv'],
    ['/storage/v1/b/vault/o/composed.csv/compose', JSON.stringify({ sourceObjects: [{ name: 'secret.csv' }] })],
  ]
  for (const [path, body] of writes) {
    const res = await agent('stage-gcp', path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body ?? '' })
    const text = await res.text()
    assert.is(res.status, 403, `${path}: ${text}`)
    assert.match(text, 'projects/_/buckets/vault/objects/secret.csv', path)
    assert.match(text, 'cannot be masked', path)
  }
  const names = await gcsDirect('GET', '/storage/v1/b/drop/o') + await gcsDirect('GET', '/storage/v1/b/vault/o')
  for (const name of ['rewritten.csv', 'copied.csv', 'composed.csv']) assert.not.match(names, name)
})

test('a copy source or ACL hoisted into the query (as a presigned URL carries headers) is refused before moto', async () => {
  for (const query of ['x-amz-copy-source=%2Fvault%2Fsecret.csv', 'X-Amz-Copy-Source=vault%2Fsecret.csv', 'x-amz-acl=public-read']) {
    const res = await agent('stage-aws', `/drop/hoisted.csv?${query}`, { method: 'PUT', body: 'x' })
    const text = await res.text()
    assert.is(res.status, 400, `${query}: ${text}`)
    assert.match(text, 'reads as that header', query)
  }
  assert.not.match(await s3('GET', '/drop?list-type=2'), 'hoisted.csv')
})

// fake-gcs-server serves Cloud Storage by the path alone, whatever the host; Google only on storage's own hosts.
test('a Cloud Storage copy sent to another API\'s host (compute, logging) at the one emulator URL is refused, not judged as that API\'s call', async () => {
  const dispatcher = new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } })
  for (const host of ['compute.googleapis.com', 'logging.googleapis.com']) {
    const res = await undiciFetch(`https://${host}/storage/v1/b/vault/o/secret.csv/copyTo/b/drop/o/via-${host}.csv`, { method: 'POST', dispatcher, headers: { 'content-type': 'application/json' }, body: '{}' })
    const text = await res.text()
    assert.not.match(await gcsDirect('GET', '/storage/v1/b/drop/o'), `via-${host}`, `${host}: the copy ran (${res.status} ${text.slice(0, 200)})`)
    assert.is(res.status, 403, `${host}: ${text}`)
  }
})

test.run()
