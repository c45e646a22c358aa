import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { InputDocument } from '../types.ts'
import { readBundle } from './bundle.ts'
import { prepareDecider } from './decider.ts'
import { DecideError } from './errors.ts'
import { compileRego } from './test-bundle.ts'

const input = (extra: Record<string, unknown> = {}) => ({
  identity: { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' },
  session: { id: 's1', started_at: '2026-01-01T00:00:00Z', grants: [] },
  target: { name: 'prod-db', kind: 'postgres', environment: 'production', labels: {} },
  command: { protocol: 'postgres', raw: 'SELECT 1', digest: 'd', fingerprint: 'f' },
  risk: { level: 'low', score: 10, reasons: [] },
  ...extra,
}) as unknown as InputDocument

const allowOnSelect = `package warden
default decision := {"effect": "deny", "reasons": [{"rule": "t.default", "message": "not a select"}], "obligations": {"mask": []}}
decision := {"effect": "allow", "reasons": [], "obligations": {"mask": [{"column": "email"}]}} if input.command.raw == "SELECT 1"
`

test('a well-formed policy returns its decision', async () => {
  const decider = await prepareDecider(await compileRego({ 'p.rego': allowOnSelect }), { maxMemoryPages: 256 })
  const decision = decider.decide(input())
  assert.is(decision.effect, 'allow')
  assert.equal(decision.obligations.mask, [{ column: 'email' }])
  assert.is(decider.decide(input({ command: { protocol: 'postgres', raw: 'DROP TABLE x', digest: 'd', fingerprint: 'f' } })).effect, 'deny')
})

test('decideJson judges an input serialized once, as decide() does', async () => {
  const decider = await prepareDecider(await compileRego({ 'p.rego': allowOnSelect }), { maxMemoryPages: 256 })
  assert.equal(decider.decideJson(JSON.stringify(input())).decision, decider.decide(input()))
  const drop = JSON.stringify(input({ command: { protocol: 'postgres', raw: 'DROP TABLE x', digest: 'd', fingerprint: 'f' } }))
  assert.is(decider.decideJson(drop).decision.effect, 'deny')
})

test('settings from the config reach the policy as data.settings', async () => {
  const rego = `package warden
decision := {"effect": data.settings.effect, "reasons": [{"rule": "t", "message": "m"}], "obligations": {"mask": []}}
`
  const decider = await prepareDecider(await compileRego({ 'p.rego': rego }), { maxMemoryPages: 256, data: { settings: { effect: 'deny' } } })
  assert.is(decider.decide(input()).effect, 'deny')
})

test('revision: the manifest revision when the bundle has one, else a digest of the policy and its data', async () => {
  const bundle = await compileRego({ 'p.rego': allowOnSelect })
  const plain = await prepareDecider(bundle, { maxMemoryPages: 256 })
  assert.match(plain.revision, /^sha256:[0-9a-f]{32}$/)
  assert.is((await prepareDecider(bundle, { maxMemoryPages: 256 })).revision, plain.revision)
  const otherSettings = await prepareDecider(bundle, { maxMemoryPages: 256, data: { settings: { strict: true } } })
  assert.is.not(otherSettings.revision, plain.revision)
  const otherPolicy = await prepareDecider(await compileRego({ 'p.rego': allowOnSelect.replace('SELECT 1', 'SELECT 2') }), { maxMemoryPages: 256 })
  assert.is.not(otherPolicy.revision, plain.revision)
  const versioned = await prepareDecider({ ...bundle, manifest: { revision: 'v42' } }, { maxMemoryPages: 256 })
  assert.is(versioned.revision, 'v42')
})

test('a policy that throws at evaluation yields deny with a policy error reason', async () => {
  const rego = `package warden
decision := {"effect": "allow", "reasons": [], "obligations": {"mask": []}} if true
decision := {"effect": "deny", "reasons": [{"rule": "x", "message": "y"}], "obligations": {"mask": []}} if input.command.raw == "SELECT 1"
`
  const decider = await prepareDecider(await compileRego({ 'p.rego': rego }), { maxMemoryPages: 256 })
  const decision = decider.decide(input())
  assert.is(decision.effect, 'deny')
  assert.is(decision.reasons[0]?.rule, 'warden.policy_error')
  assert.match(decision.reasons[0]!.message, /policy error: .*conflict/)
})

test('a policy that outgrows its memory bound yields deny, and the decider recovers', async () => {
  const rego = `package warden
decision := {"effect": "allow", "reasons": [], "obligations": {"mask": []}} if input.command.raw == "SELECT 1"
decision := {"effect": "allow", "reasons": [], "obligations": {"mask": []}, "n": count([x | some x in numbers.range(1, 5000000)])} if input.command.raw == "big"
`
  const decider = await prepareDecider(await compileRego({ 'p.rego': rego }), { maxMemoryPages: 64 })
  const big = decider.decide(input({ command: { protocol: 'postgres', raw: 'big', digest: 'd', fingerprint: 'f' } }))
  assert.is(big.effect, 'deny')
  assert.match(big.reasons[0]!.message, /memory bound of 4 MiB/)
  assert.is(decider.decide(input()).effect, 'allow')
})

test('a result outside the decision schema yields deny naming the bad field', async () => {
  const rego = `package warden
decision := {"effect": "maybe", "reasons": [], "obligations": {"mask": []}}
`
  const decider = await prepareDecider(await compileRego({ 'p.rego': rego }), { maxMemoryPages: 256 })
  const decision = decider.decide(input())
  assert.is(decision.effect, 'deny')
  assert.match(decision.reasons[0]!.message, /outside the decision schema: effect/)
})

test('approve without an approval obligation is outside the schema', async () => {
  const rego = `package warden
decision := {"effect": "approve", "reasons": [{"rule": "r", "message": "m"}], "obligations": {"mask": []}}
`
  const decider = await prepareDecider(await compileRego({ 'p.rego': rego }), { maxMemoryPages: 256 })
  assert.is(decider.decide(input()).effect, 'deny')
})

test('approver_sets (each rule\'s groups met at once) is within the schema; an empty set is not', async () => {
  const approve = (sets: string) => `package warden
decision := {"effect": "approve", "reasons": [{"rule": "r", "message": "m"}], "obligations": {"mask": [], "approval": {"approvers": ["dba", "security"], "scope": "statement", "ttl_seconds": 60, "approver_sets": ${sets}}}}
`
  const ok = (await prepareDecider(await compileRego({ 'p.rego': approve('[["dba"], ["security"]]') }), { maxMemoryPages: 256 })).decide(input())
  assert.equal([ok.effect, ok.obligations.approval?.approver_sets], ['approve', [['dba'], ['security']]])
  assert.is((await prepareDecider(await compileRego({ 'p.rego': approve('[[]]') }), { maxMemoryPages: 256 })).decide(input()).effect, 'deny')
})

test('an undefined decision yields deny', async () => {
  const rego = `package warden
decision := {"effect": "allow", "reasons": [], "obligations": {"mask": []}} if input.never
`
  const decider = await prepareDecider(await compileRego({ 'p.rego': rego }), { maxMemoryPages: 256 })
  const decision = decider.decide(input())
  assert.is(decision.effect, 'deny')
  assert.match(decision.reasons[0]!.message, /undefined/)
})

test('a bundle needing a builtin the host does not supply is refused at load time', async () => {
  const rego = `package warden
decision := {"effect": "allow", "reasons": [{"rule": uuid.rfc4122("x"), "message": ""}], "obligations": {"mask": []}}
`
  const bundle = await compileRego({ 'p.rego': rego })
  try {
    await prepareDecider(bundle, { maxMemoryPages: 256 })
    assert.unreachable('should refuse')
  } catch (err) {
    assert.instance(err, DecideError)
    assert.is((err as DecideError).code, 'policy.builtin_unsupported')
    assert.match((err as Error).message, /uuid\.rfc4122/)
  }
})

test('time.now_ns is supplied by the host clock', async () => {
  const rego = `package warden
decision := {"effect": "allow", "reasons": [], "obligations": {"mask": []}} if time.now_ns() == 42
`
  const decider = await prepareDecider(await compileRego({ 'p.rego': rego }), { maxMemoryPages: 256, clock: { nowNs: () => 42 } })
  assert.is(decider.decide(input()).effect, 'allow')
})

test('a bundle without the entrypoint, and bytes that are not a bundle, are refused', async () => {
  try {
    await readBundle(new Uint8Array([1, 2, 3]))
    assert.unreachable('not a bundle')
  } catch (err) {
    assert.is((err as DecideError).code, 'policy.bundle_invalid')
  }
  const ok = await compileRego({ 'p.rego': allowOnSelect })
  try {
    await prepareDecider(ok, { maxMemoryPages: 256, entrypoint: 'warden/nothing' })
    assert.unreachable('no entrypoint')
  } catch (err) {
    assert.is((err as DecideError).code, 'policy.entrypoint_missing')
  }
})

test('a new bundle swaps in while evaluations keep running', async () => {
  const first = await compileRego({ 'p.rego': allowOnSelect })
  const second = await compileRego({ 'p.rego': `package warden
decision := {"effect": "deny", "reasons": [{"rule": "v2", "message": "second bundle"}], "obligations": {"mask": []}}
` })
  const decider = await prepareDecider(first, { maxMemoryPages: 256 })
  const effects: string[] = []
  let running = true
  const loop = (async () => {
    while (running) {
      effects.push(decider.decide(input()).effect)
      await new Promise((resolve) => setImmediate(resolve))
    }
  })()
  await new Promise((resolve) => setTimeout(resolve, 20))
  await decider.swap(second)
  await new Promise((resolve) => setTimeout(resolve, 20))
  running = false
  await loop
  assert.ok(effects.includes('allow'), 'evaluated on the first bundle')
  assert.is(effects.at(-1), 'deny', 'ends on the second bundle')
  const firstDeny = effects.indexOf('deny')
  assert.ok(effects.slice(firstDeny).every((e) => e === 'deny'), 'no evaluation after the swap sees the old bundle')
  assert.is(decider.decide(input()).reasons[0]?.rule, 'v2')
})

test.run()
