// Risk of a Kubernetes API request. Deterministic; the score table:
//
//   non-resource GET / HEAD (/healthz, /version …) ... 5    other non-resource request ... 50
//   verb get 10 · list, watch 15 · create, update, patch 45 · delete 60 · deletecollection 75 · proxy 65
//   any other verb ................................. 55
// then raised to at least:
//   log subresource 20 · eviction, binding 50 · get Secret 55 · list / watch Secrets 60 · proxy subresource 65
//   portforward 70 · delete PersistentVolumeClaims 70 · exec, attach, ephemeralcontainers 80
//   serviceaccounts/token 80 · webhook / CRD / APIService writes 80 · CSR approval 85 · nodes/proxy 85
//   RBAC writes 90 · delete namespaces, nodes, persistentvolumes, CRDs 90
// then added:
//   write in kube-system +15 · cluster-scoped write +10
import type { KubernetesCommand, Risk } from '../../types.ts'
import { riskOf } from './http.ts'

const VERB_SCORES: Record<string, number> = {
  get: 10, list: 15, watch: 15, create: 45, update: 45, patch: 45, delete: 60, deletecollection: 75, proxy: 65,
}
const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection'])
const READ_VERBS = new Set(['get', 'list', 'watch'])
const RBAC_RESOURCES = new Set(['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'])
const EXTENSION_RESOURCES = new Set([
  'validatingwebhookconfigurations', 'mutatingwebhookconfigurations', 'validatingadmissionpolicies',
  'validatingadmissionpolicybindings', 'customresourcedefinitions', 'apiservices',
])
const CLUSTER_DELETES = new Set(['namespaces', 'nodes', 'persistentvolumes', 'customresourcedefinitions'])
// [subresource, at least, reason]; the subresource alone is enough, whatever the verb.
const SUBRESOURCES: Array<[string, number, string]> = [
  ['log', 20, 'reads container logs'],
  ['eviction', 50, 'evicts a pod'],
  ['binding', 50, 'binds a pod to a node'],
  ['proxy', 65, 'proxies traffic to the object'],
  ['portforward', 70, 'forwards a port into a pod'],
  ['exec', 80, 'runs a command in a container'],
  ['attach', 80, 'attaches to a running container'],
  ['ephemeralcontainers', 80, 'adds a debug container to a pod'],
  ['approval', 85, 'approves a certificate signing request'],
]

export function kubernetesRisk(k: KubernetesCommand): Risk {
  if (!k.is_resource_request) {
    const read = k.verb === 'get' || k.verb === 'head'
    return riskOf(read ? 5 : 50, [read ? `non-resource read of ${k.path}` : `non-resource ${k.verb || 'request'} of ${k.path}`])
  }
  let score = VERB_SCORES[k.verb] ?? 55
  const reasons = [VERB_SCORES[k.verb] === undefined ? `unrecognised verb ${k.verb || '(none)'}` : `${k.verb} ${k.resource || 'unknown resource'}`]
  const atLeast = (min: number, reason: string) => {
    score = Math.max(score, min)
    reasons.push(reason)
  }
  const write = WRITE_VERBS.has(k.verb)
  const deleting = k.verb === 'delete' || k.verb === 'deletecollection'

  for (const [subresource, min, reason] of SUBRESOURCES) if (k.subresource === subresource) atLeast(min, reason)
  if (k.resource === 'nodes' && (k.subresource === 'proxy' || k.verb === 'proxy')) atLeast(85, 'proxies to a kubelet')
  if (k.resource === 'secrets' && k.subresource === '' && READ_VERBS.has(k.verb)) {
    // A list or watch narrowed to one name (fieldSelector metadata.name) reads that one Secret.
    const one = k.name !== ''
    atLeast(one ? 55 : 60, one ? 'reads Secret data' : 'reads every Secret in scope')
  }
  if (k.resource === 'serviceaccounts' && k.subresource === 'token') atLeast(80, 'mints a service account token')
  if (write && k.api_group === 'rbac.authorization.k8s.io' && RBAC_RESOURCES.has(k.resource)) atLeast(90, 'changes RBAC')
  if (write && EXTENSION_RESOURCES.has(k.resource)) atLeast(80, 'changes admission or API extension configuration')
  if (deleting && k.resource === 'persistentvolumeclaims') atLeast(70, 'deletes storage claims')
  if (deleting && CLUSTER_DELETES.has(k.resource) && k.subresource === '') atLeast(90, `deletes ${k.resource}`)

  if (write && k.namespace === 'kube-system') {
    score += 15
    reasons.push('writes in kube-system')
  }
  if (write && k.namespace === '' && k.resource !== 'namespaces') {
    score += 10
    reasons.push('cluster-scoped write')
  }
  return riskOf(score, reasons)
}
