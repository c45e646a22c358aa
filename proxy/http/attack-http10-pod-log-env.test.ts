// Tenth HTTP round, pod logs: a pod's literal env values are masked in every read of the pod (credentials are
// pasted there as often as into Secrets), so the pod's log, which prints what the pod was given, hides them too.
// Against the real kube-apiserver, as an agent under the default policy, with kubectl. The apiserver peer runs no
// kubelet: the test upstream in front of it answers …/pods/NAME/log itself and passes every other request on.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type PodLogSetting, startPodLogSetting } from './testing/pod-logs.ts'

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

let p: PodLogSetting

test.before(async () => {
  p = await startPodLogSetting({ name: 'pod-log-env', targets: { k8s: (kube) => kube.adminToken }, serveLog: (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(LOG)
  } })
  const admin = p.admin
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
  await p?.close()
})

test('control: reading the pod as the agent masks its literal env values', async () => {
  const out = await p.agentKubectl('k8s', 'get', 'pod', 'app', '-o', 'json')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.not.match(out.out, value)
  assert.match(out.out, '"PORT"')
})

test('kubectl logs as the agent: the pod\'s literal env values (containers and init containers, whole or a line at a time) are hidden', async () => {
  const out = await p.agentKubectl('k8s', 'logs', 'app')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.not.match(out.out, value, `${value} in\n${out.out}`)
  assert.match(out.out, 'orders database with [warden:secret]')
  assert.match(out.out, 'migrations ran with [warden:secret]')
  assert.match(out.out, '2026-12-02T00:00:00.000000000Z [warden:secret]')
  // Values shorter than eight characters stay (8080), as do words that are no value of this pod.
  assert.match(out.out, 'listening on 8080 in production')
})

test('another pod\'s log keeps them: they are not its values', async () => {
  const out = await p.agentKubectl('k8s', 'logs', 'other')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.match(out.out, value)
})

test.run()
