// The real gateway engine for integration tests: dev-issuer tokens, the shipped default policy compiled with
// OPA (optionally overridden per input), the in-memory approval store and audit sink. Every judgement is
// recorded so tests can check that whatever reached the server was allowed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadPolicy } from '../../server/policy.ts'
import { packageRoot, testOpa } from './paths.ts'
import { createMemoryApprovalStore } from '../../../engine/approvals/index.ts'
import type { ApprovalStore } from '../../../engine/approvals/types.ts'
import { createMemoryAuditSink } from '../../../engine/audit/index.ts'
import type { AuditEvent, AuditSink } from '../../../engine/audit/types.ts'
import { defaultConfig } from '../../../engine/config/defaults.ts'
import type { TargetConfig } from '../../../engine/config/types.ts'
import type { Decider } from '../../../engine/decide/index.ts'
import { DecidePool } from '../../../engine/decide/pool.ts'
import type { GatewayEngine } from '../../../engine/gateway.ts'
import { createGatewayEngine } from '../../../engine/gateway-engine.ts'
import { createVerifier, type DevKeyPair, generateDevKey, signDevToken } from '../../../engine/identity/index.ts'
import type { Decision, Effect, Identity, IdentityKind, InputDocument } from '../../../engine/types.ts'

export interface Judged {
  session: string
  text: string
  effect: Effect
  /** The identity of the session the request was judged in. */
  identity: Identity
}

export interface TestEngine {
  engine: GatewayEngine
  audit: AuditSink & { events: AuditEvent[] }
  approvals: ApprovalStore
  judged: Judged[]
  token(sub: string, groups: string[], opts?: { kind?: IdentityKind; ttlSeconds?: number; now?: number; issuer?: string; audience?: string }): Promise<string>
  /** An identity as the verifier would return it, e.g. a human dba who approves. */
  identity(sub: string, groups: string[], kind: IdentityKind): Identity
  /** The decide threads, when asked for. */
  pool?: DecidePool
  close(): Promise<void>
}

export interface TestEngineOptions {
  targets: TargetConfig[]
  /** Decides instead of the default policy when it returns a decision (e.g. to allow pg_sleep in a cancel test). */
  override?: (input: InputDocument) => Decision | undefined
  /** policy.settings (data.settings), e.g. MCP tool lists; the default config's when absent. */
  settings?: Record<string, unknown>
  /** Decide threads (policy.decide_threads): uncached decisions are evaluated off the socket thread. */
  decideThreads?: number
  /** The dev issuer's key pair, for tests that sign their own tokens; a fresh one when absent. */
  keys?: DevKeyPair
}

/** A postgres target named `name` whose upstream the listener's `upstream()` callback supplies. */
export function testTarget(name: string, environment = 'production'): TargetConfig {
  return { name, kind: 'postgres', environment, labels: {}, upstream: { host: '127.0.0.1', port: 1, database: 'app', user: 'warden' } }
}

export async function createTestEngine(opts: TestEngineOptions): Promise<TestEngine> {
  const config = defaultConfig()
  const stateDir = mkdtempSync(join(tmpdir(), 'warden-engine-'))
  config.state_dir = stateDir
  config.targets = opts.targets
  config.policy.source = join(packageRoot, 'policies')
  if (opts.settings) config.policy.settings = opts.settings
  const keys = opts.keys ?? await generateDevKey()
  const verifier = createVerifier(config.identity, { devPublicJwk: keys.publicJwk })
  const policy = (await loadPolicy(config, { opa: testOpa(), packageRoot })).decider
  const decider: Decider = opts.override
    ? { decide: (input) => opts.override!(input) ?? policy.decide(input), swap: (b) => policy.swap(b), get revision() { return policy.revision } }
    : policy
  const approvals = createMemoryApprovalStore()
  const audit = createMemoryAuditSink()
  const pool = opts.decideThreads ? new DecidePool({ threads: opts.decideThreads }) : undefined
  await pool?.start(decider)
  const engine = await createGatewayEngine(config, { verifier, approvals, audit, decider, pool })
  const judged: Judged[] = []
  const recording: GatewayEngine = {
    ...engine,
    judge(request) {
      const j = engine.judge(request)
      const text = request.kind === 'sql' ? request.text : `${request.request.method} ${request.request.url}`
      judged.push({ session: request.session.id, text, effect: j.decision.effect, identity: request.session.identity })
      return j
    },
  }
  return {
    engine: recording,
    audit,
    approvals,
    judged,
    token: (sub, groups, o = {}) => signDevToken(keys.privateJwk, {
      issuer: o.issuer ?? 'warden-dev',
      audience: o.audience ?? 'warden',
      sub,
      groups,
      ttlSeconds: o.ttlSeconds ?? 600,
      ...(o.kind ? { kind: o.kind } : {}),
      ...(o.now !== undefined ? { now: o.now } : {}),
    }),
    identity: (sub, groups, kind) => ({ sub, issuer: 'warden-dev', groups, kind }),
    pool,
    async close() {
      await pool?.close()
      rmSync(stateDir, { recursive: true, force: true })
    },
  }
}
