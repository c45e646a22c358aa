// Fifth attack round on the Kubernetes path, against the real kube-apiserver, by an agent holding a valid token
// under the default policy (`staging` is not a production namespace: plain writes there pass): answers that carry a
// workload's literal env values (masked like Secret values) by routes the masks do not name, a subresource that
// serves the whole Pod and error messages in which the apiserver prints the object it refused.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type KubeAttack, startKubeAttack } from './testing/kube-attack.ts'

let k: KubeAttack
const admin = (args: string[], stdin?: string) => k.admin(args, stdin)

// A credential pasted as a literal env value under a name no detector knows.
const VALUE = 'q7Hk2-literal-env-value-Zx91'
// A Secret value, under a key no detector knows.
const SECRET = 'k8s-secret-Vb41-upstream'

const podJson = (name: string) => JSON.stringify({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'staging' },
  spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'UPSTREAM', value: VALUE }], resources: { requests: { cpu: '100m' }, limits: { cpu: '100m' } } }] },
})

test.before(async () => {
  k = await startKubeAttack('attack-kube5', { holdSeconds: 0.2 })
  for (const ns of ['staging', 'prod']) {
    await admin(['create', 'namespace', ns])
    await admin(['create', 'serviceaccount', 'default', '-n', ns])
  }
  await admin(['create', 'secret', 'generic', 'db', '-n', 'staging', `--from-literal=upstream=${SECRET}`])
  await admin(['apply', '-f', '-'], podJson('web'))
  await admin(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'migrate', namespace: 'staging' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox', env: [{ name: 'UPSTREAM', value: VALUE }] }] } } },
  }))
})

test.after(async () => {
  await k?.close()
})

const agent = (path: string, opts: { method?: string; body?: string; type?: string } = {}) =>
  k.agent(path, { method: opts.method, body: opts.body, headers: opts.type ? { 'content-type': opts.type } : {} })

test('control: the Pod read is masked (its env value is not sent)', async () => {
  const a = await agent('/api/v1/namespaces/staging/pods/web')
  assert.is(a.status, 200, a.body.slice(0, 300))
  assert.not.match(a.body, VALUE)
})

test('GET pods/resize (the whole Pod, 1.33+) does not carry the env value', async () => {
  const a = await agent('/api/v1/namespaces/staging/pods/web/resize')
  assert.not.match(a.body, VALUE, `${a.status} ${a.body.slice(0, 400)}`)
  assert.is(a.status, 200, a.body.slice(0, 300))
  assert.is(JSON.parse(a.body).spec.containers[0].env[0].name, 'UPSTREAM')
})

test('a pod update the apiserver refuses (env is immutable) answers without the old env value in its diff', async () => {
  // Not the env value itself: a write setting it is held as an oracle (attack-kube6), nor what the container runs
  // (held as workload_code, attack-kube7). Any immutable field prints the diff: a running pod's node selector.
  const patch = JSON.stringify([{ op: 'add', path: '/spec/nodeSelector', value: { pool: 'b' } }])
  const a = await agent('/api/v1/namespaces/staging/pods/web', { method: 'PATCH', type: 'application/json-patch+json', body: patch })
  assert.not.match(a.body, VALUE, `${a.status} ${a.body.slice(0, 600)}`)
  // Still the apiserver's refusal, with its reason and the field it names.
  const status = JSON.parse(a.body)
  assert.is(a.status, 422)
  assert.is(status.reason, 'Invalid')
  assert.is(status.details.causes[0].field, 'spec')
})

test('a create the apiserver refuses (it quotes only what was sent) keeps its message readable', async () => {
  const a = await agent('/api/v1/namespaces/staging/pods', { method: 'POST', type: 'application/json', body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'empty' }, spec: { containers: [] } }) })
  assert.is(a.status, 422, a.body.slice(0, 300))
  assert.match(JSON.parse(a.body).message, 'Required value')
})

test('a job template update the apiserver refuses (immutable) answers without the env value it prints', async () => {
  // A node selector (a new image is held as workload_code before the apiserver sees it).
  const patch = JSON.stringify({ spec: { template: { spec: { nodeSelector: { pool: 'b' } } } } })
  const a = await agent('/apis/batch/v1/namespaces/staging/jobs/migrate', { method: 'PATCH', type: 'application/strategic-merge-patch+json', body: patch })
  assert.not.match(a.body, VALUE, `${a.status} ${a.body.slice(0, 600)}`)
  assert.is(a.status, 422, a.body.slice(0, 300))
})

// A ValidatingAdmissionPolicy evaluates CEL over any object the apiserver holds: its params can be a Secret, and its
// messageExpression puts what it reads into the refusal of an ordinary write (a ConfigMap here), which nothing masks.
const vap = (name: string) => JSON.stringify({
  apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name },
  spec: {
    failurePolicy: 'Fail', paramKind: { apiVersion: 'v1', kind: 'Secret' },
    matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }] },
    validations: [{ expression: 'false', messageExpression: 'string(params.data.upstream)' }],
  },
})
const binding = (name: string) => JSON.stringify({
  apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name },
  spec: { policyName: name, validationActions: ['Deny'], paramRef: { name: 'db', namespace: 'staging', parameterNotFoundAction: 'Deny' }, matchResources: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'staging' } } } },
})
const configMap = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'staging' }, data: { a: 'b' } })

test('control: a ValidatingAdmissionPolicy with a Secret as params answers an ordinary ConfigMap write with the Secret value', async () => {
  await admin(['apply', '-f', '-'], vap('leak-control'))
  await admin(['apply', '-f', '-'], binding('leak-control'))
  let body = ''
  // Params are read unstructured: the message holds the Secret's data as stored, base64.
  const stored = Buffer.from(SECRET).toString('base64')
  // The apiserver takes a moment to load a new policy.
  for (let i = 0; i < 40 && !body.includes(stored); i++) {
    await new Promise((r) => setTimeout(r, 250))
    body = (await agent('/api/v1/namespaces/staging/configmaps', { method: 'POST', type: 'application/json', body: configMap(`probe-${i}`) })).body
  }
  assert.match(body, stored, body.slice(0, 500))
  await admin(['delete', 'validatingadmissionpolicybinding', 'leak-control'])
  await admin(['delete', 'validatingadmissionpolicy', 'leak-control'])
})

test('an agent cannot create admission policies or their bindings (CEL over any object, Secrets as params, messages of its choosing)', async () => {
  for (const [path, body] of [
    ['/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies', vap('leak')],
    ['/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings', binding('leak')],
  ] as const) {
    const a = await agent(path, { method: 'POST', type: 'application/json', body })
    assert.is(a.status, 403, `${path}: ${a.status} ${a.body.slice(0, 300)}`)
    assert.match(a.body, 'warden.rules.kubernetes.interception', a.body.slice(0, 400))
  }
  assert.not.match(await admin(['get', 'validatingadmissionpolicies', '-o', 'name']), 'leak')
})

// Go's JSON decoding (the apiserver's) fills a struct met twice from both occurrences: the first `spec`'s hostPID
// stays under the second's containers. JavaScript keeps only the last, where the policy saw no host access.
test('a Pod whose JSON names spec twice (the apiserver merges both; the policy read the last) is refused, not created with host access', async () => {
  const c = JSON.stringify({ name: 'c', image: 'busybox' })
  const body = `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"twice","namespace":"staging"},"spec":{"hostPID":true,"containers":[${c}]},"spec":{"containers":[${c}]}}`
  const a = await agent('/api/v1/namespaces/staging/pods', { method: 'POST', type: 'application/json', body })
  const created = await admin(['get', 'pods', '-n', 'staging', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.hostPID};{end}'])
  assert.not.match(created, 'twice=true', `${a.status} ${a.body.slice(0, 300)}`)
  assert.is(a.status, 403, a.body.slice(0, 300))
})

test('credentials an agent could mint on the cluster are held, never created: a client certificate request (the kubelet signer auto-approves node client certificates for an admin requester) and a bootstrap token it chose', async () => {
  const csr = JSON.stringify({
    apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'agent-node' },
    spec: { signerName: 'kubernetes.io/kube-apiserver-client-kubelet', usages: ['client auth', 'digital signature'], request: Buffer.from('-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n').toString('base64') },
  })
  const bootstrap = JSON.stringify({
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'bootstrap-token-abcdef', namespace: 'kube-system' }, type: 'bootstrap.kubernetes.io/token',
    stringData: { 'token-id': 'abcdef', 'token-secret': '0123456789abcdef', 'usage-bootstrap-authentication': 'true', 'auth-extra-groups': 'system:bootstrappers:kubeadm:default-node-token' },
  })
  for (const [path, body] of [
    ['/apis/certificates.k8s.io/v1/certificatesigningrequests', csr],
    ['/api/v1/namespaces/kube-system/secrets', bootstrap],
  ] as const) {
    const a = await agent(path, { method: 'POST', type: 'application/json', body })
    assert.is(a.status, 403, `${path}: ${a.status} ${a.body.slice(0, 300)}`)
    assert.match(a.body, 'held for approval', a.body.slice(0, 300))
  }
  assert.not.match(await admin(['get', 'csr', '-o', 'name']), 'agent-node')
  assert.not.match(await admin(['get', 'secrets', '-n', 'kube-system', '-o', 'name']), 'bootstrap-token')
})

test.run()
