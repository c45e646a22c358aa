import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { KubernetesCommand } from '../../engine/types.ts'
import { KubeWrites } from './kube-writes.ts'

const kube = (verb: string, resource: string, name: string, extra: Partial<KubernetesCommand> = {}) =>
  ({ is_resource_request: true, api_group: '', namespace: 'staging', verb, resource, name, subresource: '', ...extra }) as KubernetesCommand

test('writes of Secrets and ConfigMaps are noted per namespace, kind and name (whatever target they went through); reads, creates and other kinds are not', () => {
  const w = new KubeWrites()
  w.note(kube('patch', 'secrets', 'db'), 1000)
  w.note(kube('delete', 'configmaps', 'app'), 2000)
  w.note(kube('get', 'secrets', 'api'), 3000)
  w.note(kube('create', 'secrets', ''), 3000)
  w.note(kube('patch', 'deployments', 'web', { api_group: 'apps' }), 3000)
  w.note(kube('patch', 'secrets', 'crd', { api_group: 'example.com' }), 3000)
  w.note(undefined, 3000)
  assert.is(w.lastWritten('staging', 'secrets', 'db'), 1000)
  assert.is(w.lastWritten('staging', 'configmaps', 'app'), 2000)
  assert.is(w.lastWritten('staging', 'secrets', 'api'), undefined)
  assert.is(w.lastWritten('staging', 'secrets', 'crd'), undefined)
  assert.is(w.lastWritten('prod', 'secrets', 'db'), undefined)
  assert.is(w.lastWritten('staging', 'configmaps', 'db'), undefined)
})

test('a deletecollection counts for every object of its kind in its namespace (or in all of them)', () => {
  const w = new KubeWrites()
  w.note(kube('patch', 'secrets', 'db'), 1000)
  w.note(kube('deletecollection', 'secrets', ''), 5000)
  assert.is(w.lastWritten('staging', 'secrets', 'db'), 5000)
  assert.is(w.lastWritten('staging', 'secrets', 'any'), 5000)
  assert.is(w.lastWritten('prod', 'secrets', 'any'), undefined)
  w.note(kube('deletecollection', 'configmaps', '', { namespace: '' }), 7000)
  assert.is(w.lastWritten('prod', 'configmaps', 'any'), 7000)
})

test('past its bound the least recently written object is forgotten first, and its write then counts for every object of its namespace', () => {
  const w = new KubeWrites(2)
  w.note(kube('patch', 'secrets', 'a'), 1)
  w.note(kube('patch', 'secrets', 'b'), 2)
  w.note(kube('patch', 'secrets', 'a'), 3)
  w.note(kube('patch', 'secrets', 'c'), 4)
  // b was forgotten: when it was written (2) is kept for the cluster, not that it was b.
  assert.is(w.lastWritten('staging', 'secrets', 'b'), 2)
  assert.is(w.lastWritten('staging', 'configmaps', 'never'), 2)
  assert.is(w.lastWritten('staging', 'secrets', 'a'), 3)
  assert.is(w.lastWritten('staging', 'secrets', 'c'), 4)
  // Another namespace's objects keep their own record.
  assert.is(w.lastWritten('prod', 'secrets', 'b'), undefined)
})

test('writing many other objects does not wash out the note of one rewritten before: its log stays refused', () => {
  const w = new KubeWrites(100)
  w.note(kube('patch', 'secrets', 'db'), 1000)
  for (let i = 0; i < 1_000; i++) w.note(kube('patch', 'configmaps', `filler-${i}`), 1001 + i)
  assert.ok((w.lastWritten('staging', 'secrets', 'db') ?? 0) >= 1000)
})

test('a write forgotten when too many namespaces have forgotten writes counts for every namespace; one of every namespace, too', () => {
  const w = new KubeWrites(1, 2)
  w.note(kube('patch', 'secrets', 'a', { namespace: 'n1' }), 1)
  w.note(kube('patch', 'secrets', 'a', { namespace: 'n2' }), 2)
  w.note(kube('patch', 'secrets', 'a', { namespace: 'n3' }), 3)
  w.note(kube('patch', 'secrets', 'a', { namespace: 'n4' }), 4)
  // n1 and n2 forgotten per namespace, then n1 folded into every namespace's when n3 was forgotten.
  assert.is(w.lastWritten('n2', 'secrets', 'x'), 2)
  assert.is(w.lastWritten('prod', 'secrets', 'x'), 1)
  w.note(kube('deletecollection', 'configmaps', '', { namespace: '' }), 9)
  w.note(kube('patch', 'secrets', 'b', { namespace: 'n5' }), 10)
  assert.is(w.lastWritten('prod', 'secrets', 'x'), 9)
})

test.run()
