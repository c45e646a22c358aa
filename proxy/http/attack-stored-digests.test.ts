// Digests of stored objects in listings and metadata, under masks: the answer headers of an object read lost their
// ETag (a digest of the stored document, an oracle on what the mask hides), but the bodies of S3 listings and
// GetObjectAttributes (moto) and Cloud Storage's JSON and XML listings and object metadata (fake-gcs-server) still
// carried the object's MD5 (and CRC32C): with it, a guess at the whole masked text is checked offline. The agent
// holds a valid token under the default policy (content detectors on every answer); the real aws CLI and gcloud
// list through the gateway as before.
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch, ProxyAgent } from 'undici'
import { awsCli } from './testing/aws-cli.ts'
import { peerBinaries, startFakeGcs, startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import type { CliOut } from './testing/aws-cli.ts'
import { gcloudCli } from './testing/gcloud-cli.ts'
import { HELD_AWS_ENV, motoCurl, motoTarget } from './testing/moto-target.ts'

const TEXT = 'ssn: 536-22-1234\n'
const md5 = createHash('md5').update(TEXT)
const MD5_HEX = md5.copy().digest('hex')
const MD5_B64 = md5.digest('base64')
const dir = mkdtempSync(join(tmpdir(), 'warden-digests-'))
let moto: StoragePeer
let gcs: StoragePeer
let g: TestGateway
let token: string
let gcloud: (...args: string[]) => Promise<CliOut>
let crc32c: string

test.before(async () => {
  ;[moto, gcs] = await Promise.all([startMoto(), startFakeGcs({ buckets: ['ops'] })])
  g = await startTestGateway(() => [motoTarget(moto), {
    name: 'prod-gcp', kind: 'gcp', environment: 'production', labels: {},
    upstream_http: { url: gcs.url, ca_file: gcs.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'HELD_GCP' }, hosts: ['storage.googleapis.com'] },
  }], { env: { ...HELD_AWS_ENV, HELD_GCP: 'gcp-held-token' } })
  token = await g.agentToken()
  gcloud = gcloudCli(peerBinaries(['gcloud']).gcloud!, g, token, dir)
  await motoCurl(moto, 's3', 'PUT', '/ops')
  await motoCurl(moto, 's3', 'PUT', '/ops/ssn.txt', ['-H', 'content-type: text/plain', '--data-binary', TEXT])
  crc32c = JSON.parse(await gcsDirect('POST', '/upload/storage/v1/b/ops/o?uploadType=media&name=ssn.txt', TEXT)).crc32c
  await gcsDirect('POST', '/upload/storage/v1/b/ops/o?uploadType=media&name=notes.txt', 'nothing to hide\n')
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
  await gcs?.stop()
  rmSync(dir, { recursive: true, force: true })
})

/** Straight to fake-gcs-server (it checks no credential). */
const gcsDirect = (method: string, path: string, body?: string) => new Promise<string>((resolve, reject) =>
  execFile('curl', ['-sS', '-X', method, '--cacert', gcs.caFile, ...(body === undefined ? [] : ['-H', 'content-type: text/plain', '--data-binary', body]), `${gcs.url}${path}`], (err, out) => err ? reject(err) : resolve(out)))

const via = (url: string, init: Parameters<typeof fetch>[1] = {}) =>
  fetch(url, { ...init, dispatcher: new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } }) })

const S3_READS: Array<[string, Record<string, string>?]> = [
  ['https://s3.amazonaws.com/ops'], ['https://s3.amazonaws.com/ops?list-type=2'], ['https://s3.amazonaws.com/ops?versions'],
  ['https://s3.amazonaws.com/ops?list-type=2&response-content-type=text%2Fevent-stream'], ['https://s3.amazonaws.com/ops?list-type=2&response-content-type=application%2Fx-ndjson'],
  ['https://s3.amazonaws.com/ops/ssn.txt?attributes', { 'x-amz-object-attributes': 'ETag,Checksum,ObjectSize' }],
]

test('control: moto answers S3 listings and GetObjectAttributes with the MD5 of the object (its ETag)', async () => {
  for (const [url, headers] of S3_READS) {
    const path = url.replace('https://s3.amazonaws.com', '')
    const out = await motoCurl(moto, 's3', 'GET', path, Object.entries(headers ?? {}).flatMap(([k, v]) => ['-H', `${k}: ${v}`]))
    assert.match(out, MD5_HEX, `${path}: ${out}`)
  }
})

test('S3 listings and GetObjectAttributes under masks carry no digest of a masked object; the listing is kept', async () => {
  const read = await via('https://s3.amazonaws.com/ops/ssn.txt')
  assert.not.match(await read.text(), '536-22-1234', 'control: the object itself comes back masked')
  for (const [url, headers] of S3_READS) {
    const res = await via(url, { headers })
    const body = await res.text()
    assert.is(res.status, 200, `${url}: ${body}`)
    assert.not.match(body, MD5_HEX, `${url}: ${body}`)
    assert.not.match(body, /<ETag>|<Checksum/, `${url}: ${body}`)
    assert.match(body, url.endsWith('attributes') ? '<ObjectSize>17</ObjectSize>' : '<Key>ssn.txt</Key>', `${url}: ${body}`)
  }
})

test('the aws CLI still lists the bucket through the gateway (s3 ls, s3api list-objects-v2)', async () => {
  const aws = awsCli(peerBinaries(['aws']).aws!, g, token, dir)
  const ls = await aws('s3', 'ls', 's3://ops/')
  assert.is(ls.code, 0, ls.stderr)
  assert.match(ls.stdout, /\b17 ssn\.txt/)
  const api = await aws('s3api', 'list-objects-v2', '--bucket', 'ops')
  assert.is(api.code, 0, api.stderr)
  assert.is(JSON.parse(api.stdout).Contents[0].Key, 'ssn.txt')
  assert.not.match(api.stdout, MD5_HEX)
})

const GCS_READS = ['/storage/v1/b/ops/o', '/storage/v1/b/ops/o/ssn.txt', '/storage/v1/b/ops/o/ssn.txt?alt=json', '/ops', '/storage/v1/b/ops/o?watch=1']

test('control: fake-gcs-server answers listings and object metadata with the MD5 and CRC32C of the object', async () => {
  for (const path of GCS_READS) assert.match(await gcsDirect('GET', path), MD5_B64, path)
  assert.match(await gcsDirect('GET', '/storage/v1/b/ops/o/ssn.txt'), crc32c)
})

test('Cloud Storage listings and object metadata under masks carry no digest of a masked object; names and sizes are kept', async () => {
  for (const path of GCS_READS) {
    const res = await via(`https://storage.googleapis.com${path}`)
    const body = await res.text()
    assert.is(res.status, 200, `${path}: ${body}`)
    assert.not.match(body, MD5_B64, `${path}: ${body}`)
    assert.not.match(body, crc32c, `${path}: ${body}`)
    assert.match(body, 'ssn.txt', `${path}: ${body}`)
    assert.match(body, /"size":"17"|<Size>17<\/Size>/, `${path}: ${body}`)
  }
  const media = await via('https://storage.googleapis.com/storage/v1/b/ops/o/ssn.txt?alt=media')
  assert.is(await media.text(), 'ssn: [ssn]\n', 'control: the media read is masked, and otherwise untouched')
})

test('gcloud still lists and reads through the gateway without the digests (storage ls -l, objects describe, cat)', async () => {
  const ls = await gcloud('storage', 'ls', '-l', 'gs://ops')
  assert.is(ls.code, 0, ls.stderr)
  assert.match(ls.stdout, /17 .*gs:\/\/ops\/ssn\.txt/)
  const described = await gcloud('storage', 'objects', 'describe', 'gs://ops/ssn.txt', '--format=json')
  assert.is(described.code, 0, described.stderr)
  assert.not.match(described.stdout, MD5_B64)
  // An object the mask leaves as it is (a masked one is shorter than its size, which gcloud refuses either way).
  const cat = await gcloud('storage', 'cat', 'gs://ops/notes.txt')
  assert.is(cat.code, 0, cat.stderr)
  assert.is(cat.stdout, 'nothing to hide\n')
})

test.run()
