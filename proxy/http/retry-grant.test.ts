// An approval's grant covers the real client's next run of the same command, and only that: the aws CLI (Secrets
// Manager, an AWS JSON API, and S3) against moto, kubectl against kube-apiserver and gcloud against
// fake-gcs-server, each through the gateway with the default policy, under both approval scopes (statement,
// fingerprint). A command is held, a reviewer approves it while the client waits, the same command run again is
// allowed without a hold and reaches the peer, and another operation on the same thing is still held.
import { execFile, spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { JudgeRequest } from '../../engine/gateway.ts'
import { peerBinaries, startFakeGcs, startKube, startMoto, type KubePeer, type StoragePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { HELD_AWS_ENV, motoCurl, motoTarget } from './testing/moto-target.ts'

const tools = peerBinaries(['kubectl', 'aws', 'gcloud'])
const dir = mkdtempSync(join(tmpdir(), 'warden-retry-grant-'))
const scopes = ['statement', 'fingerprint'] as const
type Scope = (typeof scopes)[number]

let kube: KubePeer
let moto: StoragePeer
let gcs: StoragePeer
const gateways = new Map<Scope, { g: TestGateway; token: string; seen: Seen[] }>()

/** What the engine judged, as the client sent it: to say which part of a retry differs from the approved send. */
interface Seen { method: string; url: string; headers: Record<string, string>; body: string; effect: string }

interface Out { code: number; stdout: string; stderr: string }

function clientEnv(caFile: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env }
  for (const name of Object.keys(env)) if (/^(AWS_|CLOUDSDK_|KUBECONFIG$|https?_proxy$|HTTPS?_PROXY$|no_proxy$|NO_PROXY$)/.test(name)) delete env[name]
  return { ...env, HOME: dir, REQUESTS_CA_BUNDLE: caFile, CURL_CA_BUNDLE: caFile, AWS_CA_BUNDLE: caFile, SSL_CERT_FILE: caFile, ...extra }
}

/** Runs a client; resolves when it ends. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): { result: Promise<Out>; kill(): void } {
  // Its own process group: gcloud is a script that starts python, and a kill must reach both.
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c) => (stdout += c))
  child.stderr.on('data', (c) => (stderr += c))
  const kill = () => {
    try {
      process.kill(-child.pid!)
    } catch {
      // The group has ended already.
    }
  }
  const timer = setTimeout(kill, 120_000)
  const result = new Promise<Out>((resolve) => child.on('close', (code) => {
    clearTimeout(timer)
    resolve({ code: code ?? -1, stdout, stderr })
  }))
  return { result, kill }
}

test.before(async () => {
  ;[kube, moto, gcs] = await Promise.all([startKube(), startMoto(), startFakeGcs({ buckets: ['warden-retry'] })])
  const adminTokenFile = join(dir, 'kube-admin-token')
  writeFileSync(adminTokenFile, kube.adminToken, { mode: 0o600 })
  for (const scope of scopes) {
    const g = await startTestGateway(() => [
      { name: 'prod-k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: kube.url, ca_file: kube.caFile, credential: { kind: 'bearer', token_file: adminTokenFile }, hosts: [] } },
      motoTarget(moto),
      { name: 'prod-gcp', kind: 'gcp', environment: 'production', labels: {}, upstream_http: { url: gcs.url, ca_file: gcs.caFile, api_host: 'storage.googleapis.com', credential: { kind: 'bearer', token_env: 'HELD_GCP' }, hosts: ['*.googleapis.com'] } },
    ], { tls: true, holdSeconds: 30, settings: { approval_scope: scope }, env: { ...HELD_AWS_ENV, HELD_GCP: 'gcp-held-token' } })
    const seen: Seen[] = []
    const judge = g.te.engine.judge
    g.te.engine.judge = (request: JudgeRequest) => {
      const j = judge(request)
      if (request.kind === 'http') {
        const r = request.request
        const headers = Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]))
        const body = r.body === undefined ? '' : typeof r.body === 'string' ? r.body : Buffer.from(r.body).toString('utf8')
        seen.push({ method: String(r.method), url: String(r.url), headers, body, effect: j.decision.effect })
      }
      return j
    }
    const token = await g.agentToken()
    writeFileSync(join(dir, `agent-token-${scope}`), token)
    gateways.set(scope, { g, token, seen })
  }
  // What the commands act on, made directly at the peers.
  await motoCurl(moto, 'secretsmanager', 'POST', '/', ['-H', 'x-amz-target: secretsmanager.CreateSecret', '-H', 'content-type: application/x-amz-json-1.1', '--data', '{"Name":"db","SecretString":"hunter2"}'])
  await motoCurl(moto, 's3', 'PUT', '/warden-retry-bucket')
  const kubeAdmin = (...args: string[]) => new Promise<void>((resolve, reject) => execFile(tools.kubectl!, ['--kubeconfig', kube.kubeconfig(), ...args], { env: clientEnv(kube.caFile) }, (err, _o, stderr) => (err ? reject(new Error(stderr)) : resolve())))
  await kubeAdmin('create', 'namespace', 'prod')
  for (const scope of scopes) await kubeAdmin('create', 'configmap', `settings-${scope}`, '-n', 'prod', '--from-literal=mode=a')
})

test.after(async () => {
  for (const { g } of gateways.values()) await g.close()
  await Promise.all([kube?.stop(), moto?.stop(), gcs?.stop()])
  rmSync(dir, { recursive: true, force: true })
})

/** The parts of two judged sends that differ (headers, URL, body). */
function differences(a: Seen, b: Seen): string[] {
  const out: string[] = []
  if (a.url !== b.url) out.push(`url: ${a.url} | ${b.url}`)
  if (a.body !== b.body) out.push(`body: ${a.body.slice(0, 300)} | ${b.body.slice(0, 300)}`)
  for (const name of new Set([...Object.keys(a.headers), ...Object.keys(b.headers)])) {
    if (name === 'authorization' || name === 'proxy-authorization') continue
    if (a.headers[name] !== b.headers[name]) out.push(`${name}: ${a.headers[name]} | ${b.headers[name]}`)
  }
  return out
}

interface Client { scope: Scope; env: () => NodeJS.ProcessEnv; cmd: string; args: (scope: Scope) => string[] }

/** Waits for the pending approval whose summary includes `needle`, up to 60 s, while the client still runs. */
async function pendingId(g: TestGateway, needle: string, child: { result: Promise<Out> }): Promise<string | undefined> {
  let ended = false
  void child.result.then(() => (ended = true))
  for (let i = 0; i < 240 && !ended; i++) {
    const id = (await g.te.approvals.list({ status: 'pending' })).find((a) => a.command.summary.includes(needle))?.id
    if (id) return id
    await sleep(250)
  }
  return undefined
}

/**
 * Runs `args` held: a reviewer approves while the client waits. Then runs them again: allowed, not held. Answers
 * both outcomes; `needle` finds the held request's summary.
 */
async function approveThenRerun(scope: Scope, cmd: string, args: string[], env: NodeJS.ProcessEnv, needle: string) {
  const { g, seen } = gateways.get(scope)!
  const child = run(cmd, args, env)
  const id = await pendingId(g, needle, child)
  if (!id) {
    child.kill()
    const out = await child.result
    assert.unreachable(`${cmd} ${args.join(' ')} was not held (exit ${out.code}: ${out.stderr})`)
  }
  await g.approve(id!)
  const first = await child.result
  const approvedAt = seen.length
  const pendingBefore = (await g.te.approvals.list({ status: 'pending' })).length
  const retry = run(cmd, args, env)
  // A retry that is held again shows up as a pending request: say which part of the send differs, then stop it.
  const again = await pendingId(g, needle, retry)
  if (again) {
    retry.kill()
    await retry.result
    const approved = [...seen.slice(0, approvedAt)].reverse().find((s) => s.effect === 'approve')!
    const held = seen.slice(approvedAt).find((s) => s.effect === 'approve')!
    assert.unreachable(`${scope}: the re-run of ${cmd} ${args.join(' ')} was held again; the sends differ in ${JSON.stringify(differences(approved, held))}`)
  }
  const second = await retry.result
  assert.is((await g.te.approvals.list({ status: 'pending' })).length, pendingBefore)
  assert.not.match(second.stderr, 'warden:', 'the gateway let the re-run through')
  return { first, second, judged: seen.slice(approvedAt) }
}

/** Runs `args` and answers whether it was held (a pending request appeared), rejecting it so the client ends. */
async function isHeld(scope: Scope, cmd: string, args: string[], env: NodeJS.ProcessEnv, needle: string): Promise<boolean> {
  const { g } = gateways.get(scope)!
  const child = run(cmd, args, env)
  const id = await pendingId(g, needle, child)
  if (id) await g.te.approvals.reject(id, g.te.identity('alice', ['dba'], 'human'))
  const out = await child.result
  assert.ok(id, `${cmd} ${args.join(' ')} was not held (exit ${out.code}: ${out.stderr})`)
  assert.ok(out.code !== 0, 'the rejected command failed')
  return true
}

// ---- aws CLI against moto: Secrets Manager (AWS JSON, the operation in X-Amz-Target) and S3 ----

const awsConfig = join(dir, 'aws-config')
writeFileSync(awsConfig, '[default]\ns3 =\n    addressing_style = path\n')
const awsEnv = (scope: Scope) => {
  const { g, token } = gateways.get(scope)!
  const proxy = g.proxy.url.replace('http://', `http://agent:${token}@`)
  return clientEnv(g.ca.bundle, {
    HTTPS_PROXY: proxy, https_proxy: proxy,
    AWS_ACCESS_KEY_ID: 'AKIDAGENTOWNKEY0001', AWS_SECRET_ACCESS_KEY: 'agent-own-secret', AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: awsConfig, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_EC2_METADATA_DISABLED: 'true',
  })
}

for (const scope of scopes) {
  test(`aws secretsmanager get-secret-value (${scope} grant): held, approved, the same command again is allowed; another operation is still held`, async () => {
    const args = ['secretsmanager', 'get-secret-value', '--secret-id', 'db', '--query', 'Name', '--output', 'text']
    const { first, second, judged } = await approveThenRerun(scope, tools.aws!, args, awsEnv(scope), 'secretsmanager')
    assert.is(first.code, 0, first.stderr)
    assert.is(second.code, 0, second.stderr)
    assert.is(second.stdout.trim(), 'db')
    assert.ok(judged.some((s) => s.headers['x-amz-target'] === 'secretsmanager.GetSecretValue' && s.effect === 'allow'))
    assert.ok(await isHeld(scope, tools.aws!, ['secretsmanager', 'put-secret-value', '--secret-id', 'db', '--secret-string', 'x'], awsEnv(scope), 'secretsmanager'), 'PutSecretValue is still held')
  })

  test(`aws secretsmanager put-secret-value (${scope} grant): held, approved, the same command again is allowed`, async () => {
    const args = ['secretsmanager', 'put-secret-value', '--secret-id', 'db', '--secret-string', `v-${scope}`]
    const { first, second } = await approveThenRerun(scope, tools.aws!, args, awsEnv(scope), 'secretsmanager')
    assert.is(first.code, 0, first.stderr)
    assert.is(second.code, 0, second.stderr)
  })

  test(`aws s3 cp (${scope} grant): held, approved, the same upload again is allowed and reaches moto; with an ACL it is still held`, async () => {
    const file = join(dir, `report-${scope}.csv`)
    writeFileSync(file, 'a,b\n1,2\n')
    const target = `s3://warden-retry-bucket/report-${scope}.csv`
    const { first, second, judged } = await approveThenRerun(scope, tools.aws!, ['s3', 'cp', file, target], awsEnv(scope), `report-${scope}.csv`)
    assert.is(first.code, 0, first.stderr)
    assert.is(second.code, 0, second.stderr)
    assert.ok(judged.some((s) => s.method === 'PUT' && s.effect === 'allow'))
    assert.ok(await isHeld(scope, tools.aws!, ['s3', 'cp', file, target, '--acl', 'bucket-owner-full-control'], awsEnv(scope), `report-${scope}.csv`), 'the upload with an ACL is still held')
  })
}

// ---- kubectl against kube-apiserver, reverse mode ----

const kubectl = (scope: Scope) => {
  const { g, token } = gateways.get(scope)!
  const file = join(dir, `kubeconfig-${scope}`)
  writeFileSync(file, `apiVersion: v1
kind: Config
clusters: [{ name: warden, cluster: { server: "${g.reverse.url}/t/prod-k8s", certificate-authority: "${g.ca.cert}" } }]
users: [{ name: agent, user: { token: "${token}" } }]
contexts: [{ name: warden, context: { cluster: warden, user: agent } }]
current-context: warden
`, { mode: 0o600 })
  return ['--kubeconfig', file, '--cache-dir', join(dir, `kube-cache-${scope}`)]
}

for (const scope of scopes) {
  // kubectl patch sends the patch given (label, annotate and apply send what differs from the object they read).
  test(`kubectl patch (${scope} grant): held, approved, the same command again is allowed; a delete is still held`, async () => {
    const name = `settings-${scope}`
    const env = clientEnv(gateways.get(scope)!.g.ca.bundle)
    const args = [...kubectl(scope), 'patch', 'configmap', name, '-n', 'prod', '--type', 'merge', '-p', '{"data":{"mode":"b"}}']
    const { first, second, judged } = await approveThenRerun(scope, tools.kubectl!, args, env, name)
    assert.is(first.code, 0, first.stderr)
    assert.is(second.code, 0, second.stderr)
    assert.ok(judged.some((s) => s.method === 'PATCH' && s.effect === 'allow'))
    assert.ok(await isHeld(scope, tools.kubectl!, [...kubectl(scope), 'delete', 'configmap', name, '-n', 'prod'], env, name), 'the delete is still held')
  })
}

// ---- gcloud against fake-gcs-server, forward mode ----

const gcloudEnv = (scope: Scope) => {
  const { g, token } = gateways.get(scope)!
  const proxy = g.proxy.url.replace('http://', `http://agent:${token}@`)
  return clientEnv(g.ca.bundle, { HTTPS_PROXY: proxy, https_proxy: proxy, CLOUDSDK_CONFIG: join(dir, `gcloud-${scope}`), CLOUDSDK_CORE_DISABLE_PROMPTS: '1', CLOUDSDK_CORE_PROJECT: 'warden-test' })
}

for (const scope of scopes) {
  test(`gcloud storage buckets create (${scope} grant): held, approved, the same command again is allowed; a bucket update is still held`, async () => {
    const token = join(dir, `agent-token-${scope}`)
    const args = ['storage', 'buckets', 'create', `gs://retry-${scope}`, '--access-token-file', token]
    const { first, second, judged } = await approveThenRerun(scope, tools.gcloud!, args, gcloudEnv(scope), 'storage')
    assert.is(first.code, 0, first.stderr)
    assert.ok(judged.some((s) => s.method === 'POST' && s.effect === 'allow'), second.stderr)
    assert.ok(await isHeld(scope, tools.gcloud!, ['storage', 'buckets', 'update', `gs://retry-${scope}`, '--versioning', '--access-token-file', token], gcloudEnv(scope), 'storage'), 'the update is still held')
  })

}

// gcloud uploads a small file as multipart/related with a random boundary: each run sends another body, which a
// statement grant does not cover. A fingerprint grant does.
for (const scope of ['fingerprint'] as const) {
  test(`gcloud storage cp (${scope} grant): held, approved, the same upload again is allowed`, async () => {
    const file = join(dir, `upload-${scope}.txt`)
    writeFileSync(file, 'hello\n')
    const args = ['storage', 'cp', file, `gs://warden-retry/upload-${scope}.txt`, '--access-token-file', join(dir, `agent-token-${scope}`)]
    const { first, second } = await approveThenRerun(scope, tools.gcloud!, args, gcloudEnv(scope), 'storage')
    assert.is(first.code, 0, first.stderr)
    assert.is(second.code, 0, second.stderr)
  })
}

test.run()
