// A workload that prints its own Secret hands it to whoever reads its log: masking follows where a value came
// from, not its shape. Against the real kube-apiserver, as an agent under the default policy, with kubectl: the
// values of every Secret a pod can see (env secretKeyRef, envFrom secretRef, a secret volume, a projected one, a
// service-account-token Secret), in formats no detector knows, are hidden in that pod's log, also when a value is
// split between two gzip chunks of a followed log; another pod's log keeps them (they are not its Secrets); a
// gateway credential that may not read the Secrets gets the log refused.
//
// The apiserver peer runs no kubelet, so it serves no log: the test upstream in front of it answers
// …/pods/NAME/log itself and passes every other request, with the credential the gateway sent, to the apiserver
// (whose RBAC then judges the gateway's credential).
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGzip } from 'node:zlib'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { type KubePeer, peerBinaries, startKube } from './testing/peers.ts'

const DB_PASSWORD = 'hunter2-prod-xyz'
const API_KEY = 'q7Lm-banana-Zeta-42'
const CERT_LINES = ['line-one-alpha-9', 'line-two-beta-77']
const PROJECTED = 'proj-val-Kestrel-88'
const SA_TOKEN = 'satok-Oriole-7781'
const VALUES = [DB_PASSWORD, API_KEY, ...CERT_LINES, PROJECTED, SA_TOKEN]

// Each value as a program prints it: in prose, inside a JSON log line, and a multi-line one a line at a time
// behind a timestamp (kubectl logs --timestamps, or the program's own prefix), so never whole.
const LOG = [
  'starting',
  `using ${DB_PASSWORD} for the orders database`,
  JSON.stringify({ level: 'debug', msg: 'client ready', v: API_KEY }),
  `2026-12-02T00:00:00.000000000Z ${CERT_LINES[0]}`,
  `2026-12-02T00:00:00.000000001Z ${CERT_LINES[1]}`,
  `mounted ${PROJECTED} and ${SA_TOKEN}`,
  'ready',
].join('\n') + '\n'

let kube: KubePeer
let g: TestGateway
let token = ''
let dir = ''
const kubectlPath = () => peerBinaries(['kubectl']).kubectl!

const admin = (args: string[], stdin?: string) => new Promise<string>((resolve, reject) => {
  const child = execFile(kubectlPath(), ['--kubeconfig', kube.kubeconfig(), ...args], { env: { ...process.env, HOME: dir } }, (err, out, stderr) => err ? reject(new Error(stderr)) : resolve(out))
  child.stdin!.end(stdin)
})

/** kubectl as the agent through the gateway's target `target`. */
const agentKubectl = (target: string, ...args: string[]) => new Promise<{ code: number; out: string; err: string }>((resolve) => {
  execFile(kubectlPath(), ['--kubeconfig', join(dir, target), ...args], { env: { ...process.env, HOME: dir } }, (e, out, err) => {
    resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err })
  })
})

/** The upstream's pods/log answer: the log in two chunks, the second sent once the first went out; gzip when asked. */
function serveLog(acceptEncoding: string, res: import('node:http').ServerResponse) {
  const text = LOG
  // Split inside the database password: `hunter2-pr` ends the first chunk, `od-xyz` starts the second.
  const cut = text.indexOf(DB_PASSWORD) + 10
  const [first, second] = [text.slice(0, cut), text.slice(cut)]
  if (!/gzip/.test(acceptEncoding)) {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.write(first, () => setTimeout(() => res.end(second), 20))
    return
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' })
  const zip = createGzip()
  zip.pipe(res)
  zip.write(first)
  zip.flush(() => setTimeout(() => zip.end(second), 20))
}

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

const logsOf = (target: string) => g.upstream.seen.filter((s) => s.url.includes('/log') && s.headers.authorization === `Bearer ${target === 'k8s' ? kube.adminToken : kube.limitedToken}`)

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-pod-log-secrets-'))
  kube = await startKube()
  g = await startTestGateway((up) => ['k8s', 'k8s-limited'].map((name) => ({
    name, kind: 'kubernetes' as const, environment: 'production', labels: {}, production_namespaces: ['prod'],
    upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer' as const, token_env: name === 'k8s' ? 'K8S_ADMIN' : 'K8S_LIMITED' }, hosts: [] },
  })), { tls: true, env: { K8S_ADMIN: kube.adminToken, K8S_LIMITED: kube.limitedToken } })
  g.route = (req, res) => {
    const url = new URL(req.url, 'https://x')
    if (/^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/log$/.test(url.pathname)) return serveLog(String(req.headers['accept-encoding'] ?? ''), res)
    passOn(req, res)
  }
  token = await g.agentToken()
  for (const target of ['k8s', 'k8s-limited']) {
    writeFileSync(join(dir, target), `apiVersion: v1
kind: Config
clusters: [{name: warden, cluster: {server: "${g.reverse.url}/t/${target}", insecure-skip-tls-verify: true}}]
users: [{name: agent, user: {token: "${token}"}}]
contexts: [{name: warden, context: {cluster: warden, user: agent, namespace: staging}}]
current-context: warden
`, { mode: 0o600 })
  }
  await admin(['create', 'namespace', 'staging'])
  await admin(['create', 'serviceaccount', 'default', '-n', 'staging'])
  await admin(['create', 'secret', 'generic', 'db', '-n', 'staging', `--from-literal=password=${DB_PASSWORD}`, '--from-literal=user=orders'])
  await admin(['create', 'secret', 'generic', 'api', '-n', 'staging', `--from-literal=API_KEY=${API_KEY}`])
  await admin(['create', 'secret', 'generic', 'tls', '-n', 'staging', `--from-literal=ca.crt=${CERT_LINES.join('\n')}\n`])
  await admin(['create', 'secret', 'generic', 'proj', '-n', 'staging', `--from-literal=value=${PROJECTED}`])
  await admin(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token',
    metadata: { name: 'sa-token', namespace: 'staging', annotations: { 'kubernetes.io/service-account.name': 'default' } },
    data: { token: Buffer.from(SA_TOKEN).toString('base64') },
  }))
  await admin(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: 'staging' },
    spec: {
      containers: [{
        name: 'c', image: 'busybox',
        env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }],
        envFrom: [{ secretRef: { name: 'api' } }],
        volumeMounts: [{ name: 'tls', mountPath: '/tls' }, { name: 'p', mountPath: '/p' }, { name: 'sa', mountPath: '/sa' }],
      }],
      volumes: [
        { name: 'tls', secret: { secretName: 'tls' } },
        { name: 'p', projected: { sources: [{ secret: { name: 'proj' } }] } },
        { name: 'sa', secret: { secretName: 'sa-token' } },
      ],
    },
  }))
  await admin(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', namespace: 'staging' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  }))
  await admin(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ghost', namespace: 'staging' },
    spec: { containers: [{ name: 'c', image: 'busybox', envFrom: [{ secretRef: { name: 'deleted', optional: true } }] }] },
  }))
  // The limited user may read pods and their logs, and no Secret.
  await admin(['create', 'clusterrole', 'pod-log-reader', '--verb=get,list', '--resource=pods,pods/log'])
  await admin(['create', 'clusterrolebinding', 'pod-log-reader', '--clusterrole=pod-log-reader', '--user=limited'])
})

test.after(async () => {
  await g?.close()
  await kube?.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('kubectl logs as the agent: no value of the pod\'s Secrets, whatever its format, and the rest of the log', async () => {
  const out = await agentKubectl('k8s', 'logs', 'app')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.not.match(out.out, value, `${value} in\n${out.out}`)
  assert.match(out.out, 'using [warden:secret] for the orders database')
  assert.match(out.out, '"v":"[warden:secret]"')
  assert.match(out.out, '2026-12-02T00:00:00.000000000Z [warden:secret]')
  assert.match(out.out, 'ready')
})

test('kubectl logs -f: a value split between two gzip chunks of the followed log is hidden too', async () => {
  const before = logsOf('k8s').length
  const out = await agentKubectl('k8s', 'logs', '-f', 'app')
  assert.is(out.code, 0, out.err)
  const seen = logsOf('k8s').slice(before)
  assert.ok(seen.some((s) => s.url.includes('follow=true')), 'the followed log was asked for')
  for (const value of VALUES) assert.not.match(out.out, value, `${value} in\n${out.out}`)
  assert.match(out.out, 'using [warden:secret] for the orders database')
})

test('container= and previous= change nothing: all of the pod\'s Secrets apply', async () => {
  const out = await agentKubectl('k8s', 'logs', 'app', '-c', 'c', '--previous')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.not.match(out.out, value, `${value} in\n${out.out}`)
})

test('the same values in the log of a pod that references none of those Secrets stay: they are not its Secrets', async () => {
  const out = await agentKubectl('k8s', 'logs', 'other')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.match(out.out, value)
})

test('a gateway credential that may not read the pod\'s Secrets: the log is refused, and never asked for', async () => {
  const before = logsOf('k8s-limited').length
  const out = await agentKubectl('k8s-limited', 'logs', 'app')
  assert.is.not(out.code, 0, out.out)
  for (const value of VALUES) assert.not.match(out.out + out.err, value)
  assert.match(out.err, 'Secret values to be masked in its log')
  assert.match(out.err, "could not be read with the gateway's credential (403")
  assert.is(logsOf('k8s-limited').length, before, 'no log request reached the upstream')
  // A pod with no Secret needs none read: its log comes back.
  const other = await agentKubectl('k8s-limited', 'logs', 'other')
  assert.is(other.code, 0, other.err)
  assert.match(other.out, 'ready')
})

test('a Secret the pod names that cannot be found (deleted since, or optional): its values are unknown, so the log is refused', async () => {
  const out = await agentKubectl('k8s', 'logs', 'ghost')
  assert.is.not(out.code, 0, out.out)
  assert.match(out.err, 'Secret staging/deleted')
  assert.match(out.err, 'does not exist')
})

test.run()
