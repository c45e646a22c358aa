// Pod logs, mask by origin, and the objects the values came from written since. A pod prints what it was given
// when it started; the gateway hides in its log the values its Secrets and ConfigMaps hold when the log is read.
// An agent whose writes pass (staging) can change those objects in between, and then read the old values in the
// log bare: a ConfigMap's value overwritten (a merge patch), a Secret's key removed (a JSON patch remove, which
// sets no value and so is no oracle), a ConfigMap deleted and made again under its name. A deleted object alone
// refuses the log already; one written after the pod was created must too, since the log may hold what it held
// before. Some of those writes leave no trace in the object (a removed key moves no manager's time, and a later
// write to the pod moves its revision past the object's): the gateway, through which the agent's writes pass, notes
// them. Against the real kube-apiserver, as an agent under the default policy, with kubectl; the test upstream
// in front of the apiserver answers …/pods/NAME/log itself.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { CLOCK_MARGIN_MS } from './pod-secrets.ts'
import { type PodLogSetting, startPodLogSetting } from './testing/pod-logs.ts'

const CM_VALUE = 'cm-Pw-Gannet-31'
const KEY_VALUE = 'sec-Pw-Heron-52'
const NEW_VALUE = 'sec-Tok-Ibis-74'
const VALUES = [CM_VALUE, KEY_VALUE, NEW_VALUE]
const LOG = [
  'starting',
  `connecting to the orders database with ${CM_VALUE}`,
  `calling the billing API with ${KEY_VALUE}`,
  `signing with ${NEW_VALUE}`,
  'listening on 8080',
].join('\n') + '\n'

let p: PodLogSetting

/** Until the apiserver's clock (whole seconds in its timestamps) is past `created`: a write now is later than it. */
async function pastSecondOf(created: string): Promise<void> {
  while (Math.floor(Date.now() / 1000) <= Date.parse(created) / 1000) await new Promise((r) => setTimeout(r, 100))
}

const createdAt = async (pod: string) => JSON.parse(await p.admin(['get', 'pod', pod, '-n', 'staging', '-o', 'json'])).metadata.creationTimestamp as string

test.before(async () => {
  p = await startPodLogSetting({ name: 'pod-log-rewritten', targets: { k8s: (kube) => kube.adminToken }, serveLog: (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(LOG)
  } })
  const pod = (name: string, container: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'staging' }, spec: { containers: [{ name: 'c', image: 'busybox', ...container }] } })
  await p.admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'db', namespace: 'staging' }, data: { db_password: CM_VALUE } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'billing', namespace: 'staging' }, stringData: { api_key: KEY_VALUE, user: 'billing-service' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'signing', namespace: 'staging' }, data: { signing_secret: NEW_VALUE } },
    pod('app-cm', { env: [{ name: 'DB', valueFrom: { configMapKeyRef: { name: 'db', key: 'db_password' } } }] }),
    pod('app-key', { envFrom: [{ secretRef: { name: 'billing' } }] }),
    pod('app-new', { env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'signing', key: 'signing_secret' } } }] }),
  ] }))
})

test.after(async () => {
  await p?.close()
})

test('control: the values are hidden in the logs while their objects are as the pods were given them', async () => {
  for (const pod of ['app-cm', 'app-key', 'app-new']) {
    const out = await p.agentKubectl('k8s', 'logs', pod)
    assert.is(out.code, 0, out.err)
    assert.match(out.out, 'listening on 8080')
  }
  assert.not.match((await p.agentKubectl('k8s', 'logs', 'app-cm')).out, CM_VALUE)
  assert.not.match((await p.agentKubectl('k8s', 'logs', 'app-key')).out, KEY_VALUE)
  assert.not.match((await p.agentKubectl('k8s', 'logs', 'app-new')).out, NEW_VALUE)
})

test('a ConfigMap value overwritten by the agent after the pod started does not come out bare in the pod\'s log', async () => {
  await pastSecondOf(await createdAt('app-cm'))
  const patch = await p.agentKubectl('k8s', 'patch', 'configmap', 'db', '--type', 'merge', '-p', JSON.stringify({ data: { db_password: 'overwritten-by-agent' } }))
  assert.is(patch.code, 0, `the write passes in staging: ${patch.err}`)
  const out = await p.agentKubectl('k8s', 'logs', 'app-cm')
  assert.not.match(out.out + out.err, CM_VALUE, `${out.code} ${out.out}${out.err}`)
  assert.is.not(out.code, 0, 'refused: the log may print what the ConfigMap held before')
  assert.match(out.err, 'ConfigMap staging/db')
})

test('a Secret key removed by the agent (JSON patch remove) after the pod started does not come out bare in the pod\'s log', async () => {
  await pastSecondOf(await createdAt('app-key'))
  const patch = await p.agentKubectl('k8s', 'patch', 'secret', 'billing', '--type', 'json', '-p', JSON.stringify([{ op: 'remove', path: '/data/api_key' }]))
  assert.is(patch.code, 0, `the write passes in staging: ${patch.err}`)
  const out = await p.agentKubectl('k8s', 'logs', 'app-key')
  assert.not.match(out.out + out.err, KEY_VALUE, `${out.code} ${out.out}${out.err}`)
  assert.is.not(out.code, 0)
  assert.match(out.err, 'Secret staging/billing')
})

test('a Secret key removed by the agent, and then its pod labelled (the pod\'s revision moved past the Secret\'s), does not come out bare either', async () => {
  await p.admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'billing2', namespace: 'staging' }, stringData: { api_key: KEY_VALUE, user: 'billing-service' } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app-key2', namespace: 'staging' }, spec: { containers: [{ name: 'c', image: 'busybox', envFrom: [{ secretRef: { name: 'billing2' } }] }] } },
  ] }))
  await pastSecondOf(await createdAt('app-key2'))
  const patch = await p.agentKubectl('k8s', 'patch', 'secret', 'billing2', '--type', 'json', '-p', JSON.stringify([{ op: 'remove', path: '/data/api_key' }]))
  assert.is(patch.code, 0, patch.err)
  const label = await p.agentKubectl('k8s', 'label', 'pod', 'app-key2', 'touched=yes')
  assert.is(label.code, 0, `the label passes in staging: ${label.err}`)
  const out = await p.agentKubectl('k8s', 'logs', 'app-key2')
  assert.not.match(out.out + out.err, KEY_VALUE, `${out.code} ${out.out}${out.err}`)
  assert.is.not(out.code, 0)
  assert.match(out.err, 'Secret staging/billing2')
})

test('a ConfigMap deleted and made again under its name by the agent does not leave the old value bare in the pod\'s log', async () => {
  await pastSecondOf(await createdAt('app-new'))
  const del = await p.agentKubectl('k8s', 'delete', 'configmap', 'signing')
  assert.is(del.code, 0, del.err)
  // As JSON (kubectl create configmap sends protobuf, which is held unread).
  writeFileSync(join(p.dir, 'signing.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'signing', namespace: 'staging' }, data: { port: '8080' } }))
  const made = await p.agentKubectl('k8s', 'create', '-f', join(p.dir, 'signing.json'))
  assert.is(made.code, 0, `the write passes in staging: ${made.err}`)
  const out = await p.agentKubectl('k8s', 'logs', 'app-new')
  assert.not.match(out.out + out.err, NEW_VALUE, `${out.code} ${out.out}${out.err}`)
  assert.is.not(out.code, 0)
  assert.match(out.err, 'ConfigMap staging/signing')
})

test('a pod created after its Secret and ConfigMap were last written still has its log served, masked', async () => {
  // Past the clock margin after the writes above: a pod made within it of a write counts as made before it.
  await pastSecondOf(new Date(Date.now() + CLOCK_MARGIN_MS).toISOString())
  await p.admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app-later', namespace: 'staging' }, spec: { containers: [{ name: 'c', image: 'busybox', env: [
    { name: 'S', valueFrom: { secretKeyRef: { name: 'billing', key: 'user' } } },
    { name: 'P', valueFrom: { configMapKeyRef: { name: 'signing', key: 'port' } } },
  ] }] } }))
  const out = await p.agentKubectl('k8s', 'logs', 'app-later')
  assert.is(out.code, 0, out.err)
  assert.match(out.out, 'listening on 8080')
  // Not its values now: its objects hold others.
  for (const value of VALUES) assert.match(out.out, value)
})

test.run()
