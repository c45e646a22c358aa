// The setting of the pod-log tests: a real kube-apiserver (which runs no kubelet, so serves no log), a test
// upstream in front of it that answers …/pods/NAME/log itself and passes every other request on, with the
// credential the gateway sent (the apiserver's RBAC then judges it), one gateway target per credential, a
// kubeconfig per target for the agent (namespace staging), and kubectl as the cluster admin for setup.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import type { IncomingHttpHeaders, ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startTestGateway, type TestGateway } from './gateway.ts'
import { type KubePeer, peerBinaries, startKube } from './peers.ts'

export interface KubectlRun { code: number; out: string; err: string }

export interface PodLogSetting {
  kube: KubePeer
  g: TestGateway
  /** A temporary directory of the test's (removed by close()). */
  dir: string
  /** kubectl as the cluster admin (not through the gateway); resolves to its output. */
  admin(args: string[], stdin?: string): Promise<string>
  /** kubectl as the agent through the gateway's target `target`. */
  agentKubectl(target: string, ...args: string[]): Promise<KubectlRun>
  close(): Promise<void>
}

export interface PodLogOptions {
  /** Used in the temporary directory's name. */
  name: string
  /** Gateway targets by name, each with the upstream token it holds (the gateway's credential). */
  targets: Record<string, (kube: KubePeer) => string>
  /** Answers a pod's log request (the path matched …/pods/NAME/log). */
  serveLog(req: { url: string; headers: IncomingHttpHeaders }, res: ServerResponse): void
}

export async function startPodLogSetting(opts: PodLogOptions): Promise<PodLogSetting> {
  const kubectl = peerBinaries(['kubectl']).kubectl!
  const dir = mkdtempSync(join(tmpdir(), `warden-${opts.name}-`))
  const kube = await startKube()
  const names = Object.keys(opts.targets)
  const envOf = (name: string) => `KUBE_TOKEN_${names.indexOf(name)}`
  const g = await startTestGateway((up) => names.map((name) => ({
    name, kind: 'kubernetes' as const, environment: 'production', labels: {}, production_namespaces: ['prod'],
    upstream_http: { url: up.url, ca_file: up.caFile, credential: { kind: 'bearer' as const, token_env: envOf(name) }, hosts: [] },
  })), { tls: true, env: Object.fromEntries(names.map((name) => [envOf(name), opts.targets[name]!(kube)])) })
  g.route = (req, res) => {
    if (/^\/api\/v1\/namespaces\/[^/]+\/pods\/[^/]+\/log$/.test(new URL(req.url, 'https://x').pathname)) return opts.serveLog(req, res)
    passOn(kube, req, res)
  }
  const token = await g.agentToken()
  for (const target of names) {
    writeFileSync(join(dir, target), `apiVersion: v1
kind: Config
clusters: [{name: warden, cluster: {server: "${g.reverse.url}/t/${target}", insecure-skip-tls-verify: true}}]
users: [{name: agent, user: {token: "${token}"}}]
contexts: [{name: warden, context: {cluster: warden, user: agent, namespace: staging}}]
current-context: warden
`, { mode: 0o600 })
  }
  const env = { ...process.env, HOME: dir }
  const admin = (args: string[], stdin?: string) => new Promise<string>((resolve, reject) => {
    const child = execFile(kubectl, ['--kubeconfig', kube.kubeconfig(), ...args], { env }, (err, out, stderr) => err ? reject(new Error(stderr)) : resolve(out))
    child.stdin!.end(stdin)
  })
  await admin(['create', 'namespace', 'staging'])
  await admin(['create', 'serviceaccount', 'default', '-n', 'staging'])
  return {
    kube, g, dir, admin,
    agentKubectl: (target, ...args) => new Promise((resolve) => {
      execFile(kubectl, ['--kubeconfig', join(dir, target), ...args], { env }, (e, out, err) => {
        resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err })
      })
    }),
    async close() {
      await g.close()
      await kube.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** Every request but a log goes on to the apiserver, with the headers (the gateway's credential) it came with. */
function passOn(kube: KubePeer, req: { method: string; url: string; headers: IncomingHttpHeaders; body: Buffer }, res: ServerResponse) {
  const headers = { ...req.headers }
  delete headers.host
  const out = https.request(`${kube.url}${req.url}`, { method: req.method, headers, ca: kube.caPem }, (answer) => {
    res.writeHead(answer.statusCode ?? 502, answer.headers)
    answer.pipe(res)
  })
  out.on('error', (err) => {
    res.writeHead(502, { 'content-type': 'text/plain' })
    res.end(err.message)
  })
  out.end(req.body)
}
