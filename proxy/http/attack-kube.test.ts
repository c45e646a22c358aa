// Attacks on the gateway's Kubernetes path, by an agent holding a valid token under the default policy, against
// the real kube-apiserver: other representations of a Secret (Table rows carrying whole objects, watch events of
// tables) must come back masked or not at all.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { peerBinaries, startKube, type KubePeer } from './testing/peers.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'

const tools = peerBinaries(['kubectl'])
const dir = mkdtempSync(join(tmpdir(), 'warden-attack-kube-'))
const SECRET = 'hunter2-attack-secret'
const B64 = Buffer.from(SECRET).toString('base64')
let kube: KubePeer
let g: TestGateway
let token: string

test.before(async () => {
  kube = await startKube()
  const adminTokenFile = join(dir, 'kube-admin-token')
  writeFileSync(adminTokenFile, kube.adminToken, { mode: 0o600 })
  g = await startTestGateway(() => [
    { name: 'prod-k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: kube.url, ca_file: kube.caFile, credential: { kind: 'bearer', token_file: adminTokenFile }, hosts: [] } },
  ], { tls: true })
  token = await g.agentToken()
  const admin = (...args: string[]) => new Promise<void>((resolve, reject) => execFile(tools.kubectl!, ['--kubeconfig', kube.kubeconfig(), ...args], { env: { ...process.env, HOME: dir } }, (err, _o, stderr) => err ? reject(new Error(stderr)) : resolve()))
  await admin('create', 'namespace', 'staging')
  await admin('create', 'secret', 'generic', 'db', '-n', 'staging', `--from-literal=password=${SECRET}`)
})

test.after(async () => {
  await g?.close()
  await kube?.stop()
  rmSync(dir, { recursive: true, force: true })
})

interface Answer { status: number; headers: Record<string, unknown>; body: string }

/** One request through the reverse route as the agent; a watch is read for `watchMs` and then cut. */
function agent(path: string, headers: Record<string, string> = {}, opts: { method?: string; body?: string; watchMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${g.reverse.url}/t/prod-k8s${path}`, { method: opts.method ?? 'GET', ca: g.ca.bundle ? undefined : undefined, rejectUnauthorized: false, headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => (body += c))
      const done = () => resolve({ status: res.statusCode!, headers: res.headers, body })
      res.on('end', done)
      res.on('close', done)
      if (opts.watchMs) setTimeout(() => res.destroy(), opts.watchMs)
    })
    req.on('error', reject)
    req.end(opts.body)
  })
}

const leaks = (a: Answer) => a.body.includes(B64) || a.body.includes(SECRET)

test('as=Table with includeObject=Object: rows carry whole Secrets, masked or withheld', async () => {
  const a = await agent('/api/v1/namespaces/staging/secrets?includeObject=Object', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })
  assert.not.ok(leaks(a), `secret value came back: ${a.status} ${a.body.slice(0, 400)}`)
})

test('as=Table for one Secret with includeObject=Object', async () => {
  const a = await agent('/api/v1/namespaces/staging/secrets/db?includeObject=Object', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })
  assert.not.ok(leaks(a), `secret value came back: ${a.status} ${a.body.slice(0, 400)}`)
})

test('as=Table watch events with includeObject=Object', async () => {
  const a = await agent('/api/v1/namespaces/staging/secrets?watch=1&includeObject=Object', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }, { watchMs: 1500 })
  assert.not.ok(leaks(a), `secret value came back: ${a.status} ${a.body.slice(0, 400)}`)
})

test.run()
