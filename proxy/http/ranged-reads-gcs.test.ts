// A ranged read of an object under masks, with real gcloud and curl through the gateway to fake-gcs-server. gcloud
// storage cp asks for bytes=0-<stored size - 1> and resumes from the byte count it got until it has the stored
// size. The gateway used to drop Range and answer the whole masked object (5.5 MiB of a 10 MiB one): gcloud
// resumed, got the whole object again past its offset and failed with "Cannot have start index greater than
// total size". Now the first answer is the whole masked object (the range covered it), the resume (a range from
// byte 5777892) is refused with 403, which gcloud does not retry (it retried a 400 for minutes), and gcloud fails.
// It prints only `HTTPError 403`: it streams a download's error body into its temporary file; curl shows the
// reason, which the audit trail records too.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { peerBinaries, startFakeGcs, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

const tools = peerBinaries(['gcloud'])
const dir = mkdtempSync(join(tmpdir(), 'warden-ranged-gcs-'))
const LINE = 'row,jane.doe@example.com,AKIAIOSFODNN7EXAMPLE,postgres://app:s3cret-Pa55word@db.internal:5432/app\n'
const OBJECT = LINE.repeat(Math.ceil(10 * 1024 * 1024 / LINE.length))
const REASON = /ranged reads are refused where masks apply/
let gcs: StoragePeer
let g: TestGateway
let token: string

test.before(async () => {
  gcs = await startFakeGcs({ buckets: ['ranged'] })
  g = await startTestGateway(() => [{
    name: 'staging-gcp', kind: 'gcp', environment: 'staging', labels: {},
    upstream_http: { url: gcs.url, ca_file: gcs.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'HELD_GCP' }, hosts: ['storage.googleapis.com'] },
  }], { holdSeconds: 1, env: { HELD_GCP: 'gcp-held-token' } })
  token = await g.agentToken()
  writeFileSync(join(dir, 'agent-token'), token)
  writeFileSync(join(dir, 'big.csv'), OBJECT)
  await new Promise<void>((resolve, reject) => execFile('curl', ['-sS', '-X', 'POST', '--cacert', gcs.caFile, '-H', 'content-type: text/csv', '--data-binary', `@${join(dir, 'big.csv')}`, `${gcs.url}/upload/storage/v1/b/ranged/o?uploadType=media&name=big.csv`], (err) => err ? reject(err) : resolve()))
})
test.after(async () => {
  await g?.close()
  await gcs?.stop()
  rmSync(dir, { recursive: true, force: true })
})

const gcloud = (...args: string[]) => new Promise<{ code: number; stderr: string }>((resolve) => {
  const env = { ...process.env }
  for (const name of Object.keys(env)) if (/^(CLOUDSDK_|https?_proxy$|HTTPS?_PROXY$|no_proxy$|NO_PROXY$)/.test(name)) delete env[name]
  const proxy = g.proxy.url.replace('http://', `http://agent:${token}@`)
  Object.assign(env, { HOME: dir, HTTPS_PROXY: proxy, https_proxy: proxy, REQUESTS_CA_BUNDLE: g.ca.bundle, SSL_CERT_FILE: g.ca.bundle, CLOUDSDK_CONFIG: join(dir, 'gcloud'), CLOUDSDK_CORE_DISABLE_PROMPTS: '1', CLOUDSDK_CORE_PROJECT: 'warden-test', CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE: g.ca.bundle })
  execFile(tools.gcloud!, [...args, '--access-token-file', join(dir, 'agent-token')], { env, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, _stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stderr }))
})

/** curl through the gateway's forward proxy as the agent: status and body. */
const curl = (...args: string[]) => new Promise<{ status: number; body: string }>((resolve, reject) => execFile('curl', [
  '-sS', '-w', '\n%{http_code}', '-x', g.proxy.url.replace('http://', `http://agent:${token}@`), '--cacert', g.ca.bundle,
  '-H', `authorization: Bearer ${token}`, ...args, 'https://storage.googleapis.com/download/storage/v1/b/ranged/o/big.csv?alt=media',
], { maxBuffer: 64 * 1024 * 1024 }, (err, out) => {
  if (err) return reject(err)
  const cut = out.lastIndexOf('\n')
  resolve({ status: Number(out.slice(cut + 1)), body: out.slice(0, cut) })
}))

test('gcloud storage cp of a masked 10 MiB object fails at once with the 403 (not retried for minutes); no file is written', async () => {
  const file = join(dir, 'copy.csv')
  const mark = g.te.judged.length
  const out = await gcloud('storage', 'cp', 'gs://ranged/big.csv', file)
  assert.ok(out.code !== 0, 'gcloud failed')
  // gcloud reads a download's error body into its download, not its message: it prints the status alone.
  assert.match(out.stderr, 'HTTPError 403', out.stderr.split('ERROR').slice(1).join(' | ').slice(0, 1500))
  // Not retried: a refusal gcloud retries (a 400 was) asks for the object dozens of times.
  const downloads = g.te.judged.slice(mark).filter((j) => j.text.includes('big.csv') && j.text.includes('alt=media'))
  assert.ok(downloads.length >= 1 && downloads.length <= 3, `downloads asked: ${downloads.map((j) => `${j.effect} ${j.text}`).join(' | ')}`)
  assert.not.ok(existsSync(file), 'no file at the destination')
})

test('curl with the range gcloud asks (bytes=0-<size - 1>) gets the whole masked object; a range past byte 0 is a 403 in Google\'s format', async () => {
  const whole = await curl()
  assert.is(whole.status, 200)
  assert.not.match(whole.body, 'jane.doe')
  assert.ok(whole.body.length !== OBJECT.length, `masked: ${whole.body.length}`)
  const covering = await curl('-r', `0-${OBJECT.length - 1}`)
  assert.is(covering.status, 200)
  assert.ok(covering.body === whole.body, 'the range that covers the object answers the whole masked object')
  for (const range of ['100-199', '0-99', `${whole.body.length}-`]) {
    const part = await curl('-r', range)
    assert.is(part.status, 403, `${range}: ${part.body.slice(0, 300)}`)
    const error = JSON.parse(part.body).error
    assert.is(error.status, 'PERMISSION_DENIED')
    assert.match(error.message, REASON)
    assert.not.match(part.body, 'jane.doe')
  }
})

test.run()
