// Tenth HTTP round, object listings: an agent under the default policy (content detectors on every answer) lists a
// bucket whose object names hold an email and a connection string's password, masked in every listing, against
// moto (S3) and fake-gcs-server (Cloud Storage) over HTTPS. The upstream filters a listing on the names unmasked:
// a prefix, a start or end name, a glob or a delimiter of the agent's choosing told a masked name apart a character
// at a time, or cut it where no detector saw it whole.
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { fetch, ProxyAgent, request } from 'undici'
import { awsCli } from './testing/aws-cli.ts'
import { gcloudCli } from './testing/gcloud-cli.ts'
import { peerBinaries, startFakeGcs, startMoto, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoCurl, motoTarget } from './testing/moto-target.ts'

const EMAIL = 'alice.payroll@example.com'
const LOCAL_PART = 'alice.payroll'
const CONN = 'postgres://orders:pgpw-7Hq2Zx9@db.internal:5432/orders'
const dir = mkdtempSync(join(tmpdir(), 'warden-listings-'))
let moto: StoragePeer
let gcs: StoragePeer
let g: TestGateway
let token = ''

const gcsDirect = (method: string, path: string, body?: string) => new Promise<string>((resolve, reject) =>
  execFile('curl', ['-sS', '-X', method, '--cacert', gcs.caFile, ...(body === undefined ? [] : ['-H', 'content-type: text/plain', '--data-binary', body]), `${gcs.url}${path}`], (err, out) => err ? reject(err) : resolve(out)))

test.before(async () => {
  ;[moto, gcs] = await Promise.all([startMoto(), startFakeGcs({ buckets: ['people'] })])
  g = await startTestGateway(() => [motoTarget(moto), {
    name: 'prod-gcp', kind: 'gcp', environment: 'production', labels: {},
    upstream_http: { url: gcs.url, ca_file: gcs.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'HELD_GCP' }, hosts: ['storage.googleapis.com'] },
  }], { env: { ...HELD_AWS_ENV, HELD_GCP: 'gcp-held-token' } })
  token = await g.agentToken()
  await motoCurl(moto, 's3', 'PUT', '/people')
  for (const name of [`users/${EMAIL}/avatar.txt`, `dumps/${CONN}.sql`, 'docs/readme.txt']) {
    await motoCurl(moto, 's3', 'PUT', `/people/${name.split('/').map(encodeURIComponent).join('/')}`, ['--data-binary', 'x'])
    await gcsDirect('POST', `/upload/storage/v1/b/people/o?uploadType=media&name=${encodeURIComponent(name)}`, 'x')
  }
})

test.after(async () => {
  await g?.close()
  await moto?.stop()
  await gcs?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const via = (url: string) => fetch(url, { dispatcher: new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } }) })
const q = encodeURIComponent

// Each pair: the right guess and a wrong one, or a cut no detector sees whole.
const S3_PROBES = [
  `list-type=2&prefix=${q('users/alice.p')}`, `list-type=2&prefix=${q('users/alice.q')}`,
  `prefix=${q('users/alice.p')}`,
  `list-type=2&prefix=users%2F&delimiter=%40`,
  `list-type=2&start-after=${q('users/alice.paz')}`, `marker=${q('users/alice.paz')}`,
  `versions&key-marker=${q('users/alice.paz')}`, `versions&prefix=${q('dumps/postgres://orders:pgpw-7')}`,
  `uploads&prefix=${q('users/a')}`,
]
const GCS_PROBES = [
  `/storage/v1/b/people/o?prefix=${q('users/alice.p')}`, `/storage/v1/b/people/o?prefix=${q('users/alice.q')}`,
  '/storage/v1/b/people/o?prefix=users%2F&delimiter=%40',
  `/storage/v1/b/people/o?startOffset=${q('users/alice.paz')}`, `/storage/v1/b/people/o?endOffset=${q('users/alice.paz')}`,
  `/storage/v1/b/people/o?matchGlob=${q('users/alice.p*/**')}`,
  `/people?prefix=${q('users/alice.p')}`, `/people?marker=${q('users/alice.paz')}`,
]

test('control: straight to the upstreams, a prefix or a start name answers whether a guess at the masked name is right, and a delimiter cuts it short', async () => {
  assert.match(await motoCurl(moto, 's3', 'GET', `/people?list-type=2&prefix=${q('users/alice.p')}`), '<KeyCount>1</KeyCount>')
  assert.match(await motoCurl(moto, 's3', 'GET', `/people?list-type=2&prefix=${q('users/alice.q')}`), '<KeyCount>0</KeyCount>')
  assert.match(await motoCurl(moto, 's3', 'GET', '/people?list-type=2&prefix=users%2F&delimiter=%40'), `<Prefix>users/${LOCAL_PART}@</Prefix>`)
  assert.match(await gcsDirect('GET', `/storage/v1/b/people/o?prefix=${q('users/alice.p')}`), 'avatar.txt')
  assert.not.match(await gcsDirect('GET', `/storage/v1/b/people/o?prefix=${q('users/alice.q')}`), 'avatar.txt')
})

test('S3 listings filtered on part of a name (prefix, delimiter, start-after, markers) are refused under the mask, never forwarded', async () => {
  for (const query of S3_PROBES) {
    const res = await via(`https://s3.amazonaws.com/people?${query}`)
    const body = await res.text()
    assert.is(res.status, 400, `${query}: ${body.slice(0, 400)}`)
    assert.match(body, 'listing', query)
    assert.not.match(body, LOCAL_PART)
  }
})

test('an S3 listing whose GET carries a form body (moto reads its delimiter, start-after and markers as parameters) is held, never run', async () => {
  for (const body of ['delimiter=%40', `start-after=${q('users/alice.paz')}`]) {
    const res = await request('https://s3.amazonaws.com/people?list-type=2&prefix=users%2F', {
      method: 'GET', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body,
      dispatcher: new ProxyAgent({ uri: g.proxy.url, token: `Bearer ${token}`, requestTls: { ca: readFileSync(g.ca.cert, 'utf8') } }),
    })
    const text = await res.body.text()
    assert.is(res.statusCode, 403, `${body}: ${text.slice(0, 400)}`)
    assert.ok(res.headers['x-warden-approval'], 'held for a reviewer')
    assert.not.match(text, LOCAL_PART)
  }
})

test('Cloud Storage listings filtered on part of a name (prefix, delimiter, offsets, a glob, an XML marker) are refused under the mask', async () => {
  for (const path of GCS_PROBES) {
    const res = await via(`https://storage.googleapis.com${path}`)
    const body = await res.text()
    assert.is(res.status, 400, `${path}: ${body.slice(0, 400)}`)
    assert.not.match(body, LOCAL_PART)
  }
})

test('a Cloud Storage folder listing whose prefix ends inside a name (gcloud\'s prefix=dir&delimiter=/) keeps only that whole name: a partial guess lists nothing', async () => {
  for (const guess of ['users/alice.p', 'users/alice.q', 'dumps/postgres://orders:pgpw-7']) {
    const res = await via(`https://storage.googleapis.com/storage/v1/b/people/o?prefix=${q(guess)}&delimiter=%2F`)
    const body = await res.text()
    assert.is(res.status, 200, `${guess}: ${body.slice(0, 300)}`)
    const doc = JSON.parse(body)
    assert.equal([doc.items ?? [], doc.prefixes ?? []], [[], []], `${guess}: ${body}`)
  }
  const res = await via('https://storage.googleapis.com/storage/v1/b/people/o?prefix=docs&delimiter=%2F')
  assert.equal(JSON.parse(await res.text()).prefixes, ['docs/'])
})

test('a Cloud Storage pageToken the gateway never answered (fake-gcs-server starts the page at the name it holds) is refused; one it answered pages on', async () => {
  // Control: fake-gcs-server lists from the name given, so the masked name is below or above a guess.
  assert.match(await gcsDirect('GET', `/storage/v1/b/people/o?pageToken=${q('users/alice.pay')}`), 'avatar.txt')
  assert.not.match(await gcsDirect('GET', `/storage/v1/b/people/o?pageToken=${q('users/alice.paz')}`), 'avatar.txt')
  const made = await via(`https://storage.googleapis.com/storage/v1/b/people/o?pageToken=${q('users/alice.paz')}`)
  assert.is(made.status, 400, await made.text())
  const first = await via('https://storage.googleapis.com/storage/v1/b/people/o?maxResults=1')
  const page = JSON.parse(await first.text())
  assert.ok(page.nextPageToken, JSON.stringify(page))
  const next = await via(`https://storage.googleapis.com/storage/v1/b/people/o?maxResults=1&pageToken=${q(page.nextPageToken)}`)
  const body = await next.text()
  assert.is(next.status, 200, body.slice(0, 300))
  assert.not.match(body, LOCAL_PART)
})

test('control: listings by whole folders still work, names masked (aws s3 ls, gcloud storage ls, a prefix ending with /)', async () => {
  for (const url of ['https://s3.amazonaws.com/people?list-type=2&prefix=users%2F&delimiter=%2F', 'https://s3.amazonaws.com/people?list-type=2', 'https://storage.googleapis.com/storage/v1/b/people/o?prefix=users%2F&delimiter=%2F']) {
    const res = await via(url)
    const body = await res.text()
    assert.is(res.status, 200, `${url}: ${body.slice(0, 300)}`)
    assert.not.match(body, LOCAL_PART, body)
  }
  const aws = awsCli(peerBinaries(['aws']).aws!, g, token, dir)
  for (const args of [['s3', 'ls', 's3://people/'], ['s3', 'ls', 's3://people/docs/'], ['s3', 'ls', '--recursive', 's3://people']]) {
    const out = await aws(...args)
    assert.is(out.code, 0, `${args.join(' ')}: ${out.stderr}`)
    assert.not.match(out.stdout, LOCAL_PART)
  }
  const gcloud = gcloudCli(peerBinaries(['gcloud']).gcloud!, g, token, dir)
  for (const args of [['storage', 'ls', 'gs://people/'], ['storage', 'ls', 'gs://people/docs/'], ['storage', 'ls', '--recursive', 'gs://people']]) {
    const out = await gcloud(...args)
    assert.is(out.code, 0, `${args.join(' ')}: ${out.stderr}`)
    assert.not.match(out.stdout, LOCAL_PART)
  }
})

test.run()
