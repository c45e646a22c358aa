// The parts of an input document the engine makes once per session (gateway-engine.ts: a frozen identity, target
// and grant-free session part; input-check.ts: contexts found valid; decision-cache.ts: their JSON text) must
// never show the policy anything but the session as it is now: another session object with the same id, an
// identity or target replaced, a grant given and revoked, a session part with another id. A policy that echoes
// what it sees tells; every input's cached JSON must be JSON.stringify of the input.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMemoryApprovalStore } from './approvals/index.ts'
import { createMemoryAuditSink } from './audit/index.ts'
import { defaultConfig } from './config/defaults.ts'
import type { TargetConfig } from './config/types.ts'
import { inputJson } from './decide/decision-cache.ts'
import { prepareDecider } from './decide/index.ts'
import { compileRego } from './decide/test-bundle.ts'
import type { Judgement, SessionState } from './gateway.ts'
import { createGatewayEngine } from './gateway-engine.ts'
import { createVerifier, generateDevKey } from './identity/index.ts'
import type { Identity } from './types.ts'

// Approves a DROP (so a grant can be given), allows anything else; the reason names what the policy saw.
const policy = `package warden
import rego.v1
seen := concat(" ", [input.identity.sub, concat(",", input.identity.groups), input.session.id, input.session.started_at, input.target.name, input.target.environment, format_int(count(input.session.grants), 10)])
approval := {"approvers": ["dba"], "scope": "statement", "ttl_seconds": 600}
decision := {"effect": "approve", "reasons": [{"rule": "t.seen", "message": seen}], "obligations": {"mask": [], "approval": approval}} if {
  startswith(input.command.raw, "DROP")
  count(input.session.grants) == 0
}
default decision := {"effect": "allow", "reasons": [{"rule": "t.seen", "message": "none"}], "obligations": {"mask": []}}
decision := {"effect": "allow", "reasons": [{"rule": "t.seen", "message": seen}], "obligations": {"mask": []}} if {
  not startswith(input.command.raw, "DROP")
}
decision := {"effect": "allow", "reasons": [{"rule": "t.seen", "message": seen}], "obligations": {"mask": []}} if {
  startswith(input.command.raw, "DROP")
  count(input.session.grants) > 0
}
`

const upstream = { host: '127.0.0.1', port: 1, database: 'app', user: 'warden' }
const prod: TargetConfig = { name: 'prod-db', kind: 'postgres', environment: 'production', labels: {}, upstream }
const staging: TargetConfig = { name: 'staging-db', kind: 'postgres', environment: 'staging', labels: {}, upstream }
const agent = (): Identity => ({ sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' })
const human = (): Identity => ({ sub: 'alice', issuer: 'warden-dev', groups: ['dba'], kind: 'human' })

const config = defaultConfig()
config.targets = [prod, staging]
const approvals = createMemoryApprovalStore()
const engine = await createGatewayEngine(config, {
  verifier: createVerifier(config.identity, { devPublicJwk: (await generateDevKey()).publicJwk }),
  approvals,
  audit: createMemoryAuditSink(),
  decider: await prepareDecider(await compileRego({ 'p.rego': policy }), { maxMemoryPages: 256 }),
})

function seen(session: SessionState, text = 'SELECT 1'): string {
  const j: Judgement = engine.judge({ kind: 'sql', session, text })
  assert.is(inputJson(j.input), JSON.stringify(j.input), 'the cached JSON text is the document')
  return `${j.decision.effect}: ${j.decision.reasons[0]!.message}`
}

test('two session objects with one id and start: each is judged with its own identity and target', () => {
  const a: SessionState = { id: 's1', started_at: '2026-01-01T00:00:00Z', identity: agent(), target: prod }
  const b: SessionState = { id: 's1', started_at: '2026-01-01T00:00:00Z', identity: human(), target: staging }
  for (let i = 0; i < 3; i++) {
    assert.is(seen(a), 'allow: cursor agents s1 2026-01-01T00:00:00Z prod-db production 0')
    assert.is(seen(b), 'allow: alice dba s1 2026-01-01T00:00:00Z staging-db staging 0')
  }
})

test('a session whose identity, target, id or start is replaced is judged as it is now', () => {
  const s: SessionState = { id: 's2', started_at: '2026-01-01T00:00:00Z', identity: agent(), target: prod }
  assert.is(seen(s), 'allow: cursor agents s2 2026-01-01T00:00:00Z prod-db production 0')
  s.identity = human()
  assert.is(seen(s), 'allow: alice dba s2 2026-01-01T00:00:00Z prod-db production 0')
  s.target = staging
  assert.is(seen(s), 'allow: alice dba s2 2026-01-01T00:00:00Z staging-db staging 0')
  s.id = 's3'
  assert.is(seen(s), 'allow: alice dba s3 2026-01-01T00:00:00Z staging-db staging 0')
  s.started_at = '2026-02-02T00:00:00Z'
  assert.is(seen(s), 'allow: alice dba s3 2026-02-02T00:00:00Z staging-db staging 0')
})

test('the identity a session was judged with cannot be changed under it: it is frozen, a write throws', () => {
  const s: SessionState = { id: 's4', started_at: '2026-01-01T00:00:00Z', identity: agent(), target: prod }
  seen(s)
  assert.throws(() => (s.identity.groups as string[]).push('dba'))
  assert.throws(() => ((s.identity as { sub: string }).sub = 'alice'))
  assert.is(seen(s), 'allow: cursor agents s4 2026-01-01T00:00:00Z prod-db production 0')
})

test('a grant given mid-session is seen at once, and no longer once revoked', async () => {
  const s: SessionState = { id: 's5', started_at: '2026-01-01T00:00:00Z', identity: agent(), target: prod }
  const text = 'DROP TABLE t'
  assert.is(seen(s, text), 'approve: cursor agents s5 2026-01-01T00:00:00Z prod-db production 0')
  const held = engine.judge({ kind: 'sql', session: s, text })
  const request = await approvals.request({ input: held.input, decision: held.decision, summary: text })
  const { grant } = await approvals.approve(request.id, human())
  assert.ok(grant)
  assert.is(seen(s, text), 'allow: cursor agents s5 2026-01-01T00:00:00Z prod-db production 1')
  assert.is(seen(s), 'allow: cursor agents s5 2026-01-01T00:00:00Z prod-db production 1')
  await approvals.revoke(grant!.id, human())
  assert.is(seen(s, text), 'approve: cursor agents s5 2026-01-01T00:00:00Z prod-db production 0')
  assert.is(seen(s), 'allow: cursor agents s5 2026-01-01T00:00:00Z prod-db production 0')
})

test.run()
