// Real peers for the HTTP gateway's tests, each started on 127.0.0.1 free ports and stopped by stop():
// startKube (etcd + kube-apiserver + kube-controller-manager), startFakeGcs and startMoto. The programs come
// from scripts/ensure-peers.mjs; a peer left running when the test process ends is killed by its watchdog.
//   const kube = await startKube()          // { url, caPem, caFile, adminToken, limitedToken, kubeconfig(), stop }
//   try { /* kubectl --kubeconfig kube.kubeconfig() … */ } finally { await kube.stop() }
export { startKube, type KubeOptions, type KubePeer } from './kube.ts'
export { startFakeGcs, startMoto, type FakeGcsOptions, type StoragePeer } from './storage.ts'
export { peerBinaries } from './binaries.ts'
