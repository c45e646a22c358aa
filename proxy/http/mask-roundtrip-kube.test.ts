// A masked manifest written back: the agent reads a Deployment and a ConfigMap through the gateway with real kubectl
// (env values come back `[redacted]`, an email partially masked), then writes what it read with `kubectl replace`
// and `kubectl apply`. Such writes are refused (warden.rules.mask_writes) and the real values stay; a write that
// does not carry the mask (kubectl edit of the replicas only) still passes. `staging` is not a production
// namespace, so plain writes there pass without approval.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { type KubeAttack, startKubeAttack } from './testing/kube-attack.ts'
import { peerBinaries } from './testing/peers.ts'

let k: KubeAttack
let dir: string
let config: string
const REAL = 'postgres://app:s3cret-Pa55word@db.internal:5432/app'
const REASON = /writes a value Warden masked in an earlier answer; it would overwrite the real value with the mask/

test.before(async () => {
  k = await startKubeAttack('mask-roundtrip-kube')
  dir = mkdtempSync(join(tmpdir(), 'warden-roundtrip-'))
  await k.admin(['create', 'namespace', 'staging'])
  await k.admin(['create', '-f', '-'], JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'staging' },
    spec: {
      replicas: 1, selector: { matchLabels: { app: 'api' } },
      template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'busybox', env: [{ name: 'DATABASE_URL', value: REAL }] }] } },
    },
  }))
  await k.admin(['create', 'configmap', 'contacts', '-n', 'staging', '--from-literal=owner=jane.doe@example.com'])
  config = join(dir, 'config')
  writeFileSync(config, `apiVersion: v1
kind: Config
clusters: [{ name: warden, cluster: { server: "${k.g.reverse.url}/t/prod-k8s", certificate-authority: "${k.g.ca.cert}" } }]
users: [{ name: agent, user: { token: "${k.token}" } }]
contexts: [{ name: warden, context: { cluster: warden, user: agent, namespace: staging } }]
current-context: warden
`)
})

test.after(async () => {
  await k?.close()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** kubectl as the agent, through the gateway; never throws. */
const kubectl = (args: string[], env: Record<string, string> = {}) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
  execFile(peerBinaries(['kubectl']).kubectl!, ['--kubeconfig', config, ...args], { env: { ...process.env, HOME: dir, ...env } }, (err, stdout, stderr) =>
    resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }))
})

const realEnv = async () => JSON.parse(await k.admin(['get', 'deployment', 'api', '-n', 'staging', '-o', 'json'])).spec.template.spec.containers[0].env[0].value as string

async function fetched(kind: string, name: string): Promise<string> {
  const got = await kubectl(['get', kind, name, '-o', 'yaml'])
  assert.is(got.code, 0, got.stderr)
  const file = join(dir, `${kind}-${name}.yaml`)
  writeFileSync(file, got.stdout)
  return file
}

test('the agent reads the Deployment masked', async () => {
  const got = await kubectl(['get', 'deployment', 'api', '-o', 'json'])
  assert.is(got.code, 0, got.stderr)
  assert.is(JSON.parse(got.stdout).spec.template.spec.containers[0].env[0].value, '[redacted]')
})

test('kubectl replace of the fetched Deployment is denied with the reason; the real env value stays', async () => {
  const out = await kubectl(['replace', '-f', await fetched('deployment', 'api')])
  assert.ok(out.code !== 0, out.stdout)
  assert.match(out.stderr, /Forbidden/)
  assert.match(out.stderr, REASON)
  assert.is(await realEnv(), REAL)
})

test('kubectl apply (client-side and server-side) of the fetched Deployment is denied; the real env value stays', async () => {
  const file = await fetched('deployment', 'api')
  for (const args of [['apply', '-f', file], ['apply', '--server-side', '--force-conflicts', '-f', file]]) {
    const out = await kubectl(args)
    assert.ok(out.code !== 0, `${args.join(' ')}: ${out.stdout}`)
    assert.match(out.stderr, REASON, args.join(' '))
    assert.is(await realEnv(), REAL, args.join(' '))
  }
})

test('a partially masked ConfigMap value written back is denied; the real value stays', async () => {
  const got = await kubectl(['get', 'configmap', 'contacts', '-o', 'json'])
  const shown = JSON.parse(got.stdout).data.owner as string
  assert.is.not(shown, 'jane.doe@example.com')
  const out = await kubectl(['replace', '-f', await fetched('configmap', 'contacts')])
  assert.ok(out.code !== 0, out.stdout)
  assert.match(out.stderr, REASON)
  assert.is(JSON.parse(await k.admin(['get', 'configmap', 'contacts', '-n', 'staging', '-o', 'json'])).data.owner, 'jane.doe@example.com')
})

test('kubectl edit that changes the replicas only is not refused: its patch carries no mask', async () => {
  const editor = join(dir, 'editor.sh')
  writeFileSync(editor, '#!/bin/sh\nsed -i "s/replicas: 1/replicas: 2/" "$1"\n', { mode: 0o755 })
  const out = await kubectl(['edit', 'deployment', 'api'], { KUBE_EDITOR: editor, EDITOR: editor })
  assert.is(out.code, 0, out.stderr)
  const live = JSON.parse(await k.admin(['get', 'deployment', 'api', '-n', 'staging', '-o', 'json']))
  assert.is(live.spec.replicas, 2)
  assert.is(live.spec.template.spec.containers[0].env[0].value, REAL)
})

test('kubectl edit and kubectl scale of an object kubectl apply made pass: neither writes the masked env or annotation back', async () => {
  await k.admin(['apply', '-f', '-'], JSON.stringify({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'worker', namespace: 'staging' },
    spec: {
      replicas: 1, selector: { matchLabels: { app: 'worker' } },
      template: { metadata: { labels: { app: 'worker' } }, spec: { containers: [{ name: 'w', image: 'busybox', env: [{ name: 'DATABASE_URL', value: REAL }] }] } },
    },
  }))
  const editor = join(dir, 'editor.sh')
  writeFileSync(editor, '#!/bin/sh\nsed -i "s/replicas: 1/replicas: 2/" "$1"\n', { mode: 0o755 })
  const edit = await kubectl(['edit', 'deployment', 'worker'], { KUBE_EDITOR: editor, EDITOR: editor })
  assert.is(edit.code, 0, edit.stderr)
  const scale = await kubectl(['scale', 'deployment', 'worker', '--replicas=3'])
  assert.is(scale.code, 0, scale.stderr)
  const live = JSON.parse(await k.admin(['get', 'deployment', 'worker', '-n', 'staging', '-o', 'json']))
  assert.is(live.spec.replicas, 3)
  assert.is(live.spec.template.spec.containers[0].env[0].value, REAL)
  assert.match(live.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration'], REAL)
})

test('a Secret made from a masked value is denied, sent as protobuf (kubectl create secret) or as base64 data from a file', async () => {
  // `kubectl create secret` sends protobuf: the value's bytes follow a length byte.
  const direct = await kubectl(['create', 'secret', 'generic', 'card', '--from-literal=number=************4242'])
  assert.ok(direct.code !== 0, direct.stdout)
  assert.match(direct.stderr, REASON)
  // From a file, the data is base64 of the value.
  const made = await kubectl(['create', 'secret', 'generic', 'db', '--from-literal=password=[redacted]', '--dry-run=client', '-o', 'yaml'])
  assert.is(made.code, 0, made.stderr)
  const file = join(dir, 'secret-db.yaml')
  writeFileSync(file, made.stdout)
  const out = await kubectl(['create', '-f', file])
  assert.ok(out.code !== 0, out.stdout)
  assert.match(out.stderr, REASON)
  const left = JSON.parse(await k.admin(['get', 'secrets', '-n', 'staging', '-o', 'json'])).items.map((s: { metadata: { name: string } }) => s.metadata.name)
  assert.not.ok(left.includes('card') || left.includes('db'), left.join(' '))
})

test('an ordinary ConfigMap holding `*` globs and brackets still writes', async () => {
  // From a file: `kubectl create configmap` sends protobuf, a body Warden does not read (held for a reviewer).
  const file = join(dir, 'globs.yaml')
  writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: globs }\ndata: { include: "*.txt", cron: "*/5 * * * *", log: "[INFO] ok", rule: "a * b" }\n')
  const out = await kubectl(['create', '-f', file])
  assert.is(out.code, 0, out.stderr)
  assert.is(JSON.parse(await k.admin(['get', 'configmap', 'globs', '-n', 'staging', '-o', 'json'])).data.include, '*.txt')
})

test.run()
