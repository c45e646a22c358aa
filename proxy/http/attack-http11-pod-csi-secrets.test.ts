// Pods given secrets by a CSI driver. An inline CSI volume (the Secrets Store CSI driver's, mounting a cloud secret
// manager's or Vault's values through a SecretProviderClass; cert-manager's csi driver, a certificate's private key)
// hands a pod secrets as files, as a secret volume does, but from outside the cluster: no Secret Warden can read
// and mask in the pod's log. A pod an agent writes with one is held as a pod reading a Secret is (workload_secret:
// it could print them, and its log would carry them bare), and the log of a pod that has one is refused, as the
// log of a pod whose Secrets cannot be read is. Against the real kube-apiserver (no kubelet: the test upstream in
// front of it answers …/pods/NAME/log itself, as the pod would have printed the mounted values), as an agent under
// the default policy, with kubectl.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { type KubePeer, peerBinaries, startKube } from './testing/peers.ts'

const VAULT_VALUE = 'vault-Db-Pw-Osprey-29'
const LOG = `starting\nconnecting with ${VAULT_VALUE}\nlistening on 8080\n`

let kube: KubePeer
let g: TestGateway
let dir = ''
const kubectlPath = () => peerBinaries(['kubectl']).kubectl!

const admin = (args: string[], stdin?: string) => new Promise<string>((resolve, reject) => {
  const child = execFile(kubectlPath(), ['--kubeconfig', kube.kubeconfig(), ...args], { env: { ...process.env, HOME: dir } }, (err, out, stderr) => err ? reject(new Error(stderr)) : resolve(out))
  child.stdin!.end(stdin)
})

const agentKubectl = (...args: string[]) => new Promise<{ code: number; out: string; err: string }>((resolve) => {
  execFile(kubectlPath(), ['--kubeconfig', join(dir, 'agent'), ...args], { env: { ...process.env, HOME: dir } }, (e, out, err) => {
    resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err })
  })
})

/** Every request but a log goes on to the apiserver, with the headers (the gateway's credential) it came with. */
function passOn(req: { method: string; url: string; headers: import('node:http').IncomingHttpHeaders; body: Buffer }, res: import('node:http').ServerResponse) {
  const headers = { ...req.headers }
  delete headers.host
  const out = https.request(`${kube.url}${req.url}`, { method: req.method, headers, ca: kube.caPem }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers)
    answer.pipe(res)
  })
  out.on('error', (err) => {
    res.writeHead(502, { 'content-type': 'text/plain' })
    res.end(err.message)
  })
  out.end(req.body)
}

const csiPod = (name: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'staging' },
  spec: {
    containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'cat /mnt/secrets/*; sleep 3600'], volumeMounts: [{ name: 'vault', mountPath: '/mnt/secrets', readOnly: true }] }],
    volumes: [{ name: 'vault', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'orders-db' } } }],
  },
})

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-pod-csi-'))
  kube = await startKube()
  g = await startTestGateway((up) => [{
    name: 'k8s', kind: 'kubernetes' as const, environment: 'production', labels: {}, production_namespaces: ['prod'],
    upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer' as const, token_env: 'K8S_ADMIN' }, hosts: [] },
  }], { tls: true, env: { K8S_ADMIN: kube.adminToken } })
  g.route = (req, res) => {
    if (/^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/log$/.test(new URL(req.url, 'https://x').pathname)) {
      res.writeHead(200, { 'content-type': 'text/plain' })
      return res.end(LOG)
    }
    passOn(req, res)
  }
  const token = await g.agentToken()
  writeFileSync(join(dir, 'agent'), `apiVersion: v1
kind: Config
clusters: [{name: warden, cluster: {server: "${g.reverse.url}/t/k8s", insecure-skip-tls-verify: true}}]
users: [{name: agent, user: {token: "${token}"}}]
contexts: [{name: warden, context: {cluster: warden, user: agent, namespace: staging}}]
current-context: warden
`, { mode: 0o600 })
  await admin(['create', 'namespace', 'staging'])
  await admin(['create', 'serviceaccount', 'default', '-n', 'staging'])
  await admin(['apply', '-f', '-'], JSON.stringify(csiPod('app')))
})

test.after(async () => {
  await g?.close()
  await kube?.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('a pod the agent writes with an inline CSI volume (secrets fetched by its driver) is held, as one reading a Secret is', async () => {
  writeFileSync(join(dir, 'pod.json'), JSON.stringify(csiPod('dumper')))
  const out = await agentKubectl('create', '-f', join(dir, 'pod.json'))
  assert.is.not(out.code, 0, `created: ${out.out}`)
  assert.match(out.err, 'held for approval')
  const reasons = (await g.te.approvals.list({})).flatMap((a) => a.reasons.map((r) => r.rule))
  assert.ok(reasons.includes('warden.rules.kubernetes.workload_secret'), reasons.join(', '))
  const found = await admin(['get', 'pods', '-n', 'staging', '-o', 'name'])
  assert.not.match(found, 'dumper', 'nothing reached the apiserver')
})

test('the log of a pod with an inline CSI volume is refused: the values its driver mounted cannot be known to mask', async () => {
  const out = await agentKubectl('logs', 'app')
  assert.not.match(out.out + out.err, VAULT_VALUE, `${out.code} ${out.out}${out.err}`)
  assert.is.not(out.code, 0)
  assert.match(out.err, 'CSI')
})

test.run()
