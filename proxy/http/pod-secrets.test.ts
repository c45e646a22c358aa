// The pure parts of the pod-secrets mask source: which Secrets a pod spec names, and which values and lines of a
// Secret are looked for in its log.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { configMapMaskedValues, configMapNamesOf, literalEnvValues, podSecretForms, secretNamesOf, secretValues } from './pod-secrets.ts'

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

test.run()
