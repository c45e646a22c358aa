// The real kubectl through the reverse route, with a kubeconfig whose server is the gateway: a literal token
// user and an exec credential plugin running `warden token --exec-credential`
// (the recording upstream serves just enough discovery; the kube-apiserver peer tests cover full kubectl use).
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { json, startTestGateway, type TestGateway } from './testing/gateway.ts'

const run = promisify(execFile)
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'warden-kubectl-'))
let g: TestGateway

test.before(async () => {
  g = await startTestGateway((up) => [
    { name: 'k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer', token_env: 'SA' }, hosts: [] } },
  ], { env: { SA: 'sa-token' }, tls: true })
})
test.after(async () => {
  await g.close()
  rmSync(dir, { recursive: true, force: true })
})

function kubeconfig(user: string): string {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}`)
  writeFileSync(file, `apiVersion: v1
kind: Config
clusters: [{ name: warden, cluster: { server: "${g.reverse.url}/t/k8s", certificate-authority: "${g.ca.cert}" } }]
users: [{ name: agent, user: ${user} }]
contexts: [{ name: warden, context: { cluster: warden, user: agent, namespace: prod } }]
current-context: warden
`)
  return file
}

// Just enough legacy discovery for kubectl to map pods and namespaces.
const discovery: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [] },
  '/api/v1': {
    kind: 'APIResourceList', groupVersion: 'v1', resources: [
      { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list', 'delete'] },
      { name: 'namespaces', singularName: 'namespace', namespaced: false, kind: 'Namespace', verbs: ['get', 'list', 'delete'] },
    ],
  },
}

const kubectl = (config: string, ...args: string[]) => run('kubectl', ['--kubeconfig', config, ...args], { env: { ...process.env, HOME: dir } }).then((r) => ({ ...r, code: 0 }), (e: { stdout: string; stderr: string; code: number }) => e)

test('kubectl with the agent token: a read is allowed, a namespace delete is denied with the reason printed', async () => {
  g.route = (req, res) => json(res, discovery[req.url.split('?')[0]!] ?? { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'prod', annotations: { auth: String(req.headers.authorization) } } }] })
  const config = kubeconfig(`{ token: "${await g.agentToken()}" }`)
  const ok = await kubectl(config, 'get', 'pods', '-o', 'json')
  assert.ok(ok.stdout, ok.stderr)
  const list = JSON.parse(ok.stdout)
  assert.is(list.items[0].metadata.name, 'web-1')
  // The upstream got the gateway's token; echoed back in a response it is masked like any bearer token.
  assert.is(g.upstream.seen.at(-1)!.headers.authorization, 'Bearer sa-token')
  assert.is(list.items[0].metadata.annotations.auth, 'Bearer [token]')
  const denied = await kubectl(config, 'delete', 'namespace', 'prod')
  assert.ok(denied.code !== 0)
  assert.match(denied.stderr, /Error from server \(Forbidden\): warden: denied: .*namespaces/)
})

test('kubectl with an exec credential plugin running warden token', async () => {
  g.route = (req, res) => json(res, discovery[req.url.split('?')[0]!] ?? { kind: 'PodList', apiVersion: 'v1', metadata: {}, items: [] })
  // The test engine signs with its own key; the plugin here prints a token from it the same way warden token does.
  const token = await g.agentToken()
  const plugin = join(dir, 'plugin.sh')
  writeFileSync(plugin, `#!/bin/sh\nprintf '%s' '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`, { mode: 0o755 })
  const config = kubeconfig(`{ exec: { apiVersion: client.authentication.k8s.io/v1, command: ${plugin}, interactiveMode: Never } }`)
  const ok = await kubectl(config, 'get', 'pods', '-o', 'json')
  assert.ok(ok.stdout, ok.stderr)
  assert.equal(JSON.parse(ok.stdout).items, [])
})

test('warden token --exec-credential prints an ExecCredential kubectl accepts', async () => {
  const out = await run(process.execPath, [join(root, 'bin', 'warden.js'), 'token', '--as', 'cursor', '--group', 'agents', '--exec-credential'], { cwd: dir })
  const cred = JSON.parse(out.stdout)
  assert.is(cred.kind, 'ExecCredential')
  assert.is(cred.apiVersion, 'client.authentication.k8s.io/v1')
  assert.match(cred.status.token, /^eyJ/)
  assert.ok(Date.parse(cred.status.expirationTimestamp) > Date.now())
})

test.run()
