// Selectors as an oracle on masked values, against the real kube-apiserver under the default policy: a list or
// watch filtered on a field or label the answer's mask hides tells, by whether the item comes back, whether a
// guess was right (fieldSelector=spec.password=guess on a custom resource that declares the field selectable,
// labelSelector=db-password=guess, or acct>N halving the range of a masked card number). Such a request is refused;
// selectors on ordinary fields keep working.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type KubeAttack, startKubeAttack } from './testing/kube-attack.ts'

const SECRET = 'hunter2-selector-secret'
// A card number as a label value: masked in answers by the content detectors, not by the label's name.
const CARD = '4111111111111111'
let k: KubeAttack

const crd = {
  apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'vaults.example.com' },
  spec: {
    group: 'example.com', scope: 'Namespaced', names: { plural: 'vaults', singular: 'vault', kind: 'Vault' },
    versions: [{
      name: 'v1', served: true, storage: true,
      selectableFields: [{ jsonPath: '.spec.password' }, { jsonPath: '.spec.owner' }, { jsonPath: '.spec.value' }],
      schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { password: { type: 'string' }, owner: { type: 'string' }, name: { type: 'string' }, value: { type: 'string' } } } } } },
    }],
  },
}

test.before(async () => {
  k = await startKubeAttack('attack-kube-selectors')
  await k.admin(['create', 'namespace', 'staging'])
  await k.admin(['create', 'serviceaccount', 'default', '-n', 'staging'])
  await k.admin(['apply', '-f', '-'], JSON.stringify(crd))
  await k.admin(['wait', '--for=condition=established', 'crd/vaults.example.com', '--timeout=60s'])
  await k.admin(['apply', '--server-side', '-f', '-'], JSON.stringify({
    apiVersion: 'v1', kind: 'List', items: [
      { apiVersion: 'example.com/v1', kind: 'Vault', metadata: { name: 'v1', namespace: 'staging', labels: { app: 'web', 'db-password': SECRET } }, spec: { password: SECRET, owner: 'team-a' } },
      { apiVersion: 'example.com/v1', kind: 'Vault', metadata: { name: 'v2', namespace: 'staging', labels: { acct: CARD } }, spec: { owner: 'team-b' } },
      { apiVersion: 'example.com/v1', kind: 'Vault', metadata: { name: 'v3', namespace: 'staging' }, spec: { owner: 'team-c', name: 'DB_PASSWORD', value: 'pair-held-secret' } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'staging', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox', env: [{ name: 'MODE', value: SECRET }] }] } },
    ],
  }))
})

test.after(async () => {
  await k?.close()
})

const names = (body: string) => (JSON.parse(body) as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name)

test('control: the admin, unmasked, finds the item by the right guess only', async () => {
  const right = JSON.parse(await k.admin(['get', 'vaults.example.com', '-n', 'staging', `--field-selector=spec.password=${SECRET}`, '-o', 'json']))
  const wrong = JSON.parse(await k.admin(['get', 'vaults.example.com', '-n', 'staging', '--field-selector=spec.password=wrong', '-o', 'json']))
  assert.equal([right.items.length, wrong.items.length], [1, 0])
})

test('a field selector on a field the mask hides is refused, right guess or wrong, in a list and a watch', async () => {
  for (const guess of [SECRET, 'wrong']) {
    for (const q of [`fieldSelector=spec.password%3D${guess}`, `fieldSelector=spec.password!%3D${guess}`, `fieldSelector=spec.owner%3Dteam-a,spec.password%3D%3D${guess}`, `watch=1&timeoutSeconds=1&fieldSelector=spec.password%3D${guess}`]) {
      const a = await k.agent(`/apis/example.com/v1/namespaces/staging/vaults?${q}`)
      assert.is(a.status, 400, `${q}: ${a.status} ${a.body.slice(0, 300)}`)
      assert.match(a.body, 'selector', q)
      assert.not.ok(a.body.includes('"items"') || a.body.includes('"name":"v1"'), q)
    }
  }
})

test('a label selector on a label the mask hides is refused, in every form that names its value', async () => {
  for (const q of [`db-password%3D${SECRET}`, `db-password!%3Dx`, `db-password+in+(${SECRET},x)`, `app%3Dweb,db-password+notin+(x)`]) {
    const a = await k.agent(`/apis/example.com/v1/namespaces/staging/vaults?labelSelector=${q}`)
    assert.is(a.status, 400, `${q}: ${a.status} ${a.body.slice(0, 300)}`)
    assert.match(a.body, 'selector', q)
  }
})

test('a label ordered by > or < is refused: its bounds are readable, yet halving the range finds a masked card number', async () => {
  // Control: the admin, unmasked, tells on which side of a bound the value lies; the agent reads it masked.
  const above = (bound: string) => k.admin(['get', 'vaults.example.com', '-n', 'staging', '-l', `acct>${bound}`, '-o', 'name'])
  assert.equal([(await above('4111111111111110')).trim(), (await above(CARD)).trim()], ['vault.example.com/v2', ''])
  const read = await k.agent('/apis/example.com/v1/namespaces/staging/vaults/v2')
  assert.is(read.status, 200, read.body.slice(0, 300))
  assert.not.ok(read.body.includes(CARD), read.body.slice(0, 300))
  for (const q of ['acct>4111111111111110', 'acct<4111111111111112', 'app%3Dweb,acct+>+1']) {
    const a = await k.agent(`/apis/example.com/v1/namespaces/staging/vaults?labelSelector=${q}`)
    assert.is(a.status, 400, `${q}: ${a.status} ${a.body.slice(0, 300)}`)
    assert.match(a.body, 'selector', q)
    assert.not.ok(a.body.includes('"name":"v2"'), q)
  }
})

test('a field holding a pair\'s value, masked by the secret name beside it, is refused: the selector does not carry that name', async () => {
  const right = await k.admin(['get', 'vaults.example.com', '-n', 'staging', '--field-selector=spec.value=pair-held-secret', '-o', 'name'])
  assert.is(right.trim(), 'vault.example.com/v3')
  const read = await k.agent('/apis/example.com/v1/namespaces/staging/vaults/v3')
  assert.not.ok(read.body.includes('pair-held-secret'), read.body.slice(0, 300))
  for (const guess of ['pair-held-secret', 'wrong']) {
    const a = await k.agent(`/apis/example.com/v1/namespaces/staging/vaults?fieldSelector=spec.value%3D${guess}`)
    assert.is(a.status, 400, `${guess}: ${a.status} ${a.body.slice(0, 300)}`)
    assert.not.ok(a.body.includes('"name":"v3"'), guess)
  }
})

test('selectors on ordinary fields and labels keep working', async () => {
  const byOwner = await k.agent('/apis/example.com/v1/namespaces/staging/vaults?fieldSelector=spec.owner%3Dteam-a')
  assert.equal([byOwner.status, names(byOwner.body)], [200, ['v1']], byOwner.body.slice(0, 300))
  assert.not.ok(byOwner.body.includes(CARD))
  const byName = await k.agent('/apis/example.com/v1/namespaces/staging/vaults?fieldSelector=metadata.name%3Dv1&labelSelector=app%3Dweb,db-password')
  assert.equal([byName.status, names(byName.body)], [200, ['v1']], byName.body.slice(0, 300))
  const pods = await k.agent('/api/v1/namespaces/staging/pods?fieldSelector=status.phase%3DPending,spec.nodeName%3D,metadata.namespace%3Dstaging&labelSelector=app+in+(web,api)')
  assert.equal([pods.status, names(pods.body)], [200, ['web']], pods.body.slice(0, 300))
  assert.not.ok(pods.body.includes(SECRET))
  const secrets = await k.agent('/api/v1/namespaces/staging/secrets?fieldSelector=type%3DOpaque')
  assert.is(secrets.status, 200, secrets.body.slice(0, 300))
})

test('kubectl prints why: the refusal is a Kubernetes Status naming the selector', async () => {
  const a = await k.agent(`/apis/example.com/v1/namespaces/staging/vaults?fieldSelector=spec.password%3Dx`)
  const status = JSON.parse(a.body) as Record<string, unknown>
  assert.equal([status.kind, status.code, status.reason, status.error], ['Status', 400, 'BadRequest', 'http.selector_refused'])
  const dir = mkdtempSync(join(tmpdir(), 'warden-selector-kubectl-'))
  try {
    const config = join(dir, 'config')
    writeFileSync(config, `apiVersion: v1
kind: Config
clusters: [{name: warden, cluster: {server: "${k.g.reverse.url}/t/prod-k8s", insecure-skip-tls-verify: true}}]
users: [{name: agent, user: {token: "${k.token}"}}]
contexts: [{name: warden, context: {cluster: warden, user: agent}}]
current-context: warden
`, { mode: 0o600 })
    const stderr = await new Promise<string>((resolve) => {
      execFile('kubectl', ['--kubeconfig', config, 'get', 'vaults.example.com', '-n', 'staging', '--field-selector', 'spec.password=x'], { env: { ...process.env, HOME: dir } }, (_err, _out, err) => resolve(err))
    })
    assert.match(stderr, 'Error from server (BadRequest)', stderr)
    assert.match(stderr, 'warden: the field selector names spec.password, a field the mask hides', stderr)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a selector that does not parse is refused under a mask, not forwarded for the apiserver to read its own way', async () => {
  for (const q of ['fieldSelector=spec.password%3Da%5Cxb', 'labelSelector=app+in+(web']) {
    const a = await k.agent(`/apis/example.com/v1/namespaces/staging/vaults?${q}`)
    assert.is(a.status, 400, `${q}: ${a.status} ${a.body.slice(0, 300)}`)
    assert.match(a.body, 'selector', q)
  }
})

test.run()
