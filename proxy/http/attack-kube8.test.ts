// Eighth attack round on the Kubernetes path, against the real kube-apiserver, by an agent holding a valid token
// under the default policy (`staging` is not a production namespace): a custom resource whose controller runs the
// pod template it carries (Argo Rollouts, Knative, KEDA), or containers of its own (Tekton, Argo Workflows), holds
// literal env values as a Deployment does, and its writes were judged as a workload's; its reads gave those values
// back in clear.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type KubeAttack, startKubeAttack } from './testing/kube-attack.ts'

let k: KubeAttack
const VALUE = 'Zq8upstreamK3y'
const GUESS = 'Zq8upstreamK3z'

const crd = (group: string, plural: string, kind: string) => ({
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: `${plural}.${group}` },
  spec: {
    group, scope: 'Namespaced', names: { plural, singular: kind.toLowerCase(), kind },
    versions: [{ name: 'v1alpha1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } } }],
  },
})
// A name no detector knows as a secret: only the env masks keep the value.
const container = (value: string) => ({ name: 'c', image: 'busybox', env: [{ name: 'UPSTREAM', value }] })
const ROLLOUTS = '/apis/argoproj.io/v1alpha1/namespaces/staging/rollouts'
const REVISIONS = '/apis/serving.knative.dev/v1alpha1/namespaces/staging/revisions'
const TASKS = '/apis/tekton.dev/v1alpha1/namespaces/staging/tasks'
const WORKFLOWS = '/apis/argoproj.io/v1alpha1/namespaces/staging/workflows'

test.before(async () => {
  k = await startKubeAttack('attack-kube8', { holdSeconds: 0.2 })
  await k.admin(['create', 'namespace', 'staging'])
  await k.admin(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [crd('argoproj.io', 'rollouts', 'Rollout'), crd('serving.knative.dev', 'revisions', 'Revision'), crd('tekton.dev', 'tasks', 'Task'), crd('argoproj.io', 'workflows', 'Workflow')] }))
  await k.admin(['wait', '--for=condition=established', 'crd/rollouts.argoproj.io', 'crd/revisions.serving.knative.dev', 'crd/tasks.tekton.dev', 'crd/workflows.argoproj.io', '--timeout=60s'])
  await k.admin(['apply', '--server-side', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [
    { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'web', namespace: 'staging' }, spec: { template: { spec: { containers: [container(VALUE)], initContainers: [container(VALUE)] } } } },
    { apiVersion: 'serving.knative.dev/v1alpha1', kind: 'Revision', metadata: { name: 'web-1', namespace: 'staging' }, spec: { containers: [container(VALUE)] } },
    // Containers without a pod spec: Tekton's steps and step template, Argo Workflows' templates.
    { apiVersion: 'tekton.dev/v1alpha1', kind: 'Task', metadata: { name: 'build', namespace: 'staging' }, spec: { steps: [container(VALUE)], stepTemplate: { env: [{ name: 'UPSTREAM', value: VALUE }] } } },
    { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { name: 'nightly', namespace: 'staging' }, spec: { entrypoint: 'main', templates: [{ name: 'main', container: container(VALUE) }, { name: 'post', script: { ...container(VALUE), source: 'echo done' } }] } },
  ] }))
})

test.after(async () => {
  await k?.close()
})

test('control: the admin reads the env values of the Rollout, the Revision, the Task and the Workflow', async () => {
  const all = await k.admin(['get', 'rollouts.argoproj.io/web', 'revisions.serving.knative.dev/web-1', 'tasks.tekton.dev/build', 'workflows.argoproj.io/nightly', '-n', 'staging', '-o', 'json'])
  assert.is(all.split(VALUE).length - 1, 7)
})

test('a custom resource\'s pod template env values are masked in a get, a list, a watch and a Table with objects', async () => {
  for (const path of [
    `${ROLLOUTS}/web`,
    ROLLOUTS,
    `${ROLLOUTS}?watch=true&timeoutSeconds=1`,
    `${REVISIONS}/web-1`,
    REVISIONS,
    `${TASKS}/build`,
    `${WORKFLOWS}/nightly`,
    `${WORKFLOWS}?watch=true&timeoutSeconds=1`,
  ]) {
    const a = await k.agent(path)
    assert.is(a.status, 200, `${path}: ${a.body.slice(0, 300)}`)
    assert.match(a.body, 'UPSTREAM', path)
    assert.not.match(a.body, VALUE, `${path}: ${a.body.slice(0, 600)}`)
  }
  const table = await k.agent(`${ROLLOUTS}?includeObject=Object`, { headers: { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' } })
  assert.is(table.status, 200, table.body.slice(0, 300))
  assert.not.match(table.body, VALUE, table.body.slice(0, 600))
})

test('a server-side apply without force guessing a custom resource\'s env value (a conflict oracle) is held', async () => {
  const apply = (value: string) => `apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        env:\n        - name: UPSTREAM\n          value: ${value}\n`
  for (const value of [GUESS, VALUE]) {
    const a = await k.agent(`${ROLLOUTS}/web?fieldManager=agent&dryRun=All`, { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body: apply(value) })
    assert.is(a.status, 403, a.body.slice(0, 300))
    assert.match(a.body, 'held for approval')
    assert.match(a.body, 'warden.rules.kubernetes.secret_oracle', a.body.slice(0, 600))
    assert.not.match(a.body, 'onflict')
  }
  // A Tekton Task: its containers are steps, with no pod spec.
  const task = (value: string) => `apiVersion: tekton.dev/v1alpha1\nkind: Task\nmetadata:\n  name: build\nspec:\n  steps:\n  - name: c\n    env:\n    - name: UPSTREAM\n      value: ${value}\n`
  for (const value of [GUESS, VALUE]) {
    const a = await k.agent(`${TASKS}/build?fieldManager=agent&dryRun=All`, { method: 'PATCH', headers: { 'content-type': 'application/apply-patch+yaml' }, body: task(value) })
    assert.is(a.status, 403, a.body.slice(0, 300))
    assert.match(a.body, 'warden.rules.kubernetes.secret_oracle', a.body.slice(0, 600))
  }
})

test('the fetched Rollout written back (its env masked) is refused: the real env value stays', async () => {
  const fetched = await k.agent(`${ROLLOUTS}/web`)
  const a = await k.agent(`${ROLLOUTS}/web`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: fetched.body })
  assert.is(a.status, 403, a.body.slice(0, 300))
  assert.match(a.body, 'warden.rules.mask_writes', a.body.slice(0, 600))
  assert.match(await k.admin(['get', 'rollouts.argoproj.io/web', '-n', 'staging', '-o', 'json']), VALUE)
})

test('a custom resource without a pod template reads as it was', async () => {
  await k.admin(['apply', '--server-side', '-f', '-'], JSON.stringify({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'plain', namespace: 'staging' }, spec: { replicas: 3, strategy: { canary: { steps: [{ setWeight: 20 }] } } } }))
  const a = await k.agent(`${ROLLOUTS}/plain`)
  assert.is(a.status, 200)
  assert.equal(JSON.parse(a.body).spec, { replicas: 3, strategy: { canary: { steps: [{ setWeight: 20 }] } } })
})

test.run()
