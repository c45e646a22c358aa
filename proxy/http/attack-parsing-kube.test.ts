// Attacks on how the gateway and the real kube-apiserver read one Kubernetes request, by an agent holding a valid
// token under the default policy: a watch over WebSocket (the apiserver streams watch events on an upgraded
// socket no masker reads), query pairs Go drops (a `;` in a pair: url.ParseQuery skips it), spellings of the
// resource, and `kubectl get --raw` paths outside the resource API.
import { connect } from 'node:tls'
import { Agent } from 'undici'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type KubeAnswer as Answer, type KubeAttack, startKubeAttack } from './testing/kube-attack.ts'

const SECRET = 'hunter2-parsing-secret'
const B64 = Buffer.from(SECRET).toString('base64')
let k: KubeAttack

test.before(async () => {
  k = await startKubeAttack('attack-parsing-kube')
  await k.admin(['create', 'namespace', 'staging'])
  await k.admin(['create', 'secret', 'generic', 'db', '-n', 'staging', `--from-literal=password=${SECRET}`])
})

test.after(async () => {
  await k?.close()
})

const leaks = (a: Answer | string) => (typeof a === 'string' ? a : a.body).includes(B64) || (typeof a === 'string' ? a : a.body).includes(SECRET)

/** A WebSocket upgrade request over TLS to `base` (the apiserver, or the gateway's route); what comes back within 3 s. */
function websocket(base: string, path: string, token: string): Promise<string> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const s = connect({ host: url.hostname, port: Number(url.port), rejectUnauthorized: false }, () => {
      s.write(`GET ${url.pathname.replace(/\/$/, '')}${path} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nOrigin: https://${url.host}\r\n\r\n`)
    })
    let out = Buffer.alloc(0)
    s.on('data', (d: Buffer) => (out = Buffer.concat([out, d])))
    s.on('close', () => resolve(out.toString('latin1')))
    s.on('error', reject)
    setTimeout(() => s.destroy(), 3000)
  })
}

test('control: the apiserver streams a Secret watch over WebSocket, values in clear', async () => {
  const out = await websocket(k.kube.url, '/api/v1/namespaces/staging/secrets?watch=1', k.kube.adminToken)
  assert.match(out, /^HTTP\/1\.1 101/)
  assert.ok(leaks(out), out.slice(0, 300))
})

test('a Secret watch over WebSocket through the gateway is refused (its frames cannot be masked), in any spelling of watch', async () => {
  for (const query of ['watch=1', 'watch=true', 'watch', '%77atch=1', 'resourceVersion=0&watch=yes']) {
    const out = await websocket(`${k.g.reverse.url}/t/prod-k8s`, `/api/v1/namespaces/staging/secrets?${query}`, k.token)
    assert.not.ok(leaks(out), `${query}: ${out.slice(0, 300)}`)
    assert.match(out, /^HTTP\/1\.1 502/, `${query}: ${out.slice(0, 300)}`)
  }
})

test('control: the apiserver drops a query pair holding `;` or a stray % (Go\'s url.ParseQuery skips it): a selector that matches nothing lists everything', async () => {
  for (const selector of ['metadata.name%3Dnone;', 'metadata.name%3Dnone%zz']) {
    const res = await fetch(`${k.kube.url}/api/v1/namespaces/staging/secrets?fieldSelector=${selector}`, { headers: { authorization: `Bearer ${k.kube.adminToken}` }, dispatcher: new Agent({ connect: { ca: k.kube.caPem } }) } as RequestInit)
    assert.match(await res.text(), '"name":"db"', selector)
  }
})

test('a raw `;` or a stray % in the query (a pair the apiserver drops while the policy and a reviewer read it) is refused, on exec arguments too', async () => {
  for (const query of ['watch=1;', 'fieldSelector=metadata.name%3Ddb;&watch=1', 'limit=1;&includeObject=Object', 'fieldSelector=metadata.name%3Dnone%zz', 'labelSelector=a%3Db%']) {
    // Refused, the answer ends at once; the cut is only for a watch wrongly passed on (10 s: a loaded machine).
    const a = await k.agent(`/api/v1/namespaces/staging/secrets?${query}`, { watchMs: 10_000 })
    assert.not.ok(leaks(a), `${query}: ${a.status} ${a.body.slice(0, 300)}`)
    assert.is(a.status, 400, `${query}: ${a.body.slice(0, 300)}`)
  }
  // A reviewer shown `rm -rf /data --dry-run;` would approve what runs as `rm -rf /data`.
  const before = (await k.g.te.approvals.list({ status: 'pending' })).length
  const exec = await k.agent('/api/v1/namespaces/staging/pods/web/exec?command=rm&command=-rf&command=/data&command=--dry-run;&stdout=true', { method: 'POST' })
  assert.is(exec.status, 400, exec.body.slice(0, 300))
  assert.match(exec.body, ';')
  assert.is((await k.g.te.approvals.list({ status: 'pending' })).length, before, 'nothing was held for a reviewer')
  const encoded = await k.agent('/api/v1/namespaces/staging/secrets?fieldSelector=metadata.name%3Ddb%3B')
  assert.is(encoded.status, 200, 'an encoded ; is data')
})

test('spellings of the Secret resource the apiserver does not serve answer 404 and carry nothing (mixed case, `;` parameters in the path)', async () => {
  for (const path of ['/api/v1/namespaces/staging/Secrets/db', '/api/v1/namespaces/staging/secrets;/db', '/api/v1/namespaces/staging/secrets/db;x=1', '/api/v1/namespaces/staging/SECRETS']) {
    const a = await k.agent(path)
    assert.not.ok(leaks(a), `${path}: ${a.status} ${a.body.slice(0, 300)}`)
    assert.ok(a.status === 404 || a.status === 403, `${path}: ${a.status}`)
  }
})

test('kubectl get --raw outside the resource API: metrics, debug, logs and config are refused; openapi and discovery pass', async () => {
  for (const path of ['/metrics', '/debug/pprof/', '/logs/', '/configz', '/.well-known/openid-configuration']) {
    const a = await k.agent(path)
    assert.ok(a.status === 403 || a.status === 400, `${path}: ${a.status} ${a.body.slice(0, 200)}`)
  }
  for (const path of ['/openapi/v2', '/apis', '/version']) {
    const a = await k.agent(path)
    assert.is(a.status, 200, `${path}: ${a.body.slice(0, 200)}`)
  }
})

// YAML the apiserver reads as YAML 1.1 (sigs.k8s.io/yaml): merge keys fold a map into its parent there, while the
// gateway's YAML 1.2 reader keeps `<<` as a key; aliases and explicit tags resolve on both sides.
const podYaml = (name: string, securityContext: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    securityContext: ${securityContext}\n`

test('control: the apiserver folds a YAML merge key into the container\'s securityContext (this one refuses privileged pods, saying so)', async () => {
  const out = await k.admin(['apply', '--server-side', '--dry-run=server', '-o', 'json', '-f', '-'], podYaml('merge-ctl', '{<<: {privileged: true}}').replace('metadata:\n', 'metadata:\n  namespace: staging\n')).catch((err: Error) => err.message)
  assert.match(out, 'securityContext.privileged: Forbidden')
})

test('privileged reached through a YAML merge key, an alias or an explicit tag is refused as host access', async () => {
  for (const [name, ctx] of [['merge', '{<<: {privileged: true}}'], ['merge-alias', '{<<: &m {privileged: yes}}'], ['tag', '{privileged: !!bool "true"}'], ['nested-merge', '{<<: [{runAsUser: 0}, {privileged: on}]}']] as const) {
    const a = await k.agent(`/api/v1/namespaces/staging/pods/y-${name}?fieldManager=agent&dryRun=All`, { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body: podYaml(`y-${name}`, ctx) })
    assert.is(a.status, 403, `${name}: ${a.body.slice(0, 300)}`)
    assert.match(a.body, 'host_access', name)
  }
})

const serviceYaml = (name: string, spec: string) =>
  `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\n  namespace: staging\nspec:\n  selector: {app: agent}\n  ports: [{port: 5432}]\n${spec}`

/** A server-side apply dry run of `yaml` sent as YAML straight to the apiserver, as its admin. */
async function adminApplyYaml(name: string, yaml: string): Promise<string> {
  const res = await fetch(`${k.kube.url}/api/v1/namespaces/staging/services/${name}?fieldManager=admin&dryRun=All`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${k.kube.adminToken}`, 'content-type': 'application/apply-patch+yaml' },
    body: yaml,
    dispatcher: new Agent({ connect: { ca: k.kube.caPem } }),
  } as RequestInit)
  return res.text()
}

test('control: the apiserver folds a merge key into a Service spec (external IPs), and a merge overwrites a key the mapping set before it', async () => {
  const merged = JSON.parse(await adminApplyYaml('m-ctl', serviceYaml('m-ctl', "  <<: {externalIPs: ['10.96.0.99']}\n")))
  assert.equal(merged.spec?.externalIPs, ['10.96.0.99'], JSON.stringify(merged).slice(0, 300))
  const before = JSON.parse(await adminApplyYaml('m-ctl2', serviceYaml('m-ctl2', '  sessionAffinity: None\n  <<: {sessionAffinity: ClientIP}\n')))
  assert.is(before.spec?.sessionAffinity, 'ClientIP', JSON.stringify(before).slice(0, 300))
})

test('a Service\'s external IPs reached through a YAML merge key are refused as interception; a merge over a key set before it is not read as the server reads it, and is not let through', async () => {
  for (const [name, spec] of [['m-ext', "  <<: {externalIPs: ['10.96.0.99']}\n"], ['m-alias', "  x-defaults: &d {externalIPs: ['10.96.0.99']}\n  <<: [*d]\n"]] as const) {
    const a = await k.agent(`/api/v1/namespaces/staging/services/${name}?fieldManager=agent&dryRun=All`, { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body: serviceYaml(name, spec) })
    assert.is(a.status, 403, `${name}: ${a.body.slice(0, 300)}`)
    assert.match(a.body, 'warden.rules.kubernetes.interception', name)
  }
  const b = await k.agent('/api/v1/namespaces/staging/services/m-before?fieldManager=agent&dryRun=All', { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body: serviceYaml('m-before', "  externalIPs: []\n  <<: {externalIPs: ['10.96.0.99']}\n") })
  assert.ok(b.status >= 400, `${b.status}: ${b.body.slice(0, 300)}`)
  assert.match(b.body, 'which the mapping sets before it')
  // Defaults merged first, then overridden, read alike on both sides: a plain write.
  const ok = await k.agent('/api/v1/namespaces/staging/services/m-plain?fieldManager=agent&dryRun=All', { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body: serviceYaml('m-plain', '  <<: {sessionAffinity: ClientIP}\n  sessionAffinity: None\n') })
  assert.is(ok.status, 201, ok.body.slice(0, 300))
  assert.is(JSON.parse(ok.body).spec?.sessionAffinity, 'None')
})

test.run()
