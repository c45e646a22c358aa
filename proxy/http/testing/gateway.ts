// The HTTP gateway as the tests run it: the real engine (default policy compiled by OPA, dev-issuer tokens),
// one real HTTPS upstream that records what reaches it, the reverse listener and the forward proxy with a CA
// in a temporary state directory.
import { mkdtempSync, rmSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TargetConfig } from '../../../engine/config/types.ts'
import type { DevKeyPair } from '../../../engine/identity/index.ts'
import { createTestEngine, type TestEngine, type TestEngineOptions } from '../../postgres/testing/engine.ts'
import { type CaPaths, createLeafIssuer, ensureCa, type LeafIssuer } from '../ca.ts'
import { listenForward } from '../forward-proxy.ts'
import { createHttpGateway, type HttpGateway } from '../handler.ts'
import { type HttpListener, listenReverse } from '../node-server.ts'
import { type Route, type Seen, startUpstream, type TestUpstream } from './upstream.ts'

export interface TestGateway {
  te: TestEngine
  upstream: TestUpstream
  gateway: HttpGateway
  reverse: HttpListener
  proxy: HttpListener
  ca: CaPaths
  /** Leaf certificates from the gateway CA. */
  leaves: LeafIssuer
  /** What the upstream answers; replace per test. */
  route: Route
  env: Record<string, string | undefined>
  agentToken(): Promise<string>
  /** The id of the first pending approval, waiting up to `waitMs` for one to appear. */
  heldId(waitMs?: number): Promise<string | undefined>
  /** Approves `id` as alice, a human reviewer of the dba group. */
  approve(id: string): Promise<void>
  close(): Promise<void>
}

export const json = (res: ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

export interface TestGatewayOptions {
  holdSeconds?: number
  passthrough?: (upstream: TestUpstream) => string[]
  env?: Record<string, string>
  tls?: boolean
  settings?: Record<string, unknown>
  /** Bytes of response bodies the gateway holds at once to mask them. */
  maskBudgetBytes?: number
  /** An upstream running elsewhere (the benchmark's, in its own process) instead of a recording one started here. */
  upstream?: { url: string; caFile: string }
  /** The dev issuer's key pair, for tests that sign their own tokens. */
  keys?: DevKeyPair
  /** identity.clock_skew_seconds, as the server passes it to the listeners; 0 when absent. */
  clockSkewSeconds?: number
  /** A decision that replaces the policy's for the inputs it answers (createTestEngine's override). */
  override?: TestEngineOptions['override']
}

export async function startTestGateway(targets: (upstream: TestUpstream) => TargetConfig[], opts: TestGatewayOptions = {}): Promise<TestGateway> {
  const state = mkdtempSync(join(tmpdir(), 'warden-http-'))
  let tg: TestGateway
  const upstream: TestUpstream = opts.upstream
    ? { ...opts.upstream, seen: [], close: async () => undefined }
    : await startUpstream((req: Seen, res) => tg.route(req, res))
  const list = targets(upstream)
  const te = await createTestEngine({ targets: list, settings: opts.settings, keys: opts.keys, override: opts.override })
  const env = { ...opts.env }
  const gateway = createHttpGateway({ engine: te.engine, targets: list, env, holdSeconds: opts.holdSeconds ?? 5, maskKey: new Uint8Array(32).fill(7), approvalHint: (id) => `npx warden approvals approve ${id}`, maskBudgetBytes: opts.maskBudgetBytes, clockSkewSeconds: opts.clockSkewSeconds })
  const ca = await ensureCa(state, {})
  const leaves = await createLeafIssuer(ca)
  const reverse = await listenReverse(gateway.handle, { host: '127.0.0.1', port: 0, tls: opts.tls ? leaves.pem(['127.0.0.1', 'localhost']) : undefined })
  const proxy = await listenForward({ host: '127.0.0.1', port: 0, engine: te.engine, targets: list, passthrough: opts.passthrough?.(upstream) ?? [], leaves, handle: gateway.handle, clockSkewSeconds: opts.clockSkewSeconds })
  tg = {
    te, upstream, gateway, reverse, proxy, ca, leaves, env,
    route: (_req, res) => json(res, { ok: true }),
    agentToken: () => te.token('cursor', ['agents']),
    async heldId(waitMs = 3_000) {
      for (const end = performance.now() + waitMs; ;) {
        const id = (await te.approvals.list({ status: 'pending' }))[0]?.id
        if (id || performance.now() > end) return id
        await new Promise((r) => setTimeout(r, 10))
      }
    },
    async approve(id) {
      await te.approvals.approve(id, te.identity('alice', ['dba'], 'human'))
    },
    async close() {
      await proxy.close()
      await reverse.close()
      gateway.close()
      await upstream.close()
      te.close()
      rmSync(state, { recursive: true, force: true })
    },
  }
  return tg
}
