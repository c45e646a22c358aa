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

test('past its bound the least recently written object is forgotten first, and its write then counts for every object of its cluster', () => {
  const w = new KubeWrites(2)
  w.note('k8s', kube('patch', 'secrets', 'a'), 1)
  w.note('k8s', kube('patch', 'secrets', 'b'), 2)
  w.note('k8s', kube('patch', 'secrets', 'a'), 3)
  w.note('k8s', kube('patch', 'secrets', 'c'), 4)
  // b was forgotten: when it was written (2) is kept for the cluster, not that it was b.
  assert.is(w.lastWritten('k8s', 'staging', 'secrets', 'b'), 2)
  assert.is(w.lastWritten('k8s', 'staging', 'configmaps', 'never'), 2)
  assert.is(w.lastWritten('k8s', 'staging', 'secrets', 'a'), 3)
  assert.is(w.lastWritten('k8s', 'staging', 'secrets', 'c'), 4)
  assert.is(w.lastWritten('other', 'staging', 'secrets', 'b'), undefined)
})

test('writing many other objects does not wash out the note of one rewritten before: its log stays refused', () => {
  const w = new KubeWrites(100)
  w.note('k8s', kube('patch', 'secrets', 'db'), 1000)
  for (let i = 0; i < 1_000; i++) w.note('k8s', kube('patch', 'configmaps', `filler-${i}`), 1001 + i)
  assert.ok((w.lastWritten('k8s', 'staging', 'secrets', 'db') ?? 0) >= 1000)
})

test.run()
