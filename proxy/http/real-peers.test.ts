// The real clients through the gateway against the real peers (issue 7, item 9): kubectl against
// kube-apiserver (+ etcd + the namespace controller), the aws CLI through HTTPS_PROXY against moto_server,
// gcloud through HTTPS_PROXY and through an endpoint override against fake-gcs-server, and curl through both
// modes; gcloud set-iam-policy and functions deploy against a small local HTTPS API (no peer serves them).
// The gateway is the one the other proxy/http tests run (real engine, default policy, dev-issuer tokens); each peer trusts only its own test CA and each client only the gateway's.
// The peer programs come from scripts/ensure-peers.mjs (`npm test` builds them first); a missing one fails
// here with the message that says how to build it.
import { execFile, spawn } from 'node:child_process'
import { connect } from 'node:net'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { peerBinaries, startFakeGcs, startKube, startMoto, type KubePeer, type StoragePeer } from './testing/peers.ts'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'
import { motoTarget } from './testing/moto-target.ts'

const tools = peerBinaries(['kubectl', 'aws', 'gcloud'])
const dir = mkdtempSync(join(tmpdir(), 'warden-real-peers-'))
const motoLog = join(dir, 'moto-recording.jsonl')
const GATEWAY_KEY_ID = 'AKIDGATEWAYHELD0001'
const AGENT_KEY_ID = 'AKIDAGENTOWNKEY0001'

let kube: KubePeer
let moto: StoragePeer
let gcs: StoragePeer
let g: TestGateway
let token: string

interface Out { code: number; stdout: string; stderr: string }

const exec = (cmd: string, args: string[], env: NodeJS.ProcessEnv, timeout = 60_000) => new Promise<Out>((resolve) => {
  execFile(cmd, args, { env, timeout }, (err, stdout, stderr) => resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }))
})

/** A child whose outcome can be polled (done()) or awaited (result). */
function execFileOut(cmd: string, args: string[], env: NodeJS.ProcessEnv) {
  let finished: Out | undefined
  const result = exec(cmd, args, env, 120_000).then((o) => (finished = o))
  return { result, done: () => finished }
}

/** The machine presets CA bundle variables that override a tool's own settings: every one names `caFile`. */
function clientEnv(caFile: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const name of Object.keys(env)) if (/^(AWS_|CLOUDSDK_|KUBECONFIG$|https?_proxy$|HTTPS?_PROXY$|no_proxy$|NO_PROXY$)/.test(name)) delete env[name]
  return { ...env, HOME: dir, REQUESTS_CA_BUNDLE: caFile, CURL_CA_BUNDLE: caFile, AWS_CA_BUNDLE: caFile, SSL_CERT_FILE: caFile, ...extra }
}

test.before(async () => {
  ;[kube, moto, gcs] = await Promise.all([startKube(), startMoto({ recordTo: motoLog }), startFakeGcs({ buckets: ['warden-real'] })])
  const adminTokenFile = join(dir, 'kube-admin-token')
  writeFileSync(adminTokenFile, kube.adminToken, { mode: 0o600 })
  g = await startTestGateway((api) => [
    { name: 'prod-k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: kube.url, ca_file: kube.caFile, credential: { kind: 'bearer', token_file: adminTokenFile }, hosts: [] } },
    motoTarget(moto),
    { name: 'prod-gcp', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: gcs.url, ca_file: gcs.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'HELD_GCP' }, hosts: ['*.googleapis.com'] } },
    // The small local HTTPS API (the gateway helper's recording upstream) for Google APIs no peer serves.
    { name: 'prod-gcp-apis', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: api.url, ca_file: api.caFile, credential: { kind: 'bearer', token_env: 'HELD_GCP' }, hosts: ['cloudresourcemanager.googleapis.com', 'cloudfunctions.googleapis.com'] } },
  ], { tls: true, holdSeconds: 20, env: { HELD_AWS_ID: GATEWAY_KEY_ID, HELD_AWS_SECRET: 'gateway-held-secret', HELD_GCP: 'gcp-held-token' } })
  token = await g.agentToken()
  writeFileSync(join(dir, 'agent-token'), token)
})

test.after(async () => {
  await g?.close()
  await Promise.all([kube?.stop(), moto?.stop(), gcs?.stop()])
  rmSync(dir, { recursive: true, force: true })
})

// ---- kubectl against kube-apiserver, reverse mode ----

function gatewayKubeconfig(): string {
  const file = join(dir, 'kubeconfig-gateway')
  writeFileSync(file, `apiVersion: v1
kind: Config
clusters: [{ name: warden, cluster: { server: "${g.reverse.url}/t/prod-k8s", certificate-authority: "${g.ca.cert}" } }]
users: [{ name: agent, user: { token: "${token}" } }]
contexts: [{ name: warden, context: { cluster: warden, user: agent } }]
current-context: warden
`, { mode: 0o600 })
  return file
}

const kubeEnv = () => clientEnv(g.ca.bundle)
/** kubectl through the gateway as the agent. */
const kubectl = (...args: string[]) => exec(tools.kubectl!, ['--kubeconfig', gatewayKubeconfig(), '--cache-dir', join(dir, 'kube-cache-gw'), ...args], kubeEnv())
/** kubectl straight to the apiserver as admin, to set things up and look behind the gateway. */
const admin = async (...args: string[]) => {
  const out = await exec(tools.kubectl!, ['--kubeconfig', kube.kubeconfig(), '--cache-dir', join(dir, 'kube-cache-admin'), ...args], clientEnv(kube.caFile))
  if (out.code !== 0) throw new Error(`kubectl ${args.join(' ')} (admin, direct) failed: ${out.stderr}`)
  return out.stdout
}

interface KubeAudit { stage: string; userAgent?: string; user: { username: string }; verb: string; objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string } }
const apiserverSaw = (): KubeAudit[] => existsSync(kube.auditLog) ? readFileSync(kube.auditLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []

test('kubectl: setup of prod (namespace, pod, secret) directly against the apiserver', async () => {
  await admin('create', 'namespace', 'prod')
  await admin('run', 'web-1', '-n', 'prod', '--image=example.invalid/web', '--restart=Never')
  await admin('create', 'secret', 'generic', 'db-creds', '-n', 'prod', '--from-literal=password=hunter2-very-secret', '--from-literal=user=app')
})

test('kubectl get pods -A through the gateway is allowed; the apiserver sees the admin credential, not the agent', async () => {
  const before = apiserverSaw().length
  const out = await kubectl('get', 'pods', '-A', '-o', 'name')
  assert.is(out.code, 0, out.stderr)
  assert.match(out.stdout, 'pod/web-1')
  const lists = apiserverSaw().slice(before).filter((e) => e.verb === 'list' && e.objectRef?.resource === 'pods' && !e.objectRef.namespace && e.userAgent?.startsWith('kubectl'))
  assert.ok(lists.length > 0, 'the list reached the apiserver')
  assert.ok(lists.every((e) => e.user.username === 'admin'), 'authenticated as the gateway credential')
})

test('kubectl delete namespace prod is denied with the policy reason printed; the namespace still exists', async () => {
  const out = await kubectl('delete', 'namespace', 'prod')
  assert.ok(out.code !== 0, 'kubectl failed')
  assert.match(out.stderr, /Error from server \(Forbidden\): warden: denied: .*namespace/)
  assert.not.ok(apiserverSaw().some((e) => e.verb === 'delete' && e.objectRef?.resource === 'namespaces'), 'no delete reached the apiserver')
  assert.match(await admin('get', 'namespace', 'prod', '-o', 'jsonpath={.status.phase}'), 'Active')
})

test('kubectl get secret -o json returns masked data values', async () => {
  const out = await kubectl('get', 'secret', 'db-creds', '-n', 'prod', '-o', 'json')
  assert.is(out.code, 0, out.stderr)
  const secret = JSON.parse(out.stdout)
  assert.equal(Object.keys(secret.data).sort(), ['password', 'user'])
  const plain = Buffer.from('hunter2-very-secret').toString('base64')
  assert.not.match(out.stdout, plain)
  assert.not.match(out.stdout, 'hunter2')
  for (const value of Object.values(secret.data)) assert.not.equal(value, Buffer.from('app').toString('base64'))
  // The value really is in the apiserver.
  assert.is(await admin('get', 'secret', 'db-creds', '-n', 'prod', '-o', 'jsonpath={.data.password}'), plain)
})

test('kubectl exec is held: nothing reaches the apiserver until a reviewer approves, then it is forwarded', async () => {
  const child = spawn(tools.kubectl!, ['--kubeconfig', gatewayKubeconfig(), '--cache-dir', join(dir, 'kube-cache-gw'), 'exec', '-n', 'prod', 'web-1', '--', 'id'], { env: kubeEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (c) => (stderr += c))
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
  try {
    let id: string | undefined
    for (let i = 0; i < 120 && !id; i++) {
      id = (await g.te.approvals.list({ status: 'pending' })).find((a) => a.command.summary.includes('exec'))?.id
      if (!id) await sleep(250)
    }
    assert.ok(id, `the exec was held (kubectl stderr: ${stderr})`)
    await sleep(500)
    assert.is(child.exitCode, null, 'kubectl waits on the hold')
    const execs = () => apiserverSaw().filter((e) => e.objectRef?.subresource === 'exec')
    assert.is(execs().length, 0, 'nothing of the exec reached the apiserver before approval')
    await g.te.approvals.approve(id!, g.te.identity('alice', ['dba'], 'human'))
    const code = await Promise.race([exited, sleep(30_000).then(() => 'timeout')])
    assert.ok(code !== 'timeout', 'kubectl ended after approval')
    // No kubelet runs: the apiserver answers about the pod that has no node, after the upgrade reached it.
    assert.ok(code !== 0)
    assert.not.match(stderr, 'warden: denied')
    assert.ok(execs().length > 0, 'the exec reached the apiserver after approval')
    assert.ok(execs().every((e) => e.user.username === 'admin'))
  } finally {
    child.kill()
  }
})

test('kubectl get pods --watch stays open through the gateway and prints a pod created meanwhile', async () => {
  const watch = spawn(tools.kubectl!, ['--kubeconfig', gatewayKubeconfig(), '--cache-dir', join(dir, 'kube-cache-gw'), 'get', 'pods', '-n', 'prod', '--watch', '-o', 'name'], { env: kubeEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let seen = ''
  let stderr = ''
  watch.stdout.on('data', (c) => (seen += c))
  watch.stderr.on('data', (c) => (stderr += c))
  try {
    for (let i = 0; i < 80 && !seen.includes('pod/web-1'); i++) await sleep(250)
    assert.match(seen, 'pod/web-1', `the watch listed the existing pod (stderr: ${stderr})`)
    await sleep(2000)
    await admin('run', 'late-1', '-n', 'prod', '--image=example.invalid/late', '--restart=Never')
    for (let i = 0; i < 80 && !seen.includes('pod/late-1'); i++) await sleep(250)
    assert.match(seen, 'pod/late-1', 'the watch printed the pod created after it started')
    await sleep(1000)
    assert.is(watch.exitCode, null, `the watch is still open (stderr: ${stderr})`)
  } finally {
    watch.kill()
  }
})

// ---- aws CLI against moto_server, forward mode ----

const proxyUrl = (t = token) => g.proxy.url.replace('http://', `http://agent:${t}@`)
// Path-style S3 URLs (s3.amazonaws.com/<bucket>): the prod-aws target sends every host to the one moto url, so
// a bucket named only in a virtual host (<bucket>.s3.amazonaws.com) would not reach moto.
const awsConfig = join(dir, 'aws-config')
writeFileSync(awsConfig, '[default]\ns3 =\n    addressing_style = path\n')
const awsEnv = () => clientEnv(g.ca.bundle, {
  HTTPS_PROXY: proxyUrl(), https_proxy: proxyUrl(),
  AWS_ACCESS_KEY_ID: AGENT_KEY_ID, AWS_SECRET_ACCESS_KEY: 'agent-own-secret', AWS_DEFAULT_REGION: 'us-east-1',
  AWS_CONFIG_FILE: awsConfig, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_EC2_METADATA_DISABLED: 'true',
})
const aws = (...args: string[]) => exec(tools.aws!, args, awsEnv())

interface MotoSeen { method: string; url: string; headers: Record<string, string> }
const motoSaw = (): MotoSeen[] => existsSync(motoLog) ? readFileSync(motoLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []

test('aws s3 ls through HTTPS_PROXY is allowed; moto sees the gateway key id, never the agent one', async () => {
  // Node's fetch does not trust moto's CA: start recording with curl.
  const started = await exec('curl', ['-sS', '-X', 'POST', '--cacert', moto.caFile, `${moto.url}/moto-api/recorder/start-recording`], clientEnv(moto.caFile))
  assert.is(started.code, 0, started.stderr)
  // A bucket made directly at moto with its own test key.
  const direct = await exec(tools.aws!, ['s3', 'mb', 's3://warden-real-bucket', '--endpoint-url', moto.url], clientEnv(moto.caFile, {
    AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_EC2_METADATA_DISABLED: 'true',
  }))
  assert.is(direct.code, 0, direct.stderr)
  const before = motoSaw().length
  const out = await aws('s3', 'ls')
  assert.is(out.code, 0, out.stderr)
  assert.match(out.stdout, 'warden-real-bucket')
  const through = motoSaw().slice(before)
  assert.ok(through.length > 0, 'the listing reached moto')
  for (const r of through) {
    assert.match(r.headers.Authorization ?? r.headers.authorization ?? '', `Credential=${GATEWAY_KEY_ID}/`)
    assert.not.match(JSON.stringify(r), AGENT_KEY_ID)
  }
})

test('aws iam create-user is denied with the reason printed; nothing reaches moto', async () => {
  const before = motoSaw().length
  const out = await aws('iam', 'create-user', '--user-name', 'mallory')
  assert.ok(out.code !== 0)
  assert.match(out.stderr, /\(AccessDenied\) when calling the CreateUser operation: warden: denied: /)
  assert.is(motoSaw().length, before)
})

test('aws s3 rb is denied by the default policy (deletes in production): the bucket stays', async () => {
  const out = await aws('s3', 'rb', 's3://warden-real-bucket')
  assert.ok(out.code !== 0)
  assert.match(out.stderr, /\(AccessDenied\) when calling the DeleteBucket operation: warden: denied: .*deletes cloud resources/)
  assert.not.ok(motoSaw().some((r) => r.method === 'DELETE'), 'no delete reached moto')
})

test('aws s3 mb is held, and completes once a reviewer approves; moto sees the gateway key', async () => {
  const child = spawn(tools.aws!, ['s3', 'mb', 's3://warden-held-bucket'], { env: awsEnv(), stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c) => (stdout += c))
  child.stderr.on('data', (c) => (stderr += c))
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
  const creates = () => motoSaw().filter((r) => r.method === 'PUT' && r.url.includes('warden-held-bucket'))
  try {
    let id: string | undefined
    for (let i = 0; i < 120 && !id; i++) {
      id = (await g.te.approvals.list({ status: 'pending' })).find((a) => a.command.summary.includes('warden-held-bucket'))?.id
      if (!id) await sleep(250)
    }
    assert.ok(id, `the create was held (aws stderr: ${stderr}; pending: ${JSON.stringify((await g.te.approvals.list({ status: 'pending' })).map((a) => a.command.summary))})`)
    await sleep(500)
    assert.is(child.exitCode, null, 'aws waits on the hold')
    assert.is(creates().length, 0, 'nothing reached moto before approval')
    await g.te.approvals.approve(id!, g.te.identity('alice', ['dba'], 'human'))
    const code = await Promise.race([exited, sleep(30_000).then(() => 'timeout')])
    assert.is(code, 0, stderr)
    assert.match(stdout, 'make_bucket: warden-held-bucket')
    assert.is(creates().length, 1, JSON.stringify(motoSaw().slice(-3).map((r) => [r.method, r.url, r.headers.Host ?? r.headers.host])))
    assert.match(creates()[0]!.headers.Authorization ?? creates()[0]!.headers.authorization ?? '', `Credential=${GATEWAY_KEY_ID}/`)
    assert.not.match(JSON.stringify(motoSaw()), AGENT_KEY_ID)
    assert.match((await aws('s3', 'ls')).stdout, 'warden-held-bucket')
  } finally {
    child.kill()
  }
})

test('aws s3 cp of a 5 MiB file streams through the gateway (held, approved); the object at moto matches byte for byte', async () => {
  const file = join(dir, 'upload-5mib.bin')
  const data = Buffer.alloc(5 * 1024 * 1024)
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >> 12)) & 0xff
  writeFileSync(file, data)
  const child = execFileOut(tools.aws!, ['s3', 'cp', file, 's3://warden-real-bucket/upload-5mib.bin'], awsEnv())
  let id: string | undefined
  for (let i = 0; i < 120 && !id && child.done() === undefined; i++) {
    id = (await g.te.approvals.list({ status: 'pending' })).find((a) => a.command.summary.includes('upload-5mib.bin'))?.id
    if (!id) await sleep(250)
  }
  assert.ok(id, `the upload was held (aws: ${JSON.stringify(child.done())})`)
  await g.te.approvals.approve(id!, g.te.identity('alice', ['dba'], 'human'))
  const out = await child.result
  assert.is(out.code, 0, out.stderr)
  const put = motoSaw().filter((r) => r.method === 'PUT' && r.url.includes('upload-5mib.bin'))
  assert.is(put.length, 1)
  assert.match(put[0]!.headers.Authorization ?? put[0]!.headers.authorization ?? '', `Credential=${GATEWAY_KEY_ID}/`)
  // Read it back straight from moto, with moto's own test key.
  const back = join(dir, 'download-5mib.bin')
  const direct = await exec(tools.aws!, ['s3', 'cp', 's3://warden-real-bucket/upload-5mib.bin', back, '--endpoint-url', moto.url], clientEnv(moto.caFile, {
    AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_EC2_METADATA_DISABLED: 'true',
  }))
  assert.is(direct.code, 0, direct.stderr)
  assert.ok(readFileSync(back).equals(data), 'the object stored at moto is the file uploaded')
  const event = [...g.te.audit.events].reverse().find((e) => e.type === 'request' && e.method === 'PUT' && String(e.url).includes('upload-5mib.bin'))!
  assert.is(event.status, 200)
  assert.ok(Number(event.bytes_in) > data.length, 'the aws-chunked body (data plus framing) went through')
})

// ---- gcloud against fake-gcs-server ----

const gcloudEnv = (extra: NodeJS.ProcessEnv) => clientEnv(g.ca.bundle, {
  CLOUDSDK_CONFIG: join(dir, 'gcloud'), CLOUDSDK_CORE_DISABLE_PROMPTS: '1', CLOUDSDK_CORE_PROJECT: 'warden-test', ...extra,
})

test('gcloud storage ls through HTTPS_PROXY is allowed', async () => {
  const out = await exec(tools.gcloud!, ['storage', 'ls', '--access-token-file', join(dir, 'agent-token')], gcloudEnv({ HTTPS_PROXY: proxyUrl(), https_proxy: proxyUrl() }), 120_000)
  assert.is(out.code, 0, out.stderr)
  assert.match(out.stdout, 'gs://warden-real/')
})

test('gcloud storage ls through the reverse route (CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE) is allowed', async () => {
  const out = await exec(tools.gcloud!, ['storage', 'ls', '--access-token-file', join(dir, 'agent-token')], gcloudEnv({ CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE: `${g.reverse.url}/t/prod-gcp/storage/v1/` }), 120_000)
  assert.is(out.code, 0, out.stderr)
  assert.match(out.stdout, 'gs://warden-real/')
})

test('gcloud storage ls with no valid token is refused', async () => {
  writeFileSync(join(dir, 'bad-token'), 'not-a-jwt')
  const out = await exec(tools.gcloud!, ['storage', 'ls', '--access-token-file', join(dir, 'bad-token')], gcloudEnv({ CLOUDSDK_API_ENDPOINT_OVERRIDES_STORAGE: `${g.reverse.url}/t/prod-gcp/storage/v1/` }), 120_000)
  assert.ok(out.code !== 0)
  assert.match(out.stderr, /401|[Uu]nauthori[sz]ed|token/)
})

test('gcloud projects set-iam-policy through HTTPS_PROXY is denied with the reason; nothing reaches the API', async () => {
  const policy = join(dir, 'iam-policy.json')
  writeFileSync(policy, JSON.stringify({ bindings: [{ role: 'roles/owner', members: ['user:mallory@example.com'] }], etag: 'BwE=' }))
  const before = g.upstream.seen.length
  const out = await exec(tools.gcloud!, ['projects', 'set-iam-policy', 'warden-test', policy, '--access-token-file', join(dir, 'agent-token')], gcloudEnv({ HTTPS_PROXY: proxyUrl(), https_proxy: proxyUrl() }), 120_000)
  assert.ok(out.code !== 0)
  assert.match(out.stderr, /warden: denied: .*setIamPolicy.*changes IAM/i)
  assert.not.ok(g.upstream.seen.slice(before).some((s) => s.url.includes('setIamPolicy')), 'no setIamPolicy reached the API')
})

test('gcloud functions deploy through HTTPS_PROXY is held; rejected, it fails naming the approval and nothing is created', async () => {
  const source = join(dir, 'fn')
  mkdirSync(source, { recursive: true })
  writeFileSync(join(source, 'main.py'), 'def hello(request):\n    return "hi"\n')
  writeFileSync(join(source, 'requirements.txt'), '')
  // The API knows no function yet; anything else it is asked is recorded and answered with an empty object.
  g.route = (req, res) => {
    if (req.method === 'GET' && req.url.includes('/runtimes')) return json(res, { runtimes: [{ name: 'python312', displayName: 'Python 3.12', stage: 'GA', environment: 'GEN_2' }] })
    if (req.method === 'GET') return json(res, { error: { code: 404, message: 'not found', status: 'NOT_FOUND' } }, 404)
    json(res, {})
  }
  const before = g.upstream.seen.length
  const child = execFileOut(tools.gcloud!, ['functions', 'deploy', 'hello', '--gen2', '--runtime', 'python312', '--trigger-http', '--region', 'us-central1', '--entry-point', 'hello', '--source', source, '--access-token-file', join(dir, 'agent-token')], gcloudEnv({ HTTPS_PROXY: proxyUrl(), https_proxy: proxyUrl() }))
  let id: string | undefined
  for (let i = 0; i < 240 && !id && child.done() === undefined; i++) {
    id = (await g.te.approvals.list({ status: 'pending' })).find((a) => a.command.summary.includes('cloudfunctions.googleapis.com'))?.id
    if (!id) await sleep(250)
  }
  assert.ok(id, `the deploy was held (gcloud: ${JSON.stringify(child.done())}; the API saw ${JSON.stringify(g.upstream.seen.slice(before).map((s) => `${s.method} ${s.url}`))})`)
  await g.te.approvals.reject(id!, g.te.identity('alice', ['dba'], 'human'))
  const out = await child.result
  assert.ok(out.code !== 0)
  assert.match(out.stderr, id!, out.stderr)
  assert.not.ok(g.upstream.seen.slice(before).some((s) => s.method !== 'GET'), 'nothing but reads reached the API')
})

// ---- curl through both modes, token failures ----

const curl = (args: string[]) => exec('curl', ['-sS', '-o', '-', '-w', '\n%{http_code}', ...args], clientEnv(g.ca.bundle))
/** A CONNECT to the forward proxy by hand: the whole answer it sends before closing (or within 3 s). */
function rawConnect(authority: string, bearer?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(g.proxy.address.port, '127.0.0.1', () => {
      s.write(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${bearer ? `Proxy-Authorization: Bearer ${bearer}\r\n` : ''}\r\n`)
    })
    let out = ''
    s.setEncoding('utf8')
    s.on('data', (c: string) => (out += c))
    s.on('close', () => resolve(out))
    s.on('error', reject)
    setTimeout(() => s.destroy(), 3000)
  })
}
const status = (out: Out) => Number(out.stdout.trim().split('\n').at(-1))

test('curl: reverse and forward modes reach fake-gcs-server with a valid token', async () => {
  const rev = await curl(['-H', `authorization: Bearer ${token}`, `${g.reverse.url}/t/prod-gcp/storage/v1/b?project=warden-test`])
  assert.is(status(rev), 200, rev.stdout + rev.stderr)
  assert.match(rev.stdout, '"warden-real"')
  const fwd = await curl(['--proxy', g.proxy.url, '--proxy-header', `proxy-authorization: Bearer ${token}`, 'https://storage.googleapis.com/storage/v1/b?project=warden-test'])
  assert.is(status(fwd), 200, fwd.stdout + fwd.stderr)
  assert.match(fwd.stdout, '"warden-real"')
})

test('curl: missing, expired and wrong-audience tokens get 401 (reverse) and 407 (forward) with a reason', async () => {
  const expired = await g.te.token('cursor', ['agents'], { ttlSeconds: 60, now: Math.floor(Date.now() / 1000) - 3600 })
  const wrongAud = await g.te.token('cursor', ['agents'], { audience: 'someone-else' })
  const cases: [string, string | undefined, RegExp][] = [
    ['missing', undefined, /token|authori[sz]ation|bearer/i],
    ['expired', expired, /exp/i],
    ['wrong audience', wrongAud, /aud/i],
  ]
  for (const [what, t, reason] of cases) {
    const rev = await curl([...(t ? ['-H', `authorization: Bearer ${t}`] : []), `${g.reverse.url}/t/prod-gcp/storage/v1/b?project=warden-test`])
    assert.is(status(rev), 401, `reverse, ${what}: ${rev.stdout}`)
    assert.match(rev.stdout, reason, `reverse, ${what}`)
    // curl fails on a 407 to CONNECT (its -v shows the status) and does not print the body: read it raw too.
    const fwd = await exec('curl', ['-sS', '-v', '--proxy', g.proxy.url, ...(t ? ['--proxy-header', `proxy-authorization: Bearer ${t}`] : []), 'https://storage.googleapis.com/storage/v1/b'], clientEnv(g.ca.bundle))
    assert.ok(fwd.code !== 0, `forward, ${what}`)
    assert.match(fwd.stderr, /< HTTP\/1\.1 407/, `forward, ${what}`)
    const raw = await rawConnect('storage.googleapis.com:443', t)
    assert.match(raw, /^HTTP\/1\.1 407/, `forward raw, ${what}`)
    assert.match(raw.slice(raw.indexOf('\r\n\r\n')), reason, `forward raw, ${what}: the reason`)
  }
})

test.run()
