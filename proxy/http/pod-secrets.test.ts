// The pure parts of the pod-secrets mask source: which Secrets a pod spec names, and which values and lines of a
// Secret are looked for in its log.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { Readable } from 'node:stream'
import { configMapMaskedValues, configMapNamesOf, csiDriverOf, lastWritten, literalEnvValues, lookUpPodSecrets, podSecretForms, secretNamesOf, secretValues } from './pod-secrets.ts'
import type { UpstreamResponse } from './upstream.ts'

const b64 = (s: string) => Buffer.from(s).toString('base64')

test('every container kind, env secretKeyRef, envFrom secretRef, secret and projected volumes; not image pull or ConfigMap refs', () => {
  const pod = {
    spec: {
      imagePullSecrets: [{ name: 'registry' }],
      containers: [{ name: 'c', env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 'env-ref', key: 'k' } } }, { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }, { name: 'C', value: 'plain' }], envFrom: [{ secretRef: { name: 'env-from' } }, { configMapRef: { name: 'cm2' } }] }],
      initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 'init-from' } }] }],
      ephemeralContainers: [{ name: 'e', env: [{ name: 'D', valueFrom: { secretKeyRef: { name: 'debug-ref', key: 'k' } } }] }],
      volumes: [
        { name: 'v', secret: { secretName: 'volume' } },
        { name: 'p', projected: { sources: [{ secret: { name: 'projected' } }, { configMap: { name: 'cm3' } }, { serviceAccountToken: { path: 't' } }] } },
        { name: 'x', configMap: { name: 'cm4' } },
      ],
    },
  }
  assert.equal(secretNamesOf(pod), ['debug-ref', 'env-from', 'env-ref', 'init-from', 'projected', 'volume'])
  assert.equal(secretNamesOf({}), [])
  assert.equal(secretNamesOf({ spec: { containers: 'nonsense', volumes: [null, { secret: {} }] } }), [])
})

test('ConfigMaps named: env configMapKeyRef, envFrom configMapRef, configMap and projected volumes, every container kind', () => {
  const pod = {
    spec: {
      containers: [{ name: 'c', env: [{ name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }, { name: 'A', valueFrom: { secretKeyRef: { name: 'env-ref', key: 'k' } } }], envFrom: [{ configMapRef: { name: 'cm2' } }] }],
      initContainers: [{ name: 'i', envFrom: [{ configMapRef: { name: 'init-cm' } }] }],
      volumes: [{ name: 'p', projected: { sources: [{ configMap: { name: 'cm3' } }, { secret: { name: 's' } }] } }, { name: 'x', configMap: { name: 'cm4' } }, { name: 'y', configMap: {} }],
    },
  }
  assert.equal(configMapNamesOf(pod), ['cm', 'cm2', 'cm3', 'cm4', 'init-cm'])
  assert.equal(configMapNamesOf({ spec: { volumes: 'nonsense' } }), [])
})

test('ConfigMap values its reads mask: by a key naming a secret, what a detector finds; the rest stays', () => {
  const values = configMapMaskedValues({
    data: { db_password: 'hunter2-prod-xyz', port: '8080', service: 'orders-service', 'app.properties': 'db.password=props-value-41\nmode=production\n' },
    binaryData: { client_secret: b64('binary-secret-17'), blob: Buffer.from([0xff, 0xfe, 0x00]).toString('base64') },
  })
  assert.equal(values.sort(), ['binary-secret-17', 'hunter2-prod-xyz', 'props-value-41'])
  assert.equal(configMapMaskedValues({ kind: 'ConfigMap' }), [])
})

test('values decoded, multi-line values also line by line, short ones and non-UTF-8 ones left out', () => {
  const values = secretValues({ data: { a: b64('hunter2-prod-xyz'), short: b64('admin'), pem: b64('-----BEGIN X-----\n  line-two-beta-77\r\nok\n'), bin: Buffer.from([0xff, 0xfe, 0x00, 0x80, 0xc3, 0x28, 0xa0, 0xa1, 0xe2]).toString('base64') } })
  assert.equal(values, ['hunter2-prod-xyz', '-----BEGIN X-----\n  line-two-beta-77\r\nok\n', '-----BEGIN X-----', 'line-two-beta-77', '  line-two-beta-77'])
  assert.equal(secretValues({ kind: 'Secret' }), [])
})

test('forms: longest first, JSON-escaped forms too', () => {
  const forms = podSecretForms(['hunter2-prod', 'hunter2-prod-xyz', 'say "hi" there'])
  assert.ok(forms.includes('say \\"hi\\" there') && forms.includes('say "hi" there'))
  for (let i = 1; i < forms.length; i++) assert.ok(forms[i - 1]!.length >= forms[i]!.length)
  assert.ok(forms.indexOf('hunter2-prod-xyz') < forms.indexOf('hunter2-prod'))
})

test('literalEnvValues: each container group\'s literal env values, whole and a line at a time; no valueFrom, nothing short', () => {
  const pod = { spec: {
    containers: [{ env: [{ name: 'A', value: 'hunter2-prod-xyz' }, { name: 'P', value: '8080' }, { name: 'R', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }],
    initContainers: [{ env: [{ name: 'K', value: 'line-one-alpha-9\nline-two-beta-77' }] }],
    ephemeralContainers: [{ env: [{ name: 'E', value: 'debug-token-Wren-4' }] }],
  } }
  assert.equal(literalEnvValues(pod), ['hunter2-prod-xyz', 'line-one-alpha-9\nline-two-beta-77', 'line-one-alpha-9', 'line-two-beta-77', 'debug-token-Wren-4'])
  assert.equal(literalEnvValues({ kind: 'Pod' }), [])
})

test('csiDriverOf: an inline CSI volume\'s driver; none for other volumes', () => {
  assert.is(csiDriverOf({ spec: { volumes: [{ name: 's', secret: { secretName: 'x' } }, { name: 'v', csi: { driver: 'secrets-store.csi.k8s.io' } }] } }), 'secrets-store.csi.k8s.io')
  assert.is(csiDriverOf({ spec: { volumes: [{ name: 'v', csi: {} }] } }), '')
  assert.is(csiDriverOf({ spec: { volumes: [{ name: 'p', persistentVolumeClaim: { claimName: 'c' } }] } }), undefined)
  assert.is(csiDriverOf({}), undefined)
})

test('lastWritten: the latest of the creation and each managed write; unknown without managedFields or with a time that is none', () => {
  const at = (creationTimestamp: unknown, managedFields?: unknown) => lastWritten({ metadata: { creationTimestamp, managedFields } })
  assert.is(at('2026-01-01T00:00:00Z', [{ time: '2026-01-01T00:00:05Z' }, { time: '2026-01-01T00:00:03Z' }]), Date.parse('2026-01-01T00:00:05Z'))
  assert.is(at('2026-01-01T00:00:09Z', [{ time: '2026-01-01T00:00:05Z' }]), Date.parse('2026-01-01T00:00:09Z'))
  assert.is(at('2026-01-01T00:00:00Z'), undefined)
  assert.is(at('2026-01-01T00:00:00Z', []), undefined)
  assert.is(at('2026-01-01T00:00:00Z', [{ manager: 'x' }]), undefined)
  assert.is(at(undefined, [{ time: '2026-01-01T00:00:05Z' }]), undefined)
})

const KUBE = { is_resource_request: true, api_group: '', resource: 'pods', subresource: 'log', namespace: 'ns', name: 'p', verb: 'get' } as Parameters<typeof lookUpPodSecrets>[0]

/** A ReadObject answering each path with its object as JSON (404 for others). */
const answering = (objects: Record<string, unknown>) => async (path: string) => {
  const found = objects[path]
  const res = Readable.from(found === undefined ? [] : [Buffer.from(JSON.stringify(found))]) as unknown as UpstreamResponse
  res.statusCode = found === undefined ? 404 : 200
  res.headers = { 'content-type': 'application/json' }
  return res
}

test('a Secret or ConfigMap written after the pod was created (by time, or by a later revision) refuses the log', async () => {
  const pod = { kind: 'Pod', metadata: { creationTimestamp: '2026-01-01T00:00:10Z', resourceVersion: '100' }, spec: { containers: [{ name: 'c', envFrom: [{ secretRef: { name: 's' } }, { configMapRef: { name: 'c' } }] }] } }
  const object = (kind: string, rv: string, created: string, times: string[]) => ({ kind, metadata: { creationTimestamp: created, resourceVersion: rv, managedFields: times.map((time) => ({ manager: 'm', time })) }, data: { k: b64('value-of-the-key') } })
  const read = (secret: unknown, configMap: unknown) => lookUpPodSecrets(KUBE, answering({ '/api/v1/namespaces/ns/pods/p': pod, '/api/v1/namespaces/ns/secrets/s': secret, '/api/v1/namespaces/ns/configmaps/c': configMap }))
  const before = object('Secret', '90', '2026-01-01T00:00:01Z', ['2026-01-01T00:00:10Z'])
  const cm = { ...object('ConfigMap', '91', '2026-01-01T00:00:01Z', ['2026-01-01T00:00:02Z']), data: {} }
  assert.ok((await read(before, cm)).includes('value-of-the-key'), 'written before, or within the pod\'s second: served')
  const projected = { ...pod, spec: { ...pod.spec, volumes: [{ name: 'api', projected: { sources: [{ configMap: { name: 'kube-root-ca.crt' } }] } }] } }
  const rootCa = { ...object('ConfigMap', '150', '2026-01-01T00:00:30Z', ['2026-01-01T00:00:30Z']), data: { 'ca.crt': 'cert' } }
  const withRootCa = await lookUpPodSecrets(KUBE, answering({ '/api/v1/namespaces/ns/pods/p': projected, '/api/v1/namespaces/ns/secrets/s': before, '/api/v1/namespaces/ns/configmaps/c': cm, '/api/v1/namespaces/ns/configmaps/kube-root-ca.crt': rootCa }))
  assert.ok(withRootCa.includes('value-of-the-key'), 'the cluster CA ConfigMap, published after the pod, refuses no log')
  const through = (resource: string, name: string) => (resource === 'secrets' && name === 's' ? Date.parse('2026-01-01T00:00:11Z') : undefined)
  try {
    await lookUpPodSecrets(KUBE, answering({ '/api/v1/namespaces/ns/pods/p': pod, '/api/v1/namespaces/ns/secrets/s': before, '/api/v1/namespaces/ns/configmaps/c': cm }), undefined, through)
    assert.unreachable('refused')
  } catch (err) {
    assert.match((err as Error).message, /Secret ns\/s .*written through the gateway at 2026-01-01T00:00:11/)
  }
  const earlier = () => Date.parse('2026-01-01T00:00:05Z')
  assert.ok((await lookUpPodSecrets(KUBE, answering({ '/api/v1/namespaces/ns/pods/p': pod, '/api/v1/namespaces/ns/secrets/s': before, '/api/v1/namespaces/ns/configmaps/c': cm }), undefined, earlier)).length > 0, 'a write through the gateway well before the pod refuses nothing')
  for (const [secret, configMap, why] of [
    [object('Secret', '90', '2026-01-01T00:00:01Z', ['2026-01-01T00:00:11Z']), cm, /Secret ns\/s .*written at 2026-01-01T00:00:11/],
    [object('Secret', '90', '2026-01-01T00:00:12Z', ['2026-01-01T00:00:12Z']), cm, /Secret ns\/s .*written at 2026-01-01T00:00:12/],
    [object('Secret', '101', '2026-01-01T00:00:01Z', ['2026-01-01T00:00:02Z']), cm, /Secret ns\/s .*written at revision 101/],
    [{ ...before, metadata: { ...before.metadata, managedFields: undefined } }, cm, /Secret ns\/s .*does not say when it was last written/],
    [before, { ...cm, metadata: { ...cm.metadata, resourceVersion: '150' } }, /ConfigMap ns\/c .*written at revision 150/],
  ] as const) {
    try {
      await read(secret, configMap)
      assert.unreachable('refused')
    } catch (err) {
      assert.match((err as Error).message, why)
    }
  }
})

test.run()
