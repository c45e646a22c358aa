// A container's termination message is its log's tail: with terminationMessagePolicy FallbackToLogsOnError the
// kubelet copies the last lines of the log of a container that failed into the pod's status
// (containerStatuses[].state.terminated.message and lastState.terminated.message, init and ephemeral containers'
// too), and a program may write anything to /dev/termination-log. The pod's log hides the values of the pod's
// Secrets by origin; the same lines in the pod's status came back bare to a plain read of the pod (kubectl get pod
// -o yaml, a list, a watch), where only the detectors looked at them. The messages are masked in every read of a
// pod: the log itself, masked by origin, is one `kubectl logs --previous` away. Against the real kube-apiserver (no
// kubelet: the test writes the status the kubelet would), as an agent under the default policy, with kubectl.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { type KubePeer, peerBinaries, startKube } from './testing/peers.ts'

const DB_PASSWORD = 'hunter2-prod-Tern-65'
const TAIL = `starting\nconnecting to the orders database with ${DB_PASSWORD}\npanic: connection refused\n`

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
  dir = mkdtempSync(join(tmpdir(), 'warden-pod-termination-'))
  kube = await startKube()
  g = await startTestGateway((up) => [{
    name: 'k8s', kind: 'kubernetes' as const, environment: 'production', labels: {}, production_namespaces: ['prod'],
    upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer' as const, token_env: 'K8S_ADMIN' }, hosts: [] },
  }], { tls: true, env: { K8S_ADMIN: kube.adminToken } })
  g.route = passOn
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
  await admin(['create', 'secret', 'generic', 'db', '-n', 'staging', `--from-literal=password=${DB_PASSWORD}`])
  await admin(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: 'staging' },
    spec: {
      initContainers: [{ name: 'migrate', image: 'busybox', terminationMessagePolicy: 'FallbackToLogsOnError', env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }],
      containers: [{ name: 'c', image: 'busybox', terminationMessagePolicy: 'FallbackToLogsOnError', env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }],
    },
  }))
  // What the kubelet writes once the containers failed: the tail of each log as its termination message.
  const terminated = { exitCode: 2, reason: 'Error', message: TAIL, startedAt: '2026-12-02T00:00:00Z', finishedAt: '2026-12-02T00:00:01Z' }
  const status = (name: string) => ({ name, ready: false, restartCount: 3, image: 'busybox', imageID: '', state: { terminated }, lastState: { terminated } })
  await admin(['patch', 'pod', 'app', '-n', 'staging', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Running', initContainerStatuses: [status('migrate')], containerStatuses: [status('c')] } })])
})

test.after(async () => {
  await g?.close()
  await kube?.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('control: the pod\'s status holds the log tail with the Secret\'s value (read as the apiserver\'s admin)', async () => {
  assert.match(await admin(['get', 'pod', 'app', '-n', 'staging', '-o', 'json']), DB_PASSWORD)
})

test('a read of the pod as the agent (get, list, watch) does not carry the log tail bare in its termination messages', async () => {
  for (const args of [['get', 'pod', 'app', '-o', 'json'], ['get', 'pods', '-o', 'json'], ['get', 'pod', 'app', '-o', 'yaml']]) {
    const out = await agentKubectl(...args)
    assert.is(out.code, 0, out.err)
    assert.not.match(out.out, DB_PASSWORD, `${args.join(' ')}:\n${out.out}`)
    assert.match(out.out, /reason\W+Error/, 'the rest of the status stays readable')
  }
  const watch = await agentKubectl('get', 'pods', '--watch', '--request-timeout=2s', '-o', 'json')
  assert.not.match(watch.out, DB_PASSWORD, watch.out)
})

test.run()
