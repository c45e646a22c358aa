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
import type { ServerResponse } from 'node:http'
import { createGzip } from 'node:zlib'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type PodLogSetting, startPodLogSetting } from './testing/pod-logs.ts'

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

let p: PodLogSetting

/** The upstream's pods/log answer: the log in two chunks, the second sent once the first went out; gzip when asked. */
function serveLog(acceptEncoding: string, res: ServerResponse) {
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

const logsOf = (target: string) => p.g.upstream.seen.filter((s) => s.url.includes('/log') && s.headers.authorization === `Bearer ${target === 'k8s' ? p.kube.adminToken : p.kube.limitedToken}`)

test.before(async () => {
  p = await startPodLogSetting({ name: 'pod-log-secrets', targets: { k8s: (kube) => kube.adminToken, 'k8s-limited': (kube) => kube.limitedToken }, serveLog: (req, res) => serveLog(String(req.headers['accept-encoding'] ?? ''), res) })
  const admin = p.admin
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
  await p?.close()
})

test('kubectl logs as the agent: no value of the pod\'s Secrets, whatever its format, and the rest of the log', async () => {
  const out = await p.agentKubectl('k8s', 'logs', 'app')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.not.match(out.out, value, `${value} in\n${out.out}`)
  assert.match(out.out, 'using [warden:secret] for the orders database')
  assert.match(out.out, '"v":"[warden:secret]"')
  assert.match(out.out, '2026-12-02T00:00:00.000000000Z [warden:secret]')
  assert.match(out.out, 'ready')
})

test('kubectl logs -f: a value split between two gzip chunks of the followed log is hidden too', async () => {
  const before = logsOf('k8s').length
  const out = await p.agentKubectl('k8s', 'logs', '-f', 'app')
  assert.is(out.code, 0, out.err)
  const seen = logsOf('k8s').slice(before)
  assert.ok(seen.some((s) => s.url.includes('follow=true')), 'the followed log was asked for')
  for (const value of VALUES) assert.not.match(out.out, value, `${value} in\n${out.out}`)
  assert.match(out.out, 'using [warden:secret] for the orders database')
})

test('container= and previous= change nothing: all of the pod\'s Secrets apply', async () => {
  const out = await p.agentKubectl('k8s', 'logs', 'app', '-c', 'c', '--previous')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.not.match(out.out, value, `${value} in\n${out.out}`)
})

test('the same values in the log of a pod that references none of those Secrets stay: they are not its Secrets', async () => {
  const out = await p.agentKubectl('k8s', 'logs', 'other')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.match(out.out, value)
})

test('a gateway credential that may not read the pod\'s Secrets: the log is refused, and never asked for', async () => {
  const before = logsOf('k8s-limited').length
  const out = await p.agentKubectl('k8s-limited', 'logs', 'app')
  assert.is.not(out.code, 0, out.out)
  for (const value of VALUES) assert.not.match(out.out + out.err, value)
  assert.match(out.err, 'Secret values to be masked in its log')
  assert.match(out.err, "could not be read with the gateway's credential (403")
  assert.is(logsOf('k8s-limited').length, before, 'no log request reached the upstream')
  // A pod with no Secret needs none read: its log comes back.
  const other = await p.agentKubectl('k8s-limited', 'logs', 'other')
  assert.is(other.code, 0, other.err)
  assert.match(other.out, 'ready')
})

test('a Secret the pod names that cannot be found (deleted since, or optional): its values are unknown, so the log is refused', async () => {
  const out = await p.agentKubectl('k8s', 'logs', 'ghost')
  assert.is.not(out.code, 0, out.out)
  assert.match(out.err, 'Secret staging/deleted')
  assert.match(out.err, 'does not exist')
})

test.run()
