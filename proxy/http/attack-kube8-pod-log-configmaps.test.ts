// Pod logs and ConfigMaps, mask by origin: a ConfigMap value a detector knows by its key (db_password) or by the
// assignment it holds (db.password=… in a properties file) is masked in every read of the ConfigMap, yet a pod given
// it (env configMapKeyRef, envFrom configMapRef, a configMap or projected volume) prints it bare in its log, where no
// name tells a detector what it is. The gateway reads the ConfigMaps the pod names, as it reads its Secrets, and
// hides those values in the log. Against the real kube-apiserver, as an agent under the default policy, with
// kubectl; the test upstream in front of the apiserver answers …/pods/NAME/log itself.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type PodLogSetting, startPodLogSetting } from './testing/pod-logs.ts'

const KEY_VALUE = 'cm-Pw-Falcon-77'
const FROM_VALUE = 'cm-Tok-Kestrel-42'
const VOLUME_VALUE = 'cm-Key-Plover-19'
const PROPERTIES_VALUE = 'cm-Props-Wren-63'
const PROJECTED_VALUE = 'cm-Proj-Curlew-88'
const VALUES = [KEY_VALUE, FROM_VALUE, VOLUME_VALUE, PROPERTIES_VALUE, PROJECTED_VALUE]
const LOG = [
  'starting',
  `connecting to the orders database with ${KEY_VALUE}`,
  `calling the billing API with ${FROM_VALUE}`,
  `signing with ${VOLUME_VALUE}`,
  `loaded properties, database ${PROPERTIES_VALUE}`,
  `projected ${PROJECTED_VALUE}`,
  'listening on 8080 as orders-service in production',
].join('\n') + '\n'

let p: PodLogSetting

test.before(async () => {
  p = await startPodLogSetting({ name: 'pod-log-configmaps', targets: { k8s: (kube) => kube.adminToken }, serveLog: (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(LOG)
  } })
  const admin = p.admin
  const configMap = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'staging' }, data })
  await admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    configMap('db', { db_password: KEY_VALUE, service: 'orders-service' }),
    configMap('billing', { api_token: FROM_VALUE }),
    configMap('signing', { signing_secret: VOLUME_VALUE }),
    configMap('props', { 'app.properties': `db.password=${PROPERTIES_VALUE}\nport=8080\n` }),
    configMap('proj', { client_secret: PROJECTED_VALUE }),
    {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: 'staging' },
      spec: {
        containers: [{
          name: 'c', image: 'busybox',
          env: [{ name: 'DB', valueFrom: { configMapKeyRef: { name: 'db', key: 'db_password' } } }],
          envFrom: [{ configMapRef: { name: 'billing' } }],
        }],
        volumes: [
          { name: 'signing', configMap: { name: 'signing' } },
          { name: 'props', configMap: { name: 'props' } },
          { name: 'proj', projected: { sources: [{ configMap: { name: 'proj' } }] } },
        ],
      },
    },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', namespace: 'staging' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
  ] }))
})

test.after(async () => {
  await p?.close()
})

test('control: reading the ConfigMaps as the agent masks those values', async () => {
  const out = await p.agentKubectl('k8s', 'get', 'configmaps', '-o', 'json')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.not.match(out.out, value)
  assert.match(out.out, 'orders-service')
})

test('kubectl logs as the agent: the values its ConfigMaps mask are hidden in the pod\'s log too', async () => {
  const out = await p.agentKubectl('k8s', 'logs', 'app')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.not.match(out.out, value, `${value} in\n${out.out}`)
  assert.match(out.out, 'orders database with [warden:secret]')
  // What the ConfigMap reads keep (a service name, a port) stays in the log.
  assert.match(out.out, 'listening on 8080 as orders-service in production')
})

test('another pod\'s log keeps them: they are not its values', async () => {
  const out = await p.agentKubectl('k8s', 'logs', 'other')
  assert.is(out.code, 0, out.err)
  for (const value of VALUES) assert.match(out.out, value)
})

test('a pod whose ConfigMap is gone (deleted by the agent, its writes pass in staging) has its log refused, not served bare', async () => {
  await p.admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gone', namespace: 'staging' }, data: { db_password: KEY_VALUE } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'orphan', namespace: 'staging' }, spec: { containers: [{ name: 'c', image: 'busybox', envFrom: [{ configMapRef: { name: 'gone' } }] }] } },
  ] }))
  const del = await p.agentKubectl('k8s', 'delete', 'configmap', 'gone')
  assert.is(del.code, 0, del.err)
  const out = await p.agentKubectl('k8s', 'logs', 'orphan')
  assert.is.not(out.code, 0)
  for (const value of VALUES) assert.not.match(out.out + out.err, value)
  assert.match(out.err, 'ConfigMap staging/gone')
})

test.run()
