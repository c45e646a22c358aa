// A container's termination message is its log's tail: with terminationMessagePolicy FallbackToLogsOnError the
// kubelet copies the last lines of the log of a container that failed into the pod's status
// (containerStatuses[].state.terminated.message and lastState.terminated.message, init and ephemeral containers'
// too), and a program may write anything to /dev/termination-log. The pod's log hides the values of the pod's
// Secrets by origin; the same lines in the pod's status came back bare to a plain read of the pod (kubectl get pod
// -o yaml, a list, a watch), where only the detectors looked at them. The messages are masked in every read of a
// pod: the log itself, masked by origin, is one `kubectl logs --previous` away. Against the real kube-apiserver (no
// kubelet: the test writes the status the kubelet would), as an agent under the default policy, with kubectl.
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type PodLogSetting, startPodLogSetting } from './testing/pod-logs.ts'

const DB_PASSWORD = 'hunter2-prod-Tern-65'
const TAIL = `starting\nconnecting to the orders database with ${DB_PASSWORD}\npanic: connection refused\n`

let p: PodLogSetting

test.before(async () => {
  p = await startPodLogSetting({ name: 'pod-termination', targets: { k8s: (kube) => kube.adminToken }, serveLog: (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(TAIL)
  } })
  await p.admin(['create', 'secret', 'generic', 'db', '-n', 'staging', `--from-literal=password=${DB_PASSWORD}`])
  await p.admin(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: 'staging' },
    spec: {
      initContainers: [{ name: 'migrate', image: 'busybox', terminationMessagePolicy: 'FallbackToLogsOnError', env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }],
      containers: [{ name: 'c', image: 'busybox', terminationMessagePolicy: 'FallbackToLogsOnError', env: [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] }],
    },
  }))
  // What the kubelet writes once the containers failed: the tail of each log as its termination message.
  const terminated = { exitCode: 2, reason: 'Error', message: TAIL, startedAt: '2026-12-02T00:00:00Z', finishedAt: '2026-12-02T00:00:01Z' }
  const status = (name: string) => ({ name, ready: false, restartCount: 3, image: 'busybox', imageID: '', state: { terminated }, lastState: { terminated } })
  await p.admin(['patch', 'pod', 'app', '-n', 'staging', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { phase: 'Running', initContainerStatuses: [status('migrate')], containerStatuses: [status('c')] } })])
})

test.after(async () => {
  await p?.close()
})

test('control: the pod\'s status holds the log tail with the Secret\'s value (read as the apiserver\'s admin)', async () => {
  assert.match(await p.admin(['get', 'pod', 'app', '-n', 'staging', '-o', 'json']), DB_PASSWORD)
})

test('a read of the pod as the agent (get, list, watch) does not carry the log tail bare in its termination messages', async () => {
  for (const args of [['get', 'pod', 'app', '-o', 'json'], ['get', 'pods', '-o', 'json'], ['get', 'pod', 'app', '-o', 'yaml']]) {
    const out = await p.agentKubectl('k8s', ...args)
    assert.is(out.code, 0, out.err)
    assert.not.match(out.out, DB_PASSWORD, `${args.join(' ')}:\n${out.out}`)
    assert.match(out.out, /reason\W+Error/, 'the rest of the status stays readable')
  }
  const watch = await p.agentKubectl('k8s', 'get', 'pods', '--watch', '--request-timeout=2s', '-o', 'json')
  assert.not.match(watch.out, DB_PASSWORD, watch.out)
})

test.run()
