// One gateway over one private PostgreSQL cluster, for a test file: the real engine and default policy
// (optionally overridden), pg clients through the gateway, and the server-log check that everything the
// server executed was allowed by a decision.
import pg from 'pg'
import type { TargetConfig } from '../../../engine/config/types.ts'
import type { Decision, InputDocument } from '../../../engine/types.ts'
import type { UpstreamTarget } from '../backend.ts'
import { type PostgresListener, startPostgresListener } from '../listener.ts'
import { DIRECT_APP, startCluster, type TestCluster } from './cluster.ts'
import { createTestEngine, type TestEngine, testTarget } from './engine.ts'
import { makeSelfSignedCert, type TestCert } from './tls.ts'
import { PROBE_SQL } from '../search-path-watch.ts'

export const CATALOG_APP = 'warden-catalog'

export interface Harness {
  cluster: TestCluster
  te: TestEngine
  listener: PostgresListener
  port: number
  cert: TestCert
  agentToken(sub?: string): Promise<string>
  /** A pg client connected through the gateway (to target prod-db unless told). */
  client(opts?: { token?: string; database?: string; ssl?: boolean; binary?: boolean; pipeline?: boolean }): Promise<pg.Client>
  /** Every statement the server logged since the harness started was judged `allow` (gateway-internal ones aside). */
  unjudgedStatements(): string[]
  /** Waits (polling the store, not the clock) for a pending approval not in `known`, and returns its id. */
  pendingApproval(known?: ReadonlySet<string>): Promise<string>
  /** Rejects, as a reviewer, every request held while `work` runs (held is an outcome, not something to wait for). */
  rejectingHeld<T>(why: string, work: () => Promise<T>): Promise<T>
  stop(): Promise<void>
}

export interface HarnessOptions {
  override?: (input: InputDocument) => Decision | undefined
  holdSeconds?: number
  /** Listener bound on connections still starting from one address (default MAX_STARTING_PER_SOURCE). */
  maxStartingPerSource?: number
  /** Listener bound on connections still starting (default MAX_STARTING). */
  maxStarting?: number
  /** Listener budget for unread client messages (default MAX_BUFFERED_MESSAGE_BYTES). */
  maxBufferedMessageBytes?: number
  /** Listener base deadline for one client message after startup (default 30 s). */
  messageTimeoutMs?: number
  /** Address the listener binds (default 127.0.0.1; `::ffff:127.0.0.1` sees IPv4 clients as IPv4-mapped). */
  host?: string
  targets?: TargetConfig[]
  upstream?: (target: TargetConfig, cluster: TestCluster) => UpstreamTarget
  maskKey?: Uint8Array
  /** Decide threads for the engine (policy.decide_threads). */
  decideThreads?: number
  /** SQL run as the superuser before the gateway starts (testing/seed-leaks.ts), so its catalog sees the tables. */
  seed?: string[]
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const cluster = await startCluster()
  for (const sql of opts.seed ?? []) await cluster.query(sql)
  const since = cluster.logOffset()
  const te = await createTestEngine({ targets: opts.targets ?? [testTarget('prod-db'), testTarget('staging-db', 'staging')], override: opts.override, decideThreads: opts.decideThreads })
  const cert = makeSelfSignedCert()
  const listener = await startPostgresListener({
    host: opts.host ?? '127.0.0.1',
    port: 0,
    tls: cert,
    allowPlaintext: false,
    engine: te.engine,
    upstream: (target) => (opts.upstream ? opts.upstream(target, cluster) : cluster.upstream()),
    holdSeconds: opts.holdSeconds ?? 30,
    maxStartingPerSource: opts.maxStartingPerSource,
    maxStarting: opts.maxStarting,
    maxBufferedMessageBytes: opts.maxBufferedMessageBytes,
    messageTimeoutMs: opts.messageTimeoutMs,
    maskKey: opts.maskKey ?? new Uint8Array(32).fill(7),
    approvalHint: (id) => `npx warden approvals approve ${id}`,
  })
  const port = listener.address.port
  const clients: pg.Client[] = []
  const h: Harness = {
    cluster,
    te,
    listener,
    port,
    cert,
    agentToken: (sub = 'cursor') => te.token(sub, ['agents']),
    async client(o = {}) {
      const c = new pg.Client({
        host: '127.0.0.1',
        port,
        user: 'agent',
        database: o.database ?? 'prod-db',
        password: o.token ?? (await h.agentToken()),
        ssl: o.ssl ? { rejectUnauthorized: false } : false,
        ...(o.binary ? { binary: true } : {}),
        ...(o.pipeline ? { pipeline: true } : {}),
      } as pg.ClientConfig)
      c.on('error', () => undefined)
      await c.connect()
      clients.push(c)
      return c
    },
    unjudgedStatements() {
      const allowed = new Set(te.judged.filter((j) => j.effect === 'allow').map((j) => j.text))
      return cluster.statements(since)
        .filter((s) => s.app !== CATALOG_APP && s.app !== DIRECT_APP)
        .map((s) => s.text)
        // The gateway's own search_path probe (search-path-watch.ts) reads two settings on the client's session.
        .filter((text) => !allowed.has(text) && text !== PROBE_SQL)
    },
    async pendingApproval(known = new Set<string>()) {
      for (let i = 0; i < 500; i++) {
        const p = (await te.approvals.list({ status: 'pending' })).find((r) => !known.has(r.id))
        if (p) return p.id
        await new Promise((r) => setTimeout(r, 20))
      }
      throw new Error('no approval request appeared')
    },
    async rejectingHeld(why, work) {
      const reviewer = te.identity('alice', ['dba'], 'human')
      let done = false
      const rejecting = (async () => {
        while (!done) {
          for (const r of await te.approvals.list({ status: 'pending' })) await te.approvals.reject(r.id, reviewer, why).catch(() => undefined)
          await new Promise((r) => setTimeout(r, 10))
        }
      })()
      try {
        return await work()
      } finally {
        done = true
        await rejecting
      }
    },
    async stop() {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)))
      await listener.close()
      await cluster.stop()
      await te.close()
    },
  }
  return h
}
