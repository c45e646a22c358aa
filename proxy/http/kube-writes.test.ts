import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { KubernetesCommand } from '../../engine/types.ts'
import { KubeWrites } from './kube-writes.ts'

const kube = (verb: string, resource: string, name: string, extra: Partial<KubernetesCommand> = {}) =>
  ({ is_resource_request: true, api_group: '', namespace: 'staging', verb, resource, name, subresource: '', ...extra }) as KubernetesCommand

test('writes of Secrets and ConfigMaps are noted per target, namespace, kind and name; reads, creates and other kinds are not', () => {
  const w = new KubeWrites()
  w.note('k8s', kube('patch', 'secrets', 'db'), 1000)
  w.note('k8s', kube('delete', 'configmaps', 'app'), 2000)
  w.note('k8s', kube('get', 'secrets', 'api'), 3000)
  w.note('k8s', kube('create', 'secrets', ''), 3000)
  w.note('k8s', kube('patch', 'deployments', 'web', { api_group: 'apps' }), 3000)
  w.note('k8s', kube('patch', 'secrets', 'crd', { api_group: 'example.com' }), 3000)
  w.note('k8s', undefined, 3000)
  assert.is(w.lastWritten('k8s', 'staging', 'secrets', 'db'), 1000)
  assert.is(w.lastWritten('k8s', 'staging', 'configmaps', 'app'), 2000)
  assert.is(w.lastWritten('k8s', 'staging', 'secrets', 'api'), undefined)
  assert.is(w.lastWritten('k8s', 'staging', 'secrets', 'crd'), undefined)
  assert.is(w.lastWritten('other', 'staging', 'secrets', 'db'), undefined)
  assert.is(w.lastWritten('k8s', 'prod', 'secrets', 'db'), undefined)
  assert.is(w.lastWritten('k8s', 'staging', 'configmaps', 'db'), undefined)
})

test('a deletecollection counts for every object of its kind in its namespace (or in all of them)', () => {
  const w = new KubeWrites()
  w.note('k8s', kube('patch', 'secrets', 'db'), 1000)
  w.note('k8s', kube('deletecollection', 'secrets', ''), 5000)
  assert.is(w.lastWritten('k8s', 'staging', 'secrets', 'db'), 5000)
  assert.is(w.lastWritten('k8s', 'staging', 'secrets', 'any'), 5000)
  assert.is(w.lastWritten('k8s', 'prod', 'secrets', 'any'), undefined)
  w.note('k8s', kube('deletecollection', 'configmaps', '', { namespace: '' }), 7000)
  assert.is(w.lastWritten('k8s', 'prod', 'configmaps', 'any'), 7000)
})

test('past its bound the least recently written object is forgotten first', () => {
  const w = new KubeWrites(2)
  w.note('k8s', kube('patch', 'secrets', 'a'), 1)
  w.note('k8s', kube('patch', 'secrets', 'b'), 2)
  w.note('k8s', kube('patch', 'secrets', 'a'), 3)
  w.note('k8s', kube('patch', 'secrets', 'c'), 4)
  assert.is(w.lastWritten('k8s', 'staging', 'secrets', 'b'), undefined)
  assert.is(w.lastWritten('k8s', 'staging', 'secrets', 'a'), 3)
  assert.is(w.lastWritten('k8s', 'staging', 'secrets', 'c'), 4)
})

test.run()
