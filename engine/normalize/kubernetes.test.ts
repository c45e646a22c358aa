import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { KubernetesCommand } from '../types.ts'
import { normalizeKubernetes } from './kubernetes.ts'
import { garbageRequests } from './garbage-requests.ts'

type Want = Partial<KubernetesCommand>

// [method, URL (path + query), expected fields]. Fields not named are expected empty ('') / false.
const cases: Array<[string, string, Want]> = [
  // core group
  ['GET', '/api/v1/pods', { verb: 'list', api_prefix: 'api', api_version: 'v1', resource: 'pods' }],
  ['GET', '/api/v1/namespaces/default/pods', { verb: 'list', api_prefix: 'api', api_version: 'v1', namespace: 'default', resource: 'pods' }],
  ['GET', '/api/v1/namespaces/default/pods/web-1', { verb: 'get', api_prefix: 'api', api_version: 'v1', namespace: 'default', resource: 'pods', name: 'web-1' }],
  ['HEAD', '/api/v1/namespaces/default/pods/web-1', { verb: 'get', api_prefix: 'api', api_version: 'v1', namespace: 'default', resource: 'pods', name: 'web-1' }],
  ['POST', '/api/v1/namespaces/default/pods', { verb: 'create', api_prefix: 'api', api_version: 'v1', namespace: 'default', resource: 'pods' }],
  ['PUT', '/api/v1/namespaces/default/pods/web-1', { verb: 'update', api_prefix: 'api', api_version: 'v1', namespace: 'default', resource: 'pods', name: 'web-1' }],
  ['PATCH', '/api/v1/namespaces/default/pods/web-1', { verb: 'patch', api_prefix: 'api', api_version: 'v1', namespace: 'default', resource: 'pods', name: 'web-1' }],
  ['DELETE', '/api/v1/namespaces/default/pods/web-1', { verb: 'delete', api_prefix: 'api', api_version: 'v1', namespace: 'default', resource: 'pods', name: 'web-1' }],
  ['DELETE', '/api/v1/namespaces/default/pods', { verb: 'deletecollection', api_prefix: 'api', api_version: 'v1', namespace: 'default', resource: 'pods' }],
  ['OPTIONS', '/api/v1/namespaces/default/pods/web-1', { verb: '', api_prefix: 'api', api_version: 'v1', namespace: 'default', resource: 'pods', name: 'web-1' }],
  // subresources
  ['POST', '/api/v1/namespaces/prod/pods/web-1/exec?command=sh&stdin=true', { verb: 'create', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods', name: 'web-1', subresource: 'exec' }],
  ['GET', '/api/v1/namespaces/prod/pods/web-1/exec?command=sh', { verb: 'get', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods', name: 'web-1', subresource: 'exec' }],
  ['POST', '/api/v1/namespaces/prod/pods/web-1/attach', { verb: 'create', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods', name: 'web-1', subresource: 'attach' }],
  ['POST', '/api/v1/namespaces/prod/pods/web-1/portforward', { verb: 'create', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods', name: 'web-1', subresource: 'portforward' }],
  ['GET', '/api/v1/namespaces/prod/pods/web-1/log?container=app', { verb: 'get', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods', name: 'web-1', subresource: 'log' }],
  ['GET', '/api/v1/namespaces/prod/services/web:80/proxy/admin/x', { verb: 'get', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'services', name: 'web:80', subresource: 'proxy' }],
  ['PUT', '/api/v1/namespaces/prod/pods/web-1/status', { verb: 'update', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods', name: 'web-1', subresource: 'status' }],
  ['POST', '/api/v1/namespaces/prod/pods/web-1/eviction', { verb: 'create', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods', name: 'web-1', subresource: 'eviction' }],
  ['POST', '/api/v1/namespaces/prod/pods/web-1/binding', { verb: 'create', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods', name: 'web-1', subresource: 'binding' }],
  ['POST', '/api/v1/namespaces/prod/serviceaccounts/builder/token', { verb: 'create', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'serviceaccounts', name: 'builder', subresource: 'token' }],
  ['PATCH', '/apis/apps/v1/namespaces/prod/deployments/web/scale', { verb: 'patch', api_prefix: 'apis', api_group: 'apps', api_version: 'v1', namespace: 'prod', resource: 'deployments', name: 'web', subresource: 'scale' }],
  // namespaces themselves: namespace = name, as RequestInfo does
  ['GET', '/api/v1/namespaces', { verb: 'list', api_prefix: 'api', api_version: 'v1', resource: 'namespaces' }],
  ['GET', '/api/v1/namespaces/payments', { verb: 'get', api_prefix: 'api', api_version: 'v1', namespace: 'payments', resource: 'namespaces', name: 'payments' }],
  ['DELETE', '/api/v1/namespaces/payments', { verb: 'delete', api_prefix: 'api', api_version: 'v1', namespace: 'payments', resource: 'namespaces', name: 'payments' }],
  ['PUT', '/api/v1/namespaces/payments/finalize', { verb: 'update', api_prefix: 'api', api_version: 'v1', namespace: 'payments', resource: 'namespaces', name: 'payments', subresource: 'finalize' }],
  ['PATCH', '/api/v1/namespaces/payments/status', { verb: 'patch', api_prefix: 'api', api_version: 'v1', namespace: 'payments', resource: 'namespaces', name: 'payments', subresource: 'status' }],
  // cluster-scoped
  ['DELETE', '/api/v1/nodes/node-1', { verb: 'delete', api_prefix: 'api', api_version: 'v1', resource: 'nodes', name: 'node-1' }],
  ['GET', '/api/v1/nodes/node-1/proxy/metrics', { verb: 'get', api_prefix: 'api', api_version: 'v1', resource: 'nodes', name: 'node-1', subresource: 'proxy' }],
  ['DELETE', '/api/v1/persistentvolumes/pv-1', { verb: 'delete', api_prefix: 'api', api_version: 'v1', resource: 'persistentvolumes', name: 'pv-1' }],
  ['DELETE', '/api/v1/persistentvolumes', { verb: 'deletecollection', api_prefix: 'api', api_version: 'v1', resource: 'persistentvolumes' }],
  ['POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', { verb: 'create', api_prefix: 'apis', api_group: 'rbac.authorization.k8s.io', api_version: 'v1', resource: 'clusterrolebindings' }],
  ['PUT', '/apis/rbac.authorization.k8s.io/v1/namespaces/prod/roles/admin', { verb: 'update', api_prefix: 'apis', api_group: 'rbac.authorization.k8s.io', api_version: 'v1', namespace: 'prod', resource: 'roles', name: 'admin' }],
  // CRDs and custom resources
  ['DELETE', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com', { verb: 'delete', api_prefix: 'apis', api_group: 'apiextensions.k8s.io', api_version: 'v1', resource: 'customresourcedefinitions', name: 'widgets.example.com' }],
  ['GET', '/apis/example.com/v1alpha1/namespaces/prod/widgets/w1', { verb: 'get', api_prefix: 'apis', api_group: 'example.com', api_version: 'v1alpha1', namespace: 'prod', resource: 'widgets', name: 'w1' }],
  ['GET', '/apis/example.com/v1alpha1/widgets', { verb: 'list', api_prefix: 'apis', api_group: 'example.com', api_version: 'v1alpha1', resource: 'widgets' }],
  // watch forms
  ['GET', '/api/v1/namespaces/prod/pods?watch=true', { verb: 'watch', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods' }],
  ['GET', '/api/v1/namespaces/prod/pods?watch=1', { verb: 'watch', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods' }],
  ['GET', '/api/v1/namespaces/prod/pods?watch=', { verb: 'watch', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods' }],
  ['GET', '/api/v1/namespaces/prod/pods?watch=FALSE', { verb: 'list', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods' }],
  ['GET', '/api/v1/namespaces/prod/pods?watch=0', { verb: 'list', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods' }],
  ['GET', '/api/v1/watch/namespaces/prod/pods', { verb: 'watch', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods' }],
  ['GET', '/api/v1/watch/namespaces/prod/pods/web-1', { verb: 'watch', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods', name: 'web-1' }],
  ['GET', '/api/v1/watch/namespaces', { verb: 'watch', api_prefix: 'api', api_version: 'v1', resource: 'namespaces' }],
  ['GET', '/api/v1/watch', { verb: 'get', api_prefix: 'api', api_version: 'v1', is_resource_request: true }],
  ['GET', '/api/v1/proxy/namespaces/prod/pods/web-1/extra/path', { verb: 'proxy', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods', name: 'web-1' }],
  // fieldSelector metadata.name ⇒ name on list / watch
  ['GET', '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3Ddb-password', { verb: 'list', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'secrets', name: 'db-password' }],
  ['GET', '/api/v1/namespaces/prod/secrets?watch=true&fieldSelector=metadata.name%3D%3Ddb', { verb: 'watch', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'secrets', name: 'db' }],
  ['GET', '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name!%3Ddb', { verb: 'list', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'secrets' }],
  ['GET', '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3D..', { verb: 'list', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'secrets' }],
  ['GET', '/api/v1/namespaces/prod/secrets?limit=abc&fieldSelector=metadata.name%3Ddb', { verb: 'list', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'secrets' }],
  ['DELETE', '/api/v1/namespaces/prod/secrets?fieldSelector=metadata.name%3Ddb', { verb: 'deletecollection', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'secrets' }],
  // trailing slashes, double slashes, traversal, encoding
  ['GET', '/api/v1/namespaces/prod/pods/', { verb: 'list', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods' }],
  ['GET', '/api/v1/namespaces/prod/pods/web-1/', { verb: 'get', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods', name: 'web-1' }],
  ['GET', '//api//v1//namespaces/prod//secrets', { verb: 'list', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'secrets' }],
  ['GET', '/api/v1/namespaces/dev/pods/../../prod/secrets/db', { verb: 'get', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'secrets', name: 'db' }],
  ['GET', '/api/v1/namespaces/dev/configmaps/x/..%2F..%2F..%2Fprod%2Fsecrets%2Fdb', { verb: 'get', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'secrets', name: 'db' }],
  ['GET', '/api/v1/namespaces/prod/%73ecrets/db', { verb: 'get', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'secrets', name: 'db' }],
  ['GET', '/api/v1/namespaces/prod/pods/./web-1', { verb: 'get', api_prefix: 'api', api_version: 'v1', namespace: 'prod', resource: 'pods', name: 'web-1' }],
  ['GET', '/../../api/v1/nodes', { verb: 'list', api_prefix: 'api', api_version: 'v1', resource: 'nodes' }],
  // non-resource requests
  ['GET', '/healthz', { verb: 'get' }],
  ['GET', '/version', { verb: 'get' }],
  ['GET', '/openapi/v2', { verb: 'get' }],
  ['POST', '/logs/kube-apiserver.log', { verb: 'post' }],
  ['GET', '/api', { verb: 'get' }],
  ['GET', '/api/v1', { verb: 'get' }],
  ['GET', '/apis/apps', { verb: 'get' }],
  ['GET', '/apis/apps/v1', { verb: 'get', api_prefix: 'apis' }],
  ['GET', '/apis/../healthz', { verb: 'get' }],
  ['GET', '/foo/v1/pods', { verb: 'get' }],
]

const empty: KubernetesCommand = {
  is_resource_request: false, verb: '', api_prefix: '', api_group: '', api_version: '', namespace: '',
  resource: '', subresource: '', name: '', path: '',
}

test('at least 40 paths are covered', () => {
  assert.ok(cases.length >= 40, `${cases.length} cases`)
})

for (const [method, url, want] of cases) {
  test(`${method} ${url}`, () => {
    const got = normalizeKubernetes({ method, url: `https://kubernetes.default.svc${url}` })
    const isResource = want.is_resource_request ?? want.resource !== undefined
    const expected = { ...empty, ...want, is_resource_request: isResource, path: got.path }
    assert.equal(got, expected)
  })
}

test('path is the normalized path, without the query', () => {
  const got = normalizeKubernetes({ method: 'GET', url: 'https://k/api/v1//namespaces/a/../b/pods/?watch=1' })
  assert.is(got.path, '/api/v1/namespaces/b/pods/')
})

test('origin-form URLs work too', () => {
  const got = normalizeKubernetes({ method: 'DELETE', url: '/api/v1/namespaces/prod', headers: { host: 'k8s' } })
  assert.is(got.verb, 'delete')
  assert.is(got.name, 'prod')
})

test('never throws on garbage', () => {
  for (const req of garbageRequests) assert.type(normalizeKubernetes(req), 'object')
})

test.run()
