// Attacks on the gateway's Kubernetes path that borrow an identity or make the apiserver reach elsewhere, by an
// agent holding a valid token under the default policy, against the real kube-apiserver: impersonation headers
// (the gateway's admin credential may impersonate anyone), spellings of the proxy subresources the earlier
// attacks did not try, and a dry-run delete whose answer is the Secret.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type KubeAnswer as Answer, type KubeAttack, startKubeAttack } from './testing/kube-attack.ts'

const SECRET = 'hunter2-identity-secret'
let k: KubeAttack
const admin = (...args: string[]) => k.admin(args)

test.before(async () => {
  k = await startKubeAttack('attack-kube-identity', { holdSeconds: 1 })
  await admin('create', 'namespace', 'staging')
  await admin('create', 'namespace', 'prod')
  await admin('create', 'secret', 'generic', 'db', '-n', 'prod', `--from-literal=password=${SECRET}`)
})

test.after(async () => {
  await k?.close()
})

const agent = (path: string, headers: Record<string, string> = {}, opts: { method?: string; body?: string } = {}) => k.agent(path, { ...opts, headers })

/** Refused or held by Warden (its Status names the rule), so never forwarded. */
function refusedBy(a: Answer, rule: string, what: string): void {
  assert.is(a.status, 403, `${what}: ${a.body.slice(0, 300)}`)
  const causes = (JSON.parse(a.body) as { details?: { causes?: Array<{ reason: string }> } }).details?.causes ?? []
  assert.ok(causes.some((c) => c.reason === `warden.rules.kubernetes.${rule}`), `${what}: ${a.body.slice(0, 300)}`)
}

test('control: an ordinary list in a non-production namespace passes', async () => {
  assert.is((await agent('/api/v1/namespaces/staging/pods')).status, 200)
})

test('impersonation headers, in any case and together, are refused before the apiserver (whose admin credential would honour them)', async () => {
  const sets: Array<Record<string, string>> = [
    { 'Impersonate-User': 'system:admin' },
    { 'impersonate-group': 'system:masters', 'Impersonate-User': 'x' },
    { 'IMPERSONATE-UID': '1234' },
    { 'Impersonate-Extra-Scopes': 'view' },
    { 'impersonate-extra-acme.com%2fproject': 'p' },
  ]
  for (const headers of sets) refusedBy(await agent('/api/v1/namespaces/staging/pods', headers), 'impersonation', JSON.stringify(headers))
})

test('spellings the apiserver does not read as impersonation reach it as the gateway, not as the named user', async () => {
  for (const headers of [{ Impersonate_User: 'nobody' }, { 'X-Impersonate-User': 'nobody' }, { 'Impersonate-Users': 'nobody' }] as Array<Record<string, string>>) {
    const a = await agent('/api/v1/namespaces/staging/pods', headers)
    assert.is(a.status, 200, `${JSON.stringify(headers)}: ${a.body.slice(0, 300)}`)
  }
})

test('proxy subresources spelled otherwise (legacy proxy verb, scheme-prefixed service, node port, encoded segment) are never forwarded unjudged', async () => {
  await admin('create', 'service', 'clusterip', 'web', '-n', 'staging', '--tcp=443:8443')
  refusedBy(await agent('/api/v1/proxy/namespaces/staging/services/web/'), 'verb', 'legacy proxy verb')
  refusedBy(await agent('/api/v1/namespaces/staging/services/https:web:443/proxy/'), 'interactive', 'scheme-prefixed service proxy')
  refusedBy(await agent('/api/v1/namespaces/staging/services/web/proxy/healthz'), 'interactive', 'service proxy with a path')
  refusedBy(await agent('/api/v1/nodes/n1:10250/proxy/pods'), 'node_proxy', 'node proxy with a port')
  const encoded = await agent('/api/v1/namespaces/staging/services/web/pr%6Fxy/')
  assert.ok(encoded.status === 400 || encoded.status === 403, `encoded proxy segment: ${encoded.status} ${encoded.body.slice(0, 300)}`)
})

test('a dry-run delete of a production Secret (its answer is the Secret) is held, and kubectl auth can-i is a write held alike', async () => {
  const del = await agent('/api/v1/namespaces/prod/secrets/db?dryRun=All', {}, { method: 'DELETE' })
  assert.is(del.status, 403, del.body.slice(0, 300))
  assert.not.match(del.body, Buffer.from(SECRET).toString('base64'))
  assert.match(await admin('get', 'secret', 'db', '-n', 'prod', '-o', 'name'), 'secret/db')
  const review = { kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec: { resourceAttributes: { verb: 'get', resource: 'secrets', namespace: 'prod' } } }
  const canI = await agent('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { 'content-type': 'application/json' }, { method: 'POST', body: JSON.stringify(review) })
  refusedBy(canI, 'write', 'SelfSubjectAccessReview')
})

test.run()
