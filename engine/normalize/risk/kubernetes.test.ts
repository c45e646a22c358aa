import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { normalizeKubernetes } from '../kubernetes.ts'
import { kubernetesRisk } from './kubernetes.ts'

const k8s = (method: string, path: string) => kubernetesRisk(normalizeKubernetes({ method, url: `https://k8s${path}` }))

const table: Array<[string, string, number, string]> = [
  ['GET', '/healthz', 5, 'low'],
  ['POST', '/logs/x', 50, 'high'],
  ['GET', '/api/v1/namespaces/prod/pods/web', 10, 'low'],
  ['GET', '/api/v1/namespaces/prod/pods', 15, 'low'],
  ['GET', '/api/v1/namespaces/prod/pods?watch=1', 15, 'low'],
  ['GET', '/api/v1/namespaces/prod/pods/web/log', 20, 'low'],
  ['POST', '/api/v1/namespaces/prod/configmaps', 45, 'medium'],
  ['PATCH', '/apis/apps/v1/namespaces/prod/deployments/web', 45, 'medium'],
  ['DELETE', '/api/v1/namespaces/prod/pods/web', 60, 'high'],
  ['DELETE', '/api/v1/namespaces/prod/pods', 75, 'critical'],
  ['GET', '/api/v1/namespaces/prod/secrets/db', 55, 'high'],
  ['GET', '/api/v1/namespaces/prod/secrets', 60, 'high'],
  ['GET', '/api/v1/watch/namespaces/prod/secrets', 60, 'high'],
  ['GET', '/api/v1/namespaces/prod/secrets?watch=1&fieldSelector=metadata.name%3Ddb', 55, 'high'],
  ['POST', '/api/v1/namespaces/prod/pods/web/eviction', 50, 'high'],
  ['GET', '/api/v1/namespaces/prod/services/web/proxy/x', 65, 'high'],
  ['POST', '/api/v1/namespaces/prod/pods/web/portforward', 70, 'high'],
  ['DELETE', '/api/v1/namespaces/prod/persistentvolumeclaims/data', 70, 'high'],
  ['POST', '/api/v1/namespaces/prod/pods/web/exec', 80, 'critical'],
  ['GET', '/api/v1/namespaces/prod/pods/web/attach', 80, 'critical'],
  ['PATCH', '/api/v1/namespaces/prod/pods/web/ephemeralcontainers', 80, 'critical'],
  ['POST', '/api/v1/namespaces/prod/serviceaccounts/ci/token', 80, 'critical'],
  ['GET', '/api/v1/nodes/n1/proxy/metrics', 85, 'critical'],
  ['PUT', '/apis/certificates.k8s.io/v1/certificatesigningrequests/c/approval', 95, 'critical'],
  ['POST', '/apis/rbac.authorization.k8s.io/v1/namespaces/prod/rolebindings', 90, 'critical'],
  ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', 100, 'critical'],
  ['GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles', 15, 'low'],
  ['POST', '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations', 90, 'critical'],
  ['DELETE', '/api/v1/namespaces/payments', 90, 'critical'],
  ['DELETE', '/api/v1/nodes/n1', 100, 'critical'],
  ['DELETE', '/api/v1/persistentvolumes', 100, 'critical'],
  ['POST', '/api/v1/namespaces/kube-system/configmaps', 60, 'high'],
  ['PATCH', '/api/v1/nodes/n1', 55, 'high'],
  ['OPTIONS', '/api/v1/namespaces/prod/pods/web', 55, 'high'],
]

for (const [method, path, score, level] of table) {
  test(`${method} ${path} ⇒ ${score} ${level}`, () => {
    const got = k8s(method, path)
    assert.is(got.score, score, JSON.stringify(got.reasons))
    assert.is(got.level, level)
  })
}

test('reasons name what made it risky', () => {
  assert.ok(k8s('POST', '/api/v1/namespaces/prod/pods/web/exec').reasons.includes('runs a command in a container'))
  assert.ok(k8s('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings').reasons.includes('changes RBAC'))
  assert.ok(k8s('GET', '/api/v1/namespaces/prod/secrets').reasons.includes('reads every Secret in scope'))
})

test('deterministic', () => {
  assert.equal(k8s('DELETE', '/api/v1/nodes/n1'), k8s('DELETE', '/api/v1/nodes/n1'))
})

test.run()
