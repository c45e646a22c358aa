// The setting of the Kubernetes attack tests: a real kube-apiserver, a gateway whose production target prod-k8s
// reaches it with the cluster admin's token (what a gateway credential often is), an agent token, kubectl as the
// cluster admin for setup, and one request through the reverse route as the agent.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import https from 'node:https'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerBinaries, startKube, type KubePeer } from './peers.ts'
import { startTestGateway, type TestGateway } from './gateway.ts'

export interface KubeAnswer { status: number; headers: Record<string, unknown>; body: string }

export interface AgentRequest {
  method?: string
  body?: string
  headers?: Record<string, string>
  /** A watch is read for this long, answered or not, then cut. */
  watchMs?: number
  /** Cut the watch as soon as what it read satisfies this (the events a test waits for came), not at watchMs. */
  until?: (body: string) => boolean
}

export interface KubeAttack {
  kube: KubePeer
  g: TestGateway
  token: string
  /** kubectl as the cluster admin (not through the gateway); resolves to its output. */
  admin(args: string[], stdin?: string): Promise<string>
  /** One request to prod-k8s through the reverse route as the agent. A connection cut is an answer with status 0. */
  agent(path: string, req?: AgentRequest): Promise<KubeAnswer>
  close(): Promise<void>
}

export async function startKubeAttack(name: string, opts: { holdSeconds?: number } = {}): Promise<KubeAttack> {
  const tools = peerBinaries(['kubectl'])
  const dir = mkdtempSync(join(tmpdir(), `warden-${name}-`))
  const kube = await startKube()
  const adminTokenFile = join(dir, 'kube-admin-token')
  writeFileSync(adminTokenFile, kube.adminToken, { mode: 0o600 })
  const g = await startTestGateway(() => [
    { name: 'prod-k8s', kind: 'kubernetes', environment: 'production', labels: {}, production_namespaces: ['prod'], upstream_http: { url: kube.url, ca_file: kube.caFile, credential: { kind: 'bearer', token_file: adminTokenFile }, hosts: [] } },
  ], { tls: true, holdSeconds: opts.holdSeconds })
  const token = await g.agentToken()
  return {
    kube, g, token,
    admin: (args, stdin) => new Promise<string>((resolve, reject) => {
      const child = execFile(tools.kubectl!, ['--kubeconfig', kube.kubeconfig(), ...args], { env: { ...process.env, HOME: dir } }, (err, out, stderr) => err ? reject(new Error(stderr)) : resolve(out))
      child.stdin!.end(stdin)
    }),
    agent: (path, req = {}) => new Promise((resolve) => {
      const r = https.request(`${g.reverse.url}/t/prod-k8s${path}`, { method: req.method ?? 'GET', rejectUnauthorized: false, headers: { authorization: `Bearer ${token}`, ...req.headers } }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c) => {
          body += c
          if (req.until?.(body)) r.destroy()
        })
        const done = () => resolve({ status: res.statusCode!, headers: res.headers, body })
        res.on('end', done)
        res.on('close', done)
      })
      if (req.watchMs) setTimeout(() => r.destroy(), req.watchMs)
      // A connection the gateway cuts (a stream it stopped masking) is an answer too: nothing more came.
      r.on('error', (err) => resolve({ status: 0, headers: {}, body: `(cut: ${err.message})` }))
      r.end(req.body)
    }),
    async close() {
      await g.close()
      await kube.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
