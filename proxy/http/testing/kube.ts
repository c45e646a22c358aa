// A real Kubernetes control plane for a test, all on 127.0.0.1 free ports in one temp dir: etcd,
// kube-apiserver (HTTPS with a test CA, static bearer tokens, RBAC) and kube-controller-manager running the
// namespace controller so namespace deletion completes. No nodes: pods are stored but never run.
import { generateKeyPairSync, randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, retryWhenPortTaken } from '../../postgres/testing/cluster.ts'
import { peerBinaries } from './binaries.ts'
import { httpsGet, spawnPeer, waitReady, type PeerProcess } from './process.ts'
import { makeServingPki } from './tls.ts'

export interface KubePeer {
  /** https://127.0.0.1:PORT */
  url: string
  caPem: string
  caFile: string
  /** Bearer token of `admin`, in group system:masters. */
  adminToken: string
  /** Bearer token of `limited`, who has no RBAC grants beyond what every authenticated user has. */
  limitedToken: string
  /** The apiserver's audit log (JSON lines, level Metadata, stages RequestReceived and ResponseComplete):
   *  every request that reached it, with the user it authenticated. */
  auditLog: string
  /** Path of a kubeconfig file for kubectl that authenticates with `token` (admin by default). */
  kubeconfig(token?: string): string
  stop(): Promise<void>
}

export interface KubeOptions {
  /** kube-controller-manager --controllers; the namespace controller by default. */
  controllers?: string[]
  /** How long to wait for /readyz. */
  timeoutMs?: number
}

function kubeconfigYaml(url: string, caPem: string, user: string, token: string): string {
  const ca = Buffer.from(caPem).toString('base64')
  return [
    'apiVersion: v1',
    'kind: Config',
    `clusters: [{name: warden-test, cluster: {server: "${url}", certificate-authority-data: ${ca}}}]`,
    `users: [{name: ${user}, user: {token: ${token}}}]`,
    `contexts: [{name: warden-test, context: {cluster: warden-test, user: ${user}}}]`,
    'current-context: warden-test',
    '',
  ].join('\n')
}

const token = () => randomBytes(24).toString('hex')

/** etcd and kube-apiserver on free ports; started again on others if a process bound one of them first. */
export const startKube = (opts: KubeOptions = {}): Promise<KubePeer> => retryWhenPortTaken(() => startKubeOnce(opts))

async function startKubeOnce(opts: KubeOptions): Promise<KubePeer> {
  const bins = peerBinaries(['etcd', 'kube-apiserver', 'kube-controller-manager'])
  const dir = mkdtempSync(join(tmpdir(), 'warden-kube-'))
  const started: PeerProcess[] = []
  const stop = async () => {
    for (const peer of [...started].reverse()) await peer.stop()
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    const pki = makeServingPki(dir)
    const tokens = { admin: token(), limited: token(), kcm: token() }
    writeFileSync(join(dir, 'tokens.csv'), [
      `${tokens.admin},admin,admin,"system:masters"`,
      `${tokens.limited},limited,limited`,
      `${tokens.kcm},warden-controller-manager,warden-controller-manager,"system:masters"`,
      '',
    ].join('\n'), { mode: 0o600 })
    const sa = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    writeFileSync(join(dir, 'sa.key'), sa.privateKey.export({ type: 'sec1', format: 'pem' }), { mode: 0o600 })
    writeFileSync(join(dir, 'sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }))

    const auditLog = join(dir, 'audit.log')
    writeFileSync(join(dir, 'audit-policy.yaml'), [
      'apiVersion: audit.k8s.io/v1', 'kind: Policy', 'omitStages: [ResponseStarted]', 'rules: [{level: Metadata}]', '',
    ].join('\n'))
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()]
    const etcdUrl = `http://127.0.0.1:${etcdClient}`
    const etcd = spawnPeer('etcd', bins.etcd!, [
      '--name=warden', `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`, `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`, `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=warden=http://127.0.0.1:${etcdPeer}`,
      '--unsafe-no-fsync', '--log-level=warn',
    ], { cleanup: dir })
    started.push(etcd)
    // Ready before the API server starts: an etcd that could not bind its ports then fails here, with its output.
    await waitReady(etcd, async () => (await fetch(`${etcdUrl}/health`)).ok, opts.timeoutMs ?? 180_000)

    const url = `https://127.0.0.1:${apiPort}`
    const apiserver = spawnPeer('kube-apiserver', bins['kube-apiserver']!, [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${apiPort}`,
      `--cert-dir=${join(dir, 'apiserver-certs')}`, `--tls-cert-file=${pki.certFile}`, `--tls-private-key-file=${pki.keyFile}`,
      `--token-auth-file=${join(dir, 'tokens.csv')}`, '--authorization-mode=RBAC',
      `--service-account-issuer=${url}`, `--service-account-key-file=${join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
      '--service-cluster-ip-range=10.0.0.0/24', '--endpoint-reconciler-type=none',
      '--disable-admission-plugins=ServiceAccount', '--profiling=false',
      `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`, `--audit-log-path=${auditLog}`, '--audit-log-mode=blocking',
    ])
    started.push(apiserver)
    await waitReady(apiserver, async () => (await httpsGet(`${url}/readyz`, pki.caPem, tokens.admin)).status === 200, opts.timeoutMs ?? 180_000)

    const kubeconfigs = join(dir, 'kubeconfigs')
    mkdirSync(kubeconfigs)
    const kubeconfig = (bearer = tokens.admin) => {
      const user = bearer === tokens.admin ? 'admin' : bearer === tokens.limited ? 'limited' : 'other'
      const path = join(kubeconfigs, `${user}-${bearer.slice(0, 8)}.yaml`)
      writeFileSync(path, kubeconfigYaml(url, pki.caPem, user, bearer), { mode: 0o600 })
      return path
    }
    const controllers = opts.controllers ?? ['namespace-controller']
    const kcm = spawnPeer('kube-controller-manager', bins['kube-controller-manager']!, [
      `--kubeconfig=${kubeconfig(tokens.kcm)}`, `--controllers=${controllers.join(',')}`,
      '--leader-elect=false', '--use-service-account-credentials=false',
      '--secure-port=0', '--bind-address=127.0.0.1', '--profiling=false',
    ])
    started.push(kcm)
    // It serves nothing to probe (--secure-port=0): wait until it logs that its controllers started.
    await waitReady(kcm, async () => kcm.output().includes('"Started controller"'), opts.timeoutMs ?? 180_000)

    return { url, caPem: pki.caPem, caFile: pki.caFile, auditLog, adminToken: tokens.admin, limitedToken: tokens.limited, kubeconfig, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

