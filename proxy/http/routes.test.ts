import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { TargetConfig } from '../../engine/config/types.ts'
import { hostMatches, isPassthrough, reverseRoute, targetForHost } from './routes.ts'

const t = (name: string, kind: TargetConfig['kind'], hosts: string[]): TargetConfig => ({ name, kind, environment: 'production', labels: {}, upstream_http: { hosts } })

test('reverse routes: /t/<target> then the API path', () => {
  assert.equal(reverseRoute('/t/prod-k8s/api/v1/pods?watch=1'), { targetName: 'prod-k8s', rest: '/api/v1/pods?watch=1' })
  assert.equal(reverseRoute('/t/prod-k8s'), { targetName: 'prod-k8s', rest: '/' })
  assert.equal(reverseRoute('/t/prod-k8s?x=1'), { targetName: 'prod-k8s', rest: '/?x=1' })
  assert.throws(() => reverseRoute('/api/v1/pods'), /address a target as \/t\/<target>/)
  assert.throws(() => reverseRoute('https://x/t/a/b'), /absolute URL/)
})

test('host patterns: * is one label, a leading *. one or more; no port means 443', () => {
  assert.ok(hostMatches('*.googleapis.com', 'storage.googleapis.com', 443))
  assert.ok(hostMatches('*.googleapis.com', 'us-central1-aiplatform.a.googleapis.com', 443))
  assert.not.ok(hostMatches('*.googleapis.com', 'googleapis.com', 443))
  assert.not.ok(hostMatches('*.googleapis.com', 'storage.googleapis.com.evil.example', 443))
  assert.not.ok(hostMatches('*.googleapis.com', 'storage.googleapis.com', 8443))
  assert.ok(hostMatches('sts.*.amazonaws.com', 'sts.eu-west-1.amazonaws.com', 443))
  assert.not.ok(hostMatches('sts.*.amazonaws.com', 'sts.a.b.amazonaws.com', 443))
  assert.ok(hostMatches('kubernetes.example:6443', 'kubernetes.example', 6443))
  assert.not.ok(hostMatches('kubernetes.example', 'kubernetes.example', 6443))
})

test('the most specific pattern wins; only HTTP-kind targets are considered', () => {
  const targets = [t('aws', 'aws', ['*.amazonaws.com']), t('sts', 'aws', ['sts.*.amazonaws.com']), t('db', 'postgres', ['db.example'])]
  assert.is(targetForHost(targets, 's3.amazonaws.com:443')?.name, 'aws')
  assert.is(targetForHost(targets, 'sts.us-east-1.amazonaws.com:443')?.name, 'sts')
  assert.is(targetForHost(targets, 'db.example:443'), undefined)
  assert.is(targetForHost(targets, 'evil.example:443'), undefined)
  assert.ok(isPassthrough(['*.github.com'], 'api.github.com:443'))
  assert.not.ok(isPassthrough(['*.github.com'], 'api.github.com:22'))
})

test.run()
