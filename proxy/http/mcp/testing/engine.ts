// The real gateway engine for MCP tests: the shipped default policy compiled with OPA and the given policy
// settings, dev-issuer tokens, the in-memory approval store and audit sink. (proxy/postgres/testing/engine.ts
// does the same for PostgreSQL but takes no settings.)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMemoryApprovalStore } from '../../../../engine/approvals/index.ts'
import { createMemoryAuditSink } from '../../../../engine/audit/index.ts'
import { defaultConfig } from '../../../../engine/config/defaults.ts'
import type { TargetConfig } from '../../../../engine/config/types.ts'
import type { GatewayEngine } from '../../../../engine/gateway.ts'
import { createGatewayEngine } from '../../../../engine/gateway-engine.ts'
import { createVerifier, generateDevKey, signDevToken } from '../../../../engine/identity/index.ts'
import type { Identity } from '../../../../engine/types.ts'
import { packageRoot, testOpa } from '../../../postgres/testing/paths.ts'
import { loadPolicy } from '../../../server/policy.ts'

export interface McpTestEngine {
  engine: GatewayEngine
  token(sub: string, groups: string[]): Promise<string>
  identity(sub: string, groups: string[], kind: Identity['kind']): Identity
  close(): void
}

export async function createMcpTestEngine(targets: TargetConfig[], settings: Record<string, unknown>): Promise<McpTestEngine> {
  const config = defaultConfig()
  const stateDir = mkdtempSync(join(tmpdir(), 'warden-mcp-engine-'))
  config.state_dir = stateDir
  config.targets = targets
  config.policy.source = join(packageRoot, 'policies')
  config.policy.settings = settings
  const keys = await generateDevKey()
  const verifier = createVerifier(config.identity, { devPublicJwk: keys.publicJwk })
  const { decider } = await loadPolicy(config, { opa: testOpa(), packageRoot })
  const engine = await createGatewayEngine(config, { verifier, approvals: createMemoryApprovalStore(), audit: createMemoryAuditSink(), decider })
  return {
    engine,
    token: (sub, groups) => signDevToken(keys.privateJwk, { issuer: 'warden-dev', audience: 'warden', sub, groups, ttlSeconds: 600 }),
    identity: (sub, groups, kind) => ({ sub, issuer: 'warden-dev', groups, kind }),
    close: () => rmSync(stateDir, { recursive: true, force: true }),
  }
}
