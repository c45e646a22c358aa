// A grant is what its approvers gave. Approved by a dba under one policy, it must not cover the same statement
// once the policy asks for someone else: an operator who tightens who approves writes (another group, or two
// people) expects the grants already given to stop standing in for the new requirement, not to last their TTL.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMemoryApprovalStore } from '../../engine/approvals/index.ts'
import { createMemoryAuditSink } from '../../engine/audit/index.ts'
import { defaultConfig } from '../../engine/config/defaults.ts'
import type { GatewayEngine, SessionState } from '../../engine/gateway.ts'
import { createGatewayEngine } from '../../engine/gateway-engine.ts'
import { createVerifier, generateDevKey } from '../../engine/identity/index.ts'
import type { Identity } from '../../engine/types.ts'
import { packageRoot, testOpa } from '../postgres/testing/paths.ts'
import { loadPolicy } from './policy.ts'

const configWith = (settings: Record<string, unknown>) => {
  const config = defaultConfig()
  config.policy.source = join(packageRoot, 'policies')
  config.policy.settings = settings
  config.state_dir = mkdtempSync(join(tmpdir(), 'warden-grant-swap-'))
  return config
}

const approvals = createMemoryApprovalStore()
const devKey = await generateDevKey()

/** The gateway as it runs with these policy settings (a restart or reload with a changed policy), over one approval store. */
async function gatewayWith(settings: Record<string, unknown>) {
  const config = configWith(settings)
  const { decider } = await loadPolicy(config, { opa: testOpa(), packageRoot })
  return createGatewayEngine(config, {
    verifier: createVerifier(config.identity, { devPublicJwk: devKey.publicJwk }),
    approvals,
    audit: createMemoryAuditSink(),
    decider,
  })
}

const agent: Identity = { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' }
const dba: Identity = { sub: 'alice', issuer: 'warden-dev', groups: ['dba'], kind: 'human' }
const prodDb = defaultConfig().targets.find((t) => t.name === 'prod-db')!
const session: SessionState = { id: 'ses_swap', started_at: '2026-01-01T00:00:00.000Z', identity: agent, target: prodDb }
const UPDATE = "UPDATE users SET plan = 'pro' WHERE id = 1"
const judge = (engine: GatewayEngine) => engine.judge({ kind: 'sql', session, text: UPDATE })

test('a grant a dba gave stops covering the statement once the policy asks for security instead; it covers again when the policy asks what it had', async () => {
  const before = await gatewayWith({})
  const held = judge(before)
  assert.is(held.decision.effect, 'approve')
  const request = await approvals.request({ input: held.input, decision: held.decision, summary: UPDATE })
  assert.ok((await approvals.approve(request.id, dba)).grant)
  assert.is(judge(before).decision.effect, 'allow', 'the grant covers the statement it was given for')

  const security = judge(await gatewayWith({ approver_groups: ['security'] }))
  assert.is(security.decision.effect, 'approve', 'a dba approval does not stand in for security')
  assert.equal(security.decision.obligations.approval?.approvers, ['security'])

  assert.is(judge(await gatewayWith({ approver_groups: ['dba', 'security'] })).decision.effect, 'allow', 'a dba is again one of the groups that may approve')
})

test.run()
