// Each rule that asks for approval keeps its own count. Two rules, each asking for two people (one from security,
// one from dba), are met by two security and two dba, not by one of each: the merged decision must not let the
// two rules' counts be pooled, in the approval store nor in the grant the policy weighs when the statement is
// judged again.
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMemoryApprovalStore } from '../../engine/approvals/index.ts'
import { createMemoryAuditSink } from '../../engine/audit/index.ts'
import { defaultConfig } from '../../engine/config/defaults.ts'
import type { SessionState } from '../../engine/gateway.ts'
import { createGatewayEngine } from '../../engine/gateway-engine.ts'
import { createVerifier, generateDevKey } from '../../engine/identity/index.ts'
import type { Identity } from '../../engine/types.ts'
import { packageRoot, testOpa } from '../postgres/testing/paths.ts'
import { loadPolicy } from './policy.ts'

const work = await mkdtemp(join(tmpdir(), 'warden-approval-quorums-'))
test.after(() => rm(work, { recursive: true, force: true }))

const twoFrom = (pkg: string, group: string) => `package warden.rules.${pkg}

approve contains {"rule": "${pkg}", "message": "two from ${group}"} if contains(input.command.raw, "UPDATE")

approval contains {"approvers": ["${group}"], "min_approvals": 2}
`
const source = join(work, 'policies')
await cp(join(packageRoot, 'policies', 'warden'), join(source, 'warden'), { recursive: true })
await cp(join(packageRoot, 'policies', 'lib'), join(source, 'lib'), { recursive: true })
await mkdir(join(source, 'rules'), { recursive: true })
await writeFile(join(source, 'rules', 'secrets.rego'), twoFrom('secrets', 'security'))
await writeFile(join(source, 'rules', 'writes.rego'), twoFrom('writes', 'dba'))

const config = defaultConfig()
config.policy.source = source
config.state_dir = join(work, 'state')
const devKey = await generateDevKey()
const approvals = createMemoryApprovalStore()
const engine = await createGatewayEngine(config, {
  verifier: createVerifier(config.identity, { devPublicJwk: devKey.publicJwk }),
  approvals,
  audit: createMemoryAuditSink(),
  decider: (await loadPolicy(config, { opa: testOpa(), packageRoot })).decider,
})

const person = (sub: string, group: string): Identity => ({ sub, issuer: 'warden-dev', groups: [group], kind: 'human' })
const agent: Identity = { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' }
const prodDb = config.targets.find((t) => t.name === 'prod-db')!
const session: SessionState = { id: 'ses_quorums', started_at: '2026-01-01T00:00:00.000Z', identity: agent, target: prodDb }
const UPDATE = "UPDATE users SET plan = 'pro' WHERE id = 1"
const judge = () => engine.judge({ kind: 'sql', session, text: UPDATE })

test('two rules each asking for two people need two from each group; one of each approves nothing', async () => {
  const held = judge()
  assert.is(held.decision.effect, 'approve')
  assert.equal(held.decision.obligations.approval?.quorums, [{ groups: ['dba'], min_approvals: 2 }, { groups: ['security'], min_approvals: 2 }])
  const request = await approvals.request({ input: held.input, decision: held.decision, summary: UPDATE })

  await approvals.approve(request.id, person('sam', 'security'))
  const half = await approvals.approve(request.id, person('alice', 'dba'))
  assert.is(half.status, 'pending', 'one security and one dba are two people, but neither rule has its two')
  assert.is(judge().decision.effect, 'approve')

  await approvals.approve(request.id, person('sue', 'security'))
  assert.is((await approvals.get(request.id))?.status, 'pending', 'security has its two; dba does not')
  const done = await approvals.approve(request.id, person('dave', 'dba'))
  assert.is(done.status, 'approved')
  assert.equal(done.grant?.group_approvals, [{ groups: ['dba'], approvals: 2 }, { groups: ['security'], approvals: 2 }])
  assert.is(judge().decision.effect, 'allow', 'the grant of two from each covers the statement')
})

test.run()
