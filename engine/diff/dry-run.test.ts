// The engine's side of the dry-run rollout: the real engine with two compiled policies. The enforced decision
// is what judge() returns; the dry-run decision is judged only when asked for, recorded with its flips, and a
// failing dry-run policy never makes judge() fail.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMemoryApprovalStore } from '../approvals/index.ts'
import { createMemoryAuditSink } from '../audit/index.ts'
import { defaultConfig } from '../config/defaults.ts'
import type { TargetConfig } from '../config/types.ts'
import { type Decider, prepareDecider } from '../decide/index.ts'
import { compileRego } from '../decide/test-bundle.ts'
import type { SessionState } from '../gateway.ts'
import { createGatewayEngine } from '../gateway-engine.ts'
import { createVerifier, generateDevKey } from '../identity/index.ts'
import type { DryRunPolicy } from './dry-run.ts'

const decision = (effect: string, rule: string, extra = '') =>
  `{"effect": "${effect}", "reasons": [{"rule": "${rule}", "message": "${effect} by ${rule}"}], "obligations": {"mask": []${extra}}}`

// Enforced: allow everything except statements mentioning `forbidden`.
const enforced = `package warden
default decision := ${decision('allow', 'enforced.default')}
decision := ${decision('deny', 'enforced.forbidden')} if contains(input.command.raw, "forbidden")
`
// Dry run: deny `orders`, allow everything else (even `forbidden`), and conflict (an evaluation error) on `boom`.
const dryRun = `package warden
default decision := ${decision('allow', 'next.default')}
decision := ${decision('deny', 'next.orders')} if contains(input.command.raw, "orders")
decision := ${decision('allow', 'next.a')} if contains(input.command.raw, "boom")
decision := ${decision('deny', 'next.b')} if contains(input.command.raw, "boom")
`

const target: TargetConfig = { name: 'prod-db', kind: 'postgres', environment: 'production', labels: {}, upstream: { host: '127.0.0.1', port: 1, database: 'app', user: 'warden' } }
const session: SessionState = { id: 's1', started_at: '2026-01-01T00:00:00Z', identity: { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' }, target }

async function engineWith(dry: DryRunPolicy | undefined, enforcedDecider?: Decider) {
  const config = defaultConfig()
  config.targets = [target]
  const verifier = createVerifier(config.identity, { devPublicJwk: (await generateDevKey()).publicJwk })
  const decider = enforcedDecider ?? await prepareDecider(await compileRego({ 'p.rego': enforced }), { maxMemoryPages: 256 })
  return createGatewayEngine(config, { verifier, approvals: createMemoryApprovalStore(), audit: createMemoryAuditSink(), decider, dryRun: dry })
}

const enforcedDecider = await prepareDecider(await compileRego({ 'p.rego': enforced }), { maxMemoryPages: 256 })
const dryDecider = await prepareDecider(await compileRego({ 'p.rego': dryRun }), { maxMemoryPages: 256 })
let dryCalls = 0
// The real dry-run decider, counting how often it is asked.
const counted: Decider = { decide: (input) => (dryCalls++, dryDecider.decide(input)), swap: (b) => dryDecider.swap(b), get revision() { return dryDecider.revision } }
const engine = await engineWith({ decider: counted }, enforcedDecider)
const sql = (text: string) => engine.judge({ kind: 'sql', session, text })

test('a dry-run deny does not deny: the enforced decision stands, the dry-run one is recorded with its flip', () => {
  const j = sql('SELECT * FROM orders')
  assert.is(j.decision.effect, 'allow')
  const record = j.dryRun!()
  assert.is(record.decision, 'deny')
  assert.equal(record.reasons, [{ rule: 'next.orders', message: 'deny by next.orders' }])
  assert.equal(record.flips, [{ change: 'allow→deny', relaxation: false, rules: ['next.orders'] }])
  assert.is(record.error, undefined)
})

test('a dry-run allow does not allow', () => {
  const j = sql('SELECT forbidden FROM t')
  assert.is(j.decision.effect, 'deny')
  assert.is(j.decision.reasons[0]?.rule, 'enforced.forbidden')
  assert.is(j.dryRun!().decision, 'allow')
  assert.equal(j.dryRun!().flips, [{ change: 'deny→allow', relaxation: true, rules: ['enforced.forbidden'] }])
})

test('agreeing decisions record no flips', () => {
  assert.equal(sql('SELECT 1').dryRun!().flips, [])
})

test('a dry-run evaluation error never fails the request: it is recorded as error, with the deny it would enforce', () => {
  const j = sql('SELECT boom')
  assert.is(j.decision.effect, 'allow')
  const record = j.dryRun!()
  assert.is(record.decision, 'deny')
  assert.match(record.error ?? '', /policy error: .*conflict/)
  assert.equal(record.flips.map((f) => [f.change, f.rules]), [['allow→deny', ['warden.policy_error']]])
})

test('the dry-run policy is judged on the first read of the record, once', () => {
  const before = dryCalls
  const j = sql('SELECT 2')
  assert.is(dryCalls, before, 'judge() does not evaluate the dry-run policy')
  const first = j.dryRun!()
  assert.is(dryCalls, before + 1)
  assert.is(j.dryRun!(), first)
  assert.is(dryCalls, before + 1)
})

test('a dry-run policy that could not be loaded is an error in every record, and judging goes on', async () => {
  const broken = await engineWith({ error: 'dry-run policy not loaded: compile policies in /x: rego_parse_error' })
  const j = broken.judge({ kind: 'sql', session, text: 'SELECT 1' })
  assert.is(j.decision.effect, 'allow')
  assert.equal(j.dryRun!(), { error: 'dry-run policy not loaded: compile policies in /x: rego_parse_error', flips: [] })
})

test('without a dry-run policy a judgement has no dry-run record', async () => {
  const plain = await engineWith(undefined)
  assert.is(plain.judge({ kind: 'sql', session, text: 'SELECT 1' }).dryRun, undefined)
})

test('an input document the engine refuses before any policy is refused the same way in the dry run', () => {
  // An identity without groups makes the input document invalid: neither policy is asked.
  const before = dryCalls
  const j = engine.judge({ kind: 'sql', session: { ...session, identity: { sub: 'cursor', issuer: 'warden-dev', kind: 'agent' } as SessionState['identity'] }, text: 'SELECT * FROM orders' })
  assert.is(j.decision.effect, 'deny')
  assert.match(j.decision.reasons[0]!.message, /input document invalid/)
  const record = j.dryRun!()
  assert.is(record.decision, 'deny')
  assert.equal(record.reasons, j.decision.reasons)
  assert.equal(record.flips, [])
  assert.is(dryCalls, before)
})

test.run()
