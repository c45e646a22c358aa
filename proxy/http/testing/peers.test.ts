// Smoke test of the real peers the HTTP gateway is tested against, driven by their real clients:
// kubectl against kube-apiserver (+ etcd, + the namespace controller), HTTPS and `gcloud storage` to
// fake-gcs-server, and `aws s3` against moto_server. Each client trusts only the peer's test CA.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { promisify } from 'node:util'
import { httpsGet } from './process.ts'
import { peerBinaries, startFakeGcs, startKube, startMoto } from './peers.ts'

const run = promisify(execFile)
const tools = peerBinaries(['kubectl', 'aws', 'gcloud'])
const scratch = mkdtempSync(join(tmpdir(), 'warden-peers-test-'))

/** The machine presets CA bundle variables that override a tool's own CA settings: set them to the peer's. */
function clientEnv(caFile: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const name of Object.keys(env)) if (/^(AWS_|CLOUDSDK_|KUBECONFIG$)/.test(name)) delete env[name]
  const ca = { REQUESTS_CA_BUNDLE: caFile, CURL_CA_BUNDLE: caFile, AWS_CA_BUNDLE: caFile, SSL_CERT_FILE: caFile, CLOUDSDK_CORE_CUSTOM_CA_CERTS_FILE: caFile }
  return { ...env, ...ca, ...extra }
}

test('kube-apiserver: kubectl lists, creates and deletes namespaces, RBAC applies, and a watch stays open', async () => {
  const kube = await startKube()
  try {
    const env = clientEnv(kube.caFile)
    const kubectl = (args: string[], token = kube.adminToken) =>
      run(tools.kubectl!, ['--kubeconfig', kube.kubeconfig(token), '--cache-dir', join(scratch, 'kube-cache'), ...args], { env, timeout: 120_000 })

    const listed = await kubectl(['get', 'namespaces', '-o', 'name'])
    assert.match(listed.stdout, 'namespace/default')

    await kubectl(['create', 'namespace', 'warden-smoke'])
    assert.match((await kubectl(['get', 'namespace', 'warden-smoke', '-o', 'name'])).stdout, 'namespace/warden-smoke')
    // Finishing a deletion needs the namespace controller in kube-controller-manager.
    await kubectl(['delete', 'namespace', 'warden-smoke', '--wait=true', '--timeout=90s'])
    assert.not.match((await kubectl(['get', 'namespaces', '-o', 'name'])).stdout, 'warden-smoke')

    const denied = await kubectl(['get', 'namespaces'], kube.limitedToken).then(() => '', (err: { stderr: string }) => err.stderr)
    assert.match(denied, /forbidden/i)

    const watch = spawn(tools.kubectl!, ['--kubeconfig', kube.kubeconfig(), '--cache-dir', join(scratch, 'kube-cache'), 'get', 'pods', '-n', 'default', '--watch', '-o', 'name'], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let seen = ''
    watch.stdout.on('data', (chunk) => (seen += chunk))
    try {
      await kubectl(['run', 'smoke', '-n', 'default', '--image=example.invalid/smoke', '--restart=Never'])
      for (let i = 0; i < 80 && !seen.includes('pod/smoke'); i++) await sleep(250)
      assert.match(seen, 'pod/smoke', 'the watch saw the pod created after it started')
      await sleep(2000)
      assert.is(watch.exitCode, null, 'the watch is still open')
    } finally {
      watch.kill()
    }
  } finally {
    await kube.stop()
  }
})

test('fake-gcs-server: lists buckets over HTTPS, to `gcloud storage` too, trusting its CA only', async () => {
  const gcs = await startFakeGcs({ buckets: ['warden-smoke'] })
  try {
    const answer = await httpsGet(`${gcs.url}/storage/v1/b`, gcs.caPem)
    assert.is(answer.status, 200)
    const names = (JSON.parse(answer.body).items ?? []).map((b: { name: string }) => b.name)
    assert.equal(names, ['warden-smoke'])

    writeFileSync(join(scratch, 'gcloud-token'), 'warden-test-token')
    const env = clientEnv(gcs.caFile, {
      CLOUDSDK_CONFIG: join(scratch, 'gcloud'), CLOUDSDK_CORE_PROJECT: 'warden-test', CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
      CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE: `${gcs.url}/`, CLOUDSDK_AUTH_ACCESS_TOKEN_FILE: join(scratch, 'gcloud-token'),
    })
    const listed = await run(tools.gcloud!, ['storage', 'ls'], { env, timeout: 120_000 })
    assert.match(listed.stdout, 'gs://warden-smoke/')
    const other = await startFakeGcs()
    try {
      const refused = await httpsGet(`${gcs.url}/storage/v1/b`, other.caPem).then(() => 'accepted', (err: Error) => err.message)
      assert.match(refused, /certificate|self.signed|verify/i, 'another CA is not trusted')
    } finally {
      await other.stop()
    }
  } finally {
    await gcs.stop()
  }
})

test('moto_server: `aws s3` makes and lists a bucket over HTTPS', async () => {
  const moto = await startMoto()
  try {
    const env = clientEnv(moto.caFile, {
      AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'us-east-1',
      AWS_CONFIG_FILE: join(scratch, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(scratch, 'none'), AWS_EC2_METADATA_DISABLED: 'true',
    })
    const aws = (args: string[]) => run(tools.aws!, [...args, '--endpoint-url', moto.url], { env, timeout: 120_000 })
    await aws(['s3', 'mb', 's3://warden-smoke'])
    const listed = await aws(['s3', 'ls'])
    assert.match(listed.stdout, 'warden-smoke')
  } finally {
    await moto.stop()
  }
})

test.after(() => rmSync(scratch, { recursive: true, force: true }))

test.run()
