// Pods given secrets by a CSI driver. An inline CSI volume (the Secrets Store CSI driver's, mounting a cloud secret
// manager's or Vault's values through a SecretProviderClass; cert-manager's csi driver, a certificate's private key)
// hands a pod secrets as files, as a secret volume does, but from outside the cluster: no Secret Warden can read
// and mask in the pod's log. A pod an agent writes with one is held as a pod reading a Secret is (workload_secret:
// it could print them, and its log would carry them bare), and the log of a pod that has one is refused, as the
// log of a pod whose Secrets cannot be read is. Against the real kube-apiserver (no kubelet: the test upstream in
// front of it answers …/pods/NAME/log itself, as the pod would have printed the mounted values), as an agent under
// the default policy, with kubectl.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type PodLogSetting, startPodLogSetting } from './testing/pod-logs.ts'

const VAULT_VALUE = 'vault-Db-Pw-Osprey-29'
const LOG = `starting\nconnecting with ${VAULT_VALUE}\nlistening on 8080\n`

let p: PodLogSetting

const csiPod = (name: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'staging' },
  spec: {
    containers: [{ name: 'c', image: 'busybox', command: ['sh', '-c', 'cat /mnt/secrets/*; sleep 3600'], volumeMounts: [{ name: 'vault', mountPath: '/mnt/secrets', readOnly: true }] }],
    volumes: [{ name: 'vault', csi: { driver: 'secrets-store.csi.k8s.io', readOnly: true, volumeAttributes: { secretProviderClass: 'orders-db' } } }],
  },
})

test.before(async () => {
  p = await startPodLogSetting({ name: 'pod-csi', targets: { k8s: (kube) => kube.adminToken }, serveLog: (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(LOG)
  } })
  await p.admin(['apply', '-f', '-'], JSON.stringify(csiPod('app')))
})

test.after(async () => {
  await p?.close()
})

test('a pod the agent writes with an inline CSI volume (secrets fetched by its driver) is held, as one reading a Secret is', async () => {
  writeFileSync(join(p.dir, 'pod.json'), JSON.stringify(csiPod('dumper')))
  const out = await p.agentKubectl('k8s', 'create', '-f', join(p.dir, 'pod.json'))
  assert.is.not(out.code, 0, `created: ${out.out}`)
  assert.match(out.err, 'held for approval')
  const reasons = (await p.g.te.approvals.list({})).flatMap((a) => a.reasons.map((r) => r.rule))
  assert.ok(reasons.includes('warden.rules.kubernetes.workload_secret'), reasons.join(', '))
  const found = await p.admin(['get', 'pods', '-n', 'staging', '-o', 'name'])
  assert.not.match(found, 'dumper', 'nothing reached the apiserver')
})

test('the log of a pod with an inline CSI volume is refused: the values its driver mounted cannot be known to mask', async () => {
  const out = await p.agentKubectl('k8s', 'logs', 'app')
  assert.not.match(out.out + out.err, VAULT_VALUE, `${out.code} ${out.out}${out.err}`)
  assert.is.not(out.code, 0)
  assert.match(out.err, 'CSI')
})

test.run()
