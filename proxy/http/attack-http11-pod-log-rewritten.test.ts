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
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { CLOCK_MARGIN_MS } from './pod-secrets.ts'
import { startTestGateway, type TestGateway } from './testing/gateway.ts'
import { type KubePeer, peerBinaries, startKube } from './testing/peers.ts'

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

/** Until the apiserver's clock (whole seconds in its timestamps) is past `created`: a write now is later than it. */
async function pastSecondOf(created: string): Promise<void> {
  while (Math.floor(Date.now() / 1000) <= Date.parse(created) / 1000) await new Promise((r) => setTimeout(r, 100))
}

const createdAt = async (pod: string) => JSON.parse(await admin(['get', 'pod', pod, '-n', 'staging', '-o', 'json'])).metadata.creationTimestamp as string

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'warden-pod-log-rewritten-'))
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
  const pod = (name: string, container: Record<string, unknown>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'staging' }, spec: { containers: [{ name: 'c', image: 'busybox', ...container }] } })
  await admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'db', namespace: 'staging' }, data: { db_password: CM_VALUE } },
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'billing', namespace: 'staging' }, stringData: { api_key: KEY_VALUE, user: 'billing-service' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'signing', namespace: 'staging' }, data: { signing_secret: NEW_VALUE } },
    pod('app-cm', { env: [{ name: 'DB', valueFrom: { configMapKeyRef: { name: 'db', key: 'db_password' } } }] }),
    pod('app-key', { envFrom: [{ secretRef: { name: 'billing' } }] }),
    pod('app-new', { env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'signing', key: 'signing_secret' } } }] }),
  ] }))
})

test.after(async () => {
  await g?.close()
  await kube?.stop()
  rmSync(dir, { recursive: true, force: true })
})

test('control: the values are hidden in the logs while their objects are as the pods were given them', async () => {
  for (const pod of ['app-cm', 'app-key', 'app-new']) {
    const out = await agentKubectl('logs', pod)
    assert.is(out.code, 0, out.err)
    assert.match(out.out, 'listening on 8080')
  }
  assert.not.match((await agentKubectl('logs', 'app-cm')).out, CM_VALUE)
  assert.not.match((await agentKubectl('logs', 'app-key')).out, KEY_VALUE)
  assert.not.match((await agentKubectl('logs', 'app-new')).out, NEW_VALUE)
})

test('a ConfigMap value overwritten by the agent after the pod started does not come out bare in the pod\'s log', async () => {
  await pastSecondOf(await createdAt('app-cm'))
  const patch = await agentKubectl('patch', 'configmap', 'db', '--type', 'merge', '-p', JSON.stringify({ data: { db_password: 'overwritten-by-agent' } }))
  assert.is(patch.code, 0, `the write passes in staging: ${patch.err}`)
  const out = await agentKubectl('logs', 'app-cm')
  assert.not.match(out.out + out.err, CM_VALUE, `${out.code} ${out.out}${out.err}`)
  assert.is.not(out.code, 0, 'refused: the log may print what the ConfigMap held before')
  assert.match(out.err, 'ConfigMap staging/db')
})

test('a Secret key removed by the agent (JSON patch remove) after the pod started does not come out bare in the pod\'s log', async () => {
  await pastSecondOf(await createdAt('app-key'))
  const patch = await agentKubectl('patch', 'secret', 'billing', '--type', 'json', '-p', JSON.stringify([{ op: 'remove', path: '/data/api_key' }]))
  assert.is(patch.code, 0, `the write passes in staging: ${patch.err}`)
  const out = await agentKubectl('logs', 'app-key')
  assert.not.match(out.out + out.err, KEY_VALUE, `${out.code} ${out.out}${out.err}`)
  assert.is.not(out.code, 0)
  assert.match(out.err, 'Secret staging/billing')
})

test('a Secret key removed by the agent, and then its pod labelled (the pod\'s revision moved past the Secret\'s), does not come out bare either', async () => {
  await admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'billing2', namespace: 'staging' }, stringData: { api_key: KEY_VALUE, user: 'billing-service' } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app-key2', namespace: 'staging' }, spec: { containers: [{ name: 'c', image: 'busybox', envFrom: [{ secretRef: { name: 'billing2' } }] }] } },
  ] }))
  await pastSecondOf(await createdAt('app-key2'))
  const patch = await agentKubectl('patch', 'secret', 'billing2', '--type', 'json', '-p', JSON.stringify([{ op: 'remove', path: '/data/api_key' }]))
  assert.is(patch.code, 0, patch.err)
  const label = await agentKubectl('label', 'pod', 'app-key2', 'touched=yes')
  assert.is(label.code, 0, `the label passes in staging: ${label.err}`)
  const out = await agentKubectl('logs', 'app-key2')
  assert.not.match(out.out + out.err, KEY_VALUE, `${out.code} ${out.out}${out.err}`)
  assert.is.not(out.code, 0)
  assert.match(out.err, 'Secret staging/billing2')
})

test('a ConfigMap deleted and made again under its name by the agent does not leave the old value bare in the pod\'s log', async () => {
  await pastSecondOf(await createdAt('app-new'))
  const del = await agentKubectl('delete', 'configmap', 'signing')
  assert.is(del.code, 0, del.err)
  // As JSON (kubectl create configmap sends protobuf, which is held unread).
  writeFileSync(join(dir, 'signing.json'), JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'signing', namespace: 'staging' }, data: { port: '8080' } }))
  const made = await agentKubectl('create', '-f', join(dir, 'signing.json'))
  assert.is(made.code, 0, `the write passes in staging: ${made.err}`)
  const out = await agentKubectl('logs', 'app-new')
  assert.not.match(out.out + out.err, NEW_VALUE, `${out.code} ${out.out}${out.err}`)
  assert.is.not(out.code, 0)
  assert.match(out.err, 'ConfigMap staging/signing')
})

test('a pod created after its Secret and ConfigMap were last written still has its log served, masked', async () => {
  // Past the clock margin after the writes above: a pod made within it of a write counts as made before it.
  await pastSecondOf(new Date(Date.now() + CLOCK_MARGIN_MS).toISOString())
  await admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app-later', namespace: 'staging' }, spec: { containers: [{ name: 'c', image: 'busybox', env: [
    { name: 'S', valueFrom: { secretKeyRef: { name: 'billing', key: 'user' } } },
    { name: 'P', valueFrom: { configMapKeyRef: { name: 'signing', key: 'port' } } },
  ] }] } }))
  const out = await agentKubectl('logs', 'app-later')
  assert.is(out.code, 0, out.err)
  assert.match(out.out, 'listening on 8080')
  // Not its values now: its objects hold others.
  for (const value of VALUES) assert.match(out.out, value)
})

test.run()
