// Attacks on the gateway's Kubernetes path, by an agent holding a valid token under the default policy, against
// the real kube-apiserver: other representations of a Secret (Table rows carrying whole objects, watch events of
// tables) must come back masked or not at all.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type KubeAnswer as Answer, type KubeAttack, startKubeAttack } from './testing/kube-attack.ts'

const SECRET = 'hunter2-attack-secret'
const B64 = Buffer.from(SECRET).toString('base64')
let k: KubeAttack

test.before(async () => {
  k = await startKubeAttack('attack-kube')
  await k.admin(['create', 'namespace', 'staging'])
  await k.admin(['create', 'secret', 'generic', 'db', '-n', 'staging', `--from-literal=password=${SECRET}`])
})

test.after(async () => {
  await k?.close()
})

/** One request through the reverse route as the agent; a watch is read for `watchMs` and then cut. */
const agent = (path: string, headers: Record<string, string> = {}, opts: { method?: string; body?: string; watchMs?: number; until?: (body: string) => boolean } = {}) => k.agent(path, { ...opts, headers })

const leaks = (a: Answer) => a.body.includes(B64) || a.body.includes(SECRET)

test('as=Table with includeObject=Object: rows carry whole Secrets, masked or withheld', async () => {
  const a = await agent('/api/v1/namespaces/staging/secrets?includeObject=Object', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })
  assert.not.ok(leaks(a), `secret value came back: ${a.status} ${a.body.slice(0, 400)}`)
})

test('as=Table for one Secret with includeObject=Object', async () => {
  const a = await agent('/api/v1/namespaces/staging/secrets/db?includeObject=Object', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })
  assert.not.ok(leaks(a), `secret value came back: ${a.status} ${a.body.slice(0, 400)}`)
})

test('as=Table watch events with includeObject=Object', async () => {
  const a = await agent('/api/v1/namespaces/staging/secrets?watch=1&includeObject=Object', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }, { watchMs: 1500 })
  assert.not.ok(leaks(a), `secret value came back: ${a.status} ${a.body.slice(0, 400)}`)
})

test('protobuf, YAML and CBOR answers for Secrets are withheld, never passed unmasked', async () => {
  for (const accept of ['application/vnd.kubernetes.protobuf', 'application/yaml', 'application/cbor', 'application/vnd.kubernetes.protobuf;stream=watch']) {
    const a = await agent('/api/v1/namespaces/staging/secrets/db', { accept })
    assert.not.ok(leaks(a), `${accept}: ${a.status} ${a.body.slice(0, 200)}`)
    assert.ok(a.status === 502 || (accept === 'application/cbor' && a.status === 406), `${accept}: ${a.status} ${a.body.slice(0, 200)}`)
  }
  const gz = await agent('/api/v1/namespaces/staging/secrets?watch=1&timeoutSeconds=1', { accept: 'application/vnd.kubernetes.protobuf;stream=watch' })
  assert.not.ok(leaks(gz), `protobuf watch: ${gz.status} ${gz.body.slice(0, 200)}`)
})

test('PartialObjectMetadata and watch=yes (a watch the gateway does not read as one) do not leak', async () => {
  await k.admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'applied', namespace: 'staging' }, stringData: { password: SECRET } }))
  const meta = await agent('/api/v1/namespaces/staging/secrets', { accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' })
  assert.not.ok(leaks(meta), `${meta.status} ${meta.body.slice(0, 300)}`)
  const one = await agent('/api/v1/namespaces/staging/secrets/applied', { accept: 'application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io' })
  assert.not.ok(leaks(one), `${one.status} ${one.body.slice(0, 300)}`)
  const yes = await agent('/api/v1/namespaces/staging/secrets?watch=yes&timeoutSeconds=1')
  assert.not.ok(leaks(yes), `${yes.status} ${yes.body.slice(0, 300)}`)
  const table = await agent('/api/v1/namespaces/staging/secrets/applied?includeObject=Object', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })
  assert.not.ok(leaks(table), `${table.status} ${table.body.slice(0, 300)}`)
})

test('watch=yes, watch= and a bare watch are watches to the apiserver: their events stream (masked), not buffered until the watch ends', async () => {
  for (const q of ['watch=yes', 'watch=', 'watch']) {
    // The watch never ends on its own: an event read before the cut came streamed. Waits for it, up to 15 s on a loaded machine.
    const a = await agent(`/api/v1/namespaces/staging/secrets?${q}`, {}, { watchMs: 15_000, until: (body) => body.includes('"type":"ADDED"') })
    assert.match(a.body, '"type":"ADDED"', `${q}: ${a.status} ${a.body.slice(0, 200)}`)
    assert.not.ok(leaks(a), `${q}: ${a.body.slice(0, 300)}`)
  }
})

test('a server-side apply or dry-run create answers with the Secret it stored: masked', async () => {
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'staging' }, data: { extra: 'eA==' } })
  const ssa = await agent('/api/v1/namespaces/staging/secrets/db?fieldManager=agent&force=true&dryRun=All', { 'content-type': 'application/apply-patch+yaml' }, { method: 'PATCH', body })
  assert.not.ok(leaks(ssa), `${ssa.status} ${ssa.body.slice(0, 300)}`)
  const merge = await agent('/api/v1/namespaces/staging/secrets/db?dryRun=All', { 'content-type': 'application/merge-patch+json' }, { method: 'PATCH', body: '{"metadata":{"labels":{"x":"y"}}}' })
  assert.not.ok(leaks(merge), `${merge.status} ${merge.body.slice(0, 300)}`)
})


test('path variants of a Secret read (encoded, dot segments, trailing slash, watch prefix, cluster-wide list) are masked or refused', async () => {
  for (const p of ['/api/v1/namespaces/staging/secrets/db/', '/api/v1/namespaces/staging/%73ecrets/db', '/api/v1/namespaces/st%61ging/secrets/db', '/api/v1/namespaces/staging/secrets/%64b', '/api/v1/namespaces/staging/secrets/./db', '/api/v1/namespaces/staging/x/../secrets/db', '/./api/v1/namespaces/staging/secrets/db', '/api//v1/namespaces/staging/secrets/db', '/api/v1/namespaces/staging/secrets%2Fdb', '/API/v1/namespaces/staging/secrets/db', '/api/v1/secrets?fieldSelector=metadata.namespace%3Dstaging', '/api/v1/secrets?labelSelector=x!%3Dy', '/api/v1/watch/namespaces/staging/secrets/db?timeoutSeconds=1']) {
    const a = await agent(p, {}, { watchMs: 2500 })
    assert.not.ok(leaks(a), `${p}: ${a.status} ${a.body.slice(0, 300)}`)
  }
})

test('a ConfigMap holding a connection string answers with its password masked (url_credential detector)', async () => {
  const body = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { url: `postgres://app:${SECRET}@db:5432/x` } })
  const created = await agent('/api/v1/namespaces/staging/configmaps', { 'content-type': 'application/json' }, { method: 'POST', body })
  assert.is(created.status, 201, created.body.slice(0, 300))
  assert.not.ok(leaks(created), created.body.slice(-300))
  const read = await agent('/api/v1/namespaces/staging/configmaps/cm')
  assert.is(read.status, 200)
  assert.not.ok(leaks(read), read.body.slice(-300))
  // A host without a dot: no email detector covers user:password@db, only the URL detector.
  assert.match(read.body, 'postgres://app:[password]@db:5432/x', read.body.slice(-200))
})

test('a JSON patch that copies or moves Secret data into an unmasked field (a label) is held, never applied', async () => {
  for (const op of ['copy', 'move']) {
    const body = JSON.stringify([{ op: 'add', path: '/metadata/labels', value: {} }, { op, from: '/data/password', path: '/metadata/labels/leak' }])
    const a = await agent('/api/v1/namespaces/staging/secrets/db?dryRun=All', { 'content-type': 'application/json-patch+json' }, { method: 'PATCH', body })
    assert.not.ok(leaks(a), `${op}: ${a.status} ${a.body.slice(-300)}`)
    assert.is(a.status, 403, `${op}: ${a.status} ${a.body.slice(0, 300)}`)
    assert.match(a.body, 'warden.rules.kubernetes.unread_body')
  }
})

test('a JSON patch test op on Secret data (an oracle on the masked value) is held', async () => {
  const body = JSON.stringify([{ op: 'test', path: '/data/password', value: B64 }])
  const a = await agent('/api/v1/namespaces/staging/secrets/db?dryRun=All', { 'content-type': 'application/json-patch+json' }, { method: 'PATCH', body })
  assert.is(a.status, 403, `${a.status} ${a.body.slice(0, 300)}`)
  assert.match(a.body, 'warden.rules.kubernetes.secret_oracle')
})

test('a service-account token, once a reviewer approves the request, comes back masked', async () => {
  await k.admin(['create', 'serviceaccount', 'bot', '-n', 'staging'])
  const pending = agent('/api/v1/namespaces/staging/serviceaccounts/bot/token', { 'content-type': 'application/json' }, { method: 'POST', body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }) })
  const id = await k.g.heldId()
  assert.ok(id, 'held')
  await k.g.approve(id!)
  const a = await pending
  assert.is(a.status, 201, a.body.slice(0, 300))
  const answer = JSON.parse(a.body) as { status: { token: string } }
  assert.not.match(answer.status.token, /^eyJ[\w-]+\.[\w-]+\.[\w-]+$/, 'the bearer token came back whole')
  // Masked as a JWT, or whole as the value of a key named token (secret_assignment reads it with its name first).
  assert.ok(['[jwt]', '[secret]'].includes(answer.status.token), answer.status.token)
})

test.run()
