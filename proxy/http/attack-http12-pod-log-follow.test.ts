// A followed log (kubectl logs -f) is read for as long as the pod runs, and the values it is masked by (the pod's
// Secrets) were looked up when it started. A Secret rotated meanwhile (cert-manager renewing a key, an operator's
// sync: no write of the agent's) gives the pod a value those masks do not know, and the pod prints it; once the
// stream ended (the pod deleted, or the container done), the log came back with the new value bare. The gateway now
// looks the values up again once the log is read, and withholds it when they changed. Against the real
// kube-apiserver, as an agent under the default policy, with kubectl.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type PodLogSetting, startPodLogSetting } from './testing/pod-logs.ts'

const OLD = 'tls-key-Albatross-1'
const NEW = 'tls-key-Bittern-2'
let p: PodLogSetting
let rotate: () => void = () => undefined
let asked: () => void = () => undefined

test.before(async () => {
  p = await startPodLogSetting({ name: 'pod-log-follow', targets: { k8s: (kube) => kube.adminToken }, serveLog: (req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.write(`serving with ${OLD}\n`)
    if (!/follow=true/.test(req.url)) return void res.end('done\n')
    // Followed: the rest once the Secret was rotated, as the pod prints its new key.
    new Promise<void>((resolve) => { rotate = resolve }).then(() => res.end(`reloaded, now serving with ${NEW}\n`))
    asked()
  } })
  await p.admin(['create', 'secret', 'generic', 'tls', '-n', 'staging', `--from-literal=key=${OLD}`])
  await p.admin(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'staging' },
    spec: { containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'tls', mountPath: '/tls' }] }], volumes: [{ name: 'tls', secret: { secretName: 'tls' } }] },
  }))
})

test.after(async () => {
  await p?.close()
})

test('control: the log as it is, read whole, hides the key the pod\'s Secret holds', async () => {
  const out = await p.agentKubectl('k8s', 'logs', 'web')
  assert.is(out.code, 0, out.err)
  assert.not.match(out.out, OLD)
  assert.match(out.out, 'serving with [warden:secret]')
})

test('kubectl logs -f: a key rotated while the log is followed never comes back bare', async () => {
  const streaming = new Promise<void>((resolve) => { asked = resolve })
  const follow = p.agentKubectl('k8s', 'logs', '-f', 'web')
  await streaming
  // The rotation: a write that is not the agent's (the cluster admin's, straight to the apiserver).
  await p.admin(['create', 'secret', 'generic', 'tls', '-n', 'staging', `--from-literal=key=${NEW}`, '--dry-run=client', '-o', 'json'])
    .then((json) => p.admin(['replace', '-f', '-'], json))
  rotate()
  const out = await follow
  for (const value of [OLD, NEW]) assert.not.match(out.out + out.err, value, `${value} in\n${out.out}${out.err}`)
  assert.is.not(out.code, 0, out.out)
})

test.run()
