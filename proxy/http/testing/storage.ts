// Object-storage peers for a test, each HTTPS on a free 127.0.0.1 port with its own test CA:
// fake-gcs-server (the GCS JSON API, in memory) and moto_server (AWS APIs, S3 included).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, retryWhenPortTaken } from '../../postgres/testing/cluster.ts'
import { peerBinaries } from './binaries.ts'
import { httpsGet, spawnPeer, waitReady } from './process.ts'
import { makeServingPki } from './tls.ts'

export interface StoragePeer {
  /** https://127.0.0.1:PORT */
  url: string
  caPem: string
  caFile: string
  stop(): Promise<void>
}

export interface FakeGcsOptions {
  /** Buckets that exist from the start (empty). */
  buckets?: string[]
  timeoutMs?: number
}

/** fake-gcs-server on a free port; started again on another if a process bound that port before it did. */
export const startFakeGcs = (opts: FakeGcsOptions = {}): Promise<StoragePeer> => retryWhenPortTaken(() => startFakeGcsOnce(opts))

async function startFakeGcsOnce(opts: FakeGcsOptions): Promise<StoragePeer> {
  const bin = peerBinaries(['fake-gcs-server'])['fake-gcs-server']!
  const dir = mkdtempSync(join(tmpdir(), 'warden-gcs-'))
  try {
    const pki = makeServingPki(dir)
    const seed = join(dir, 'seed')
    for (const bucket of opts.buckets ?? []) mkdirSync(join(seed, bucket), { recursive: true })
    const port = await freePort()
    const url = `https://127.0.0.1:${port}`
    const peer = spawnPeer('fake-gcs-server', bin, [
      '-scheme', 'https', '-host', '127.0.0.1', '-port', String(port), '-backend', 'memory',
      '-cert-location', pki.certFile, '-private-key-location', pki.keyFile,
      '-public-host', `127.0.0.1:${port}`, '-external-url', url, '-log-level', 'warn',
      ...(opts.buckets?.length ? ['-data', seed] : []),
    ], { cleanup: dir })
    const stop = async () => {
      await peer.stop()
      rmSync(dir, { recursive: true, force: true })
    }
    await waitReady(peer, async () => (await httpsGet(`${url}/storage/v1/b`, pki.caPem)).status === 200, opts.timeoutMs ?? 30_000).catch(async (err) => {
      await stop()
      throw err
    })
    return { url, caPem: pki.caPem, caFile: pki.caFile, stop }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}

export interface MotoOptions {
  timeoutMs?: number
  /** A file moto_server appends every request it serves to (headers included), as JSON lines, once
   *  recording starts (MOTO_ENABLE_RECORDING): what the upstream really saw. */
  recordTo?: string
}

/** moto_server on a free port; started again on another if a process bound that port before it did. */
export const startMoto = (opts: MotoOptions = {}): Promise<StoragePeer> => retryWhenPortTaken(() => startMotoOnce(opts))

async function startMotoOnce(opts: MotoOptions): Promise<StoragePeer> {
  const bin = peerBinaries(['moto_server']).moto_server!
  const dir = mkdtempSync(join(tmpdir(), 'warden-moto-'))
  try {
    const pki = makeServingPki(dir)
    const port = await freePort()
    const url = `https://127.0.0.1:${port}`
    const peer = spawnPeer('moto_server', bin, ['-H', '127.0.0.1', '-p', String(port), '-c', pki.certFile, '-k', pki.keyFile], {
      cleanup: dir,
      // The recorder's file is moto_recording in the working directory unless named: keep it in the peer's own.
      env: { ...process.env, MOTO_RECORDER_FILEPATH: opts.recordTo ?? join(dir, 'moto_recording'), ...(opts.recordTo ? { MOTO_ENABLE_RECORDING: 'true' } : {}) },
    })
    const stop = async () => {
      await peer.stop()
      rmSync(dir, { recursive: true, force: true })
    }
    await waitReady(peer, async () => (await httpsGet(`${url}/moto-api/`, pki.caPem)).status < 500, opts.timeoutMs ?? 60_000).catch(async (err) => {
      await stop()
      throw err
    })
    return { url, caPem: pki.caPem, caFile: pki.caFile, stop }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw err
  }
}
