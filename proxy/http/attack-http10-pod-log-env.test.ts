// Tenth HTTP round, pod logs: a pod's literal env values are masked in every read of the pod (credentials are
// pasted there as often as into Secrets), so the pod's log, which prints what the pod was given, hides them too.
// Against the real kube-apiserver, as an agent under the default policy, with kubectl. The apiserver peer runs no
// kubelet: the test upstream in front of it answers …/pods/NAME/log itself and passes every other request on.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { type KubePeer, peerBinaries, startKube } from './testing/peers.ts'

const LITERAL = 'literal-Pw-Heron-58'
const INIT_LITERAL = 'init-token-Marten-31'
const PEM_LINES = ['pem-line-Osprey-1', 'pem-line-Osprey-2']
const VALUES = [LITERAL, INIT_LITERAL, ...PEM_LINES]
const LOG = [
  'starting',
  `connecting to the orders database with ${LITERAL}`,
  `migrations ran with ${INIT_LITERAL}`,
  `2026-12-02T00:00:00.000000000Z ${PEM_LINES[0]}`,
  `2026-12-02T00:00:00.000000001Z ${PEM_LINES[1]}`,
  'listening on 8080 in production',
].join('\n') + '\n'

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

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-pod-log-env-'))
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
  await admin(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: 'staging' },
    spec: {
      initContainers: [{ name: 'migrate', image: 'busybox', env: [{ name: 'MIGRATION_TOKEN', value: INIT_LITERAL }] }],
      containers: [{
        name: 'c', image: 'busybox',
        env: [{ name: 'DATABASE_URL', value: `postgres://orders:${LITERAL}@db/orders` }, { name: 'DB_PASS', value: LITERAL }, { name: 'TLS_KEY', value: `${PEM_LINES.join('\n')}\n` }, { name: 'PORT', value: '8080' }],
      }],
    },
  }))
  await admin(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', namespace: 'staging' },
    spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'MODE', value: 'production' }] }] },
  }))
})

test.after(async () => {
  await g?.close()
  await kube?.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('control: reading the pod as the agent masks its literal env values', async () => {
  const out = await agentKubectl('get', 'pod', 'app', '-o', 'json')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.not.match(out.out, value)
  assert.match(out.out, '"PORT"')
})

test('kubectl logs as the agent: the pod\'s literal env values (containers and init containers, whole or a line at a time) are hidden', async () => {
  const out = await agentKubectl('logs', 'app')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.not.match(out.out, value, `${value} in\n${out.out}`)
  assert.match(out.out, 'orders database with [warden:secret]')
  assert.match(out.out, 'migrations ran with [warden:secret]')
  assert.match(out.out, '2026-12-02T00:00:00.000000000Z [warden:secret]')
  // Values shorter than eight characters stay (8080), as do words that are no value of this pod.
  assert.match(out.out, 'listening on 8080 in production')
})

test('another pod\'s log keeps them: they are not its values', async () => {
  const out = await agentKubectl('logs', 'other')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.match(out.out, value)
})

test.run()
