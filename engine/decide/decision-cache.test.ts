import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { InputDocument } from '../types.ts'
import { deepFreeze } from '../deep-freeze.ts'
import { countingDecider } from './counting-decider.ts'
import { inputJson, withDecisionCache } from './decision-cache.ts'
import { type Decider, prepareDecider } from './decider.ts'
import { compileRego } from './test-bundle.ts'

const input = (raw: string, extra: Record<string, unknown> = {}) => ({
  identity: { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' },
  session: { id: 's1', started_at: '2026-01-01T00:00:00Z', grants: [] },
  target: { name: 'prod-db', kind: 'postgres', environment: 'production', labels: {} },
  command: { protocol: 'postgres', raw, digest: 'd', fingerprint: 'f' },
  risk: { level: 'low', score: 10, reasons: [] },
  ...extra,
}) as unknown as InputDocument

const allowSelect = (rule: string) => `package warden
default decision := {"effect": "deny", "reasons": [{"rule": "${rule}", "message": "not a select"}], "obligations": {"mask": []}}
decision := {"effect": "allow", "reasons": [], "obligations": {"mask": []}} if startswith(input.command.raw, "SELECT")
`

const counting = countingDecider

test('the same input document is evaluated once; any other byte is another evaluation', async () => {
  const { counted, seen } = counting(await prepareDecider(await compileRego({ 'p.rego': allowSelect('t') }), { maxMemoryPages: 256 }))
  const cached = withDecisionCache(counted)
  assert.is(cached.decide(input('SELECT 1')).effect, 'allow')
  assert.is(cached.decide(input('SELECT 1')).effect, 'allow')
  assert.is(seen.evaluations, 1)
  assert.is(cached.decide(input('DELETE 1')).effect, 'deny')
  assert.is(cached.decide(input('SELECT 1', { session: { id: 's2', started_at: '2026-01-01T00:00:00Z', grants: [] } })).effect, 'allow')
  assert.is(seen.evaluations, 3)
  assert.equal([cached.hits, cached.misses, cached.size], [1, 3, 3])
})

test('a cached decision is frozen: a caller cannot change what the next one gets', async () => {
  const cached = withDecisionCache(await prepareDecider(await compileRego({ 'p.rego': allowSelect('t') }), { maxMemoryPages: 256 }))
  cached.decide(input('SELECT 1'))
  const d = cached.decide(input('SELECT 1'))
  assert.throws(() => (d.reasons as unknown[]).push({ rule: 'x', message: 'y' }))
  assert.equal(cached.decide(input('SELECT 1')).reasons, [])
})

test('a policy that reads the clock is evaluated every time (time.now_ns is a host builtin)', async () => {
  const clock = { ns: 1_000 }
  const rego = `package warden
decision := {"effect": "allow", "reasons": [], "obligations": {"mask": []}} if time.now_ns() < 2000
decision := {"effect": "deny", "reasons": [{"rule": "t.late", "message": "too late"}], "obligations": {"mask": []}} if time.now_ns() >= 2000
`
  const { counted, seen } = counting(await prepareDecider(await compileRego({ 'p.rego': rego }), { maxMemoryPages: 256, clock: { nowNs: () => clock.ns } }))
  const cached = withDecisionCache(counted)
  assert.is(cached.decide(input('SELECT 1')).effect, 'allow')
  clock.ns = 5_000
  assert.is(cached.decide(input('SELECT 1')).effect, 'deny')
  assert.is(seen.evaluations, 2)
  assert.is(cached.size, 0)
})

test('only the evaluations that called the clock are bypassed: the clock read behind a condition', async () => {
  const clock = { ns: 1_000 }
  const rego = `package warden
default decision := {"effect": "allow", "reasons": [], "obligations": {"mask": []}}
decision := {"effect": "deny", "reasons": [{"rule": "t.late", "message": "late"}], "obligations": {"mask": []}} if {
  input.command.raw == "timed"
  time.now_ns() >= 2000
}
`
  const { counted, seen } = counting(await prepareDecider(await compileRego({ 'p.rego': rego }), { maxMemoryPages: 256, clock: { nowNs: () => clock.ns } }))
  const cached = withDecisionCache(counted)
  for (let i = 0; i < 3; i++) cached.decide(input('SELECT 1'))
  assert.is(seen.evaluations, 1)
  assert.is(cached.decide(input('timed')).effect, 'allow')
  clock.ns = 3_000
  assert.is(cached.decide(input('timed')).effect, 'deny')
  assert.is(seen.evaluations, 3)
})

test('a policy swap replaces every cached decision, through the wrapper or on the decider itself', async () => {
  const decider = await prepareDecider(await compileRego({ 'p.rego': allowSelect('t') }), { maxMemoryPages: 256 })
  const cached = withDecisionCache(decider)
  assert.is(cached.decide(input('SELECT 1')).effect, 'allow')
  const denyAll = `package warden
decision := {"effect": "deny", "reasons": [{"rule": "t.closed", "message": "closed"}], "obligations": {"mask": []}}
`
  await decider.swap(await compileRego({ 'p.rego': denyAll }))
  assert.is(cached.decide(input('SELECT 1')).effect, 'deny')
  await cached.swap(await compileRego({ 'p.rego': allowSelect('t') }))
  assert.is(cached.decide(input('SELECT 1')).effect, 'allow')
})

test('a failed evaluation is not kept: the decider recovers and the same input is evaluated again', async () => {
  const rego = `package warden
decision := {"effect": "allow", "reasons": [], "obligations": {"mask": []}} if input.command.raw == "SELECT 1"
decision := {"effect": "allow", "reasons": [], "obligations": {"mask": []}, "n": count([x | some x in numbers.range(1, 5000000)])} if input.command.raw == "big"
`
  const { counted, seen } = counting(await prepareDecider(await compileRego({ 'p.rego': rego }), { maxMemoryPages: 64 }))
  const cached = withDecisionCache(counted)
  assert.is(cached.decide(input('big')).reasons[0]?.rule, 'warden.policy_error')
  assert.is(cached.decide(input('big')).reasons[0]?.rule, 'warden.policy_error')
  assert.is(seen.evaluations, 2)
  assert.is(cached.size, 0)
})

test('a decider without decideJson (a test override) is used as it is, nothing cached', async () => {
  let calls = 0
  const plain: Decider = { decide: () => (calls++, { effect: 'allow', reasons: [], obligations: { mask: [] } }), swap: async () => {}, revision: 'r' }
  const cached = withDecisionCache(plain)
  cached.decide(input('SELECT 1'))
  cached.decide(input('SELECT 1'))
  assert.is(calls, 2)
})

test('memory is bounded: the least recently used decisions go first', async () => {
  const cached = withDecisionCache(await prepareDecider(await compileRego({ 'p.rego': allowSelect('t') }), { maxMemoryPages: 256 }), { maxEntries: 2 })
  cached.decide(input('SELECT 1'))
  cached.decide(input('SELECT 2'))
  cached.decide(input('SELECT 1'))
  cached.decide(input('SELECT 3'))
  const before = cached.misses
  cached.decide(input('SELECT 1'))
  assert.is(cached.misses, before, 'SELECT 1 was used last, kept')
  cached.decide(input('SELECT 2'))
  assert.is(cached.misses, before + 1, 'SELECT 2 was evicted')
  assert.is(cached.size, 2)
})

test('decideJson evaluates the very text it is given, as decide evaluates the object', async () => {
  const decider = await prepareDecider(await compileRego({ 'p.rego': allowSelect('t') }), { maxMemoryPages: 256 })
  for (const raw of ['SELECT 1', 'DROP TABLE t', 'SELECT \u00e9\u{1F600}']) {
    const doc = input(raw)
    const viaJson = decider.decideJson!(JSON.stringify(doc))
    assert.equal(viaJson.decision, decider.decide(doc))
    assert.is(viaJson.repeatable, true)
    assert.is(viaJson.policy, decider.policy)
  }
})

test('inputJson is JSON.stringify byte for byte, frozen parts or not, whatever the document looks like', () => {
  const frozen = (raw: string) => {
    const doc = input(raw) as unknown as Record<string, unknown>
    deepFreeze(doc.command)
    deepFreeze(doc.risk)
    return doc as unknown as InputDocument
  }
  const odd: unknown[] = [
    input('SELECT \u00e9 \ud800 "quoted" \\ \n'),
    frozen('SELECT 1'),
    frozen('SELECT 1'),
    { ...input('x'), extra: 1 },
    { risk: input('x').risk, identity: input('x').identity, session: input('x').session, target: input('x').target, command: input('x').command },
    { ...input('x'), command: undefined },
    { ...input('x'), target: { toJSON: () => 'replaced' } },
    { ...input('x'), risk: null },
  ]
  for (const doc of odd) assert.is(inputJson(doc as InputDocument), JSON.stringify(doc))
})

test('inputJson of frozen parts is kept for those parts: another part, a grant or another identity, is another text and decision', async () => {
  const parts = deepFreeze(input('SELECT 1')) as unknown as Record<string, object>
  const doc = (over: Record<string, object> = {}) => ({ ...parts, ...over }) as unknown as InputDocument
  assert.is(inputJson(doc()), JSON.stringify(doc()))
  assert.is(inputJson(doc()), inputJson(doc()), 'the same text for the same five parts')
  const granted = deepFreeze({ id: 's1', started_at: '2026-01-01T00:00:00Z', grants: [{ id: 'g1' }] })
  const other = deepFreeze({ sub: 'claude', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' })
  const overs: Record<string, object>[] = [{ session: granted }, { identity: other }, { command: deepFreeze({ protocol: 'postgres', raw: 'DROP TABLE t', digest: 'd', fingerprint: 'f' }) }]
  for (const over of overs) {
    assert.is(inputJson(doc(over)), JSON.stringify(doc(over)))
    assert.is.not(inputJson(doc(over)), inputJson(doc()))
  }
  const policy = `package warden
default decision := {"effect": "deny", "reasons": [], "obligations": {"mask": []}}
decision := {"effect": "allow", "reasons": [], "obligations": {"mask": []}} if count(input.session.grants) > 0
decision := {"effect": "allow", "reasons": [], "obligations": {"mask": []}} if input.identity.sub == "claude"
`
  const cached = withDecisionCache(await prepareDecider(await compileRego({ 'p.rego': policy }), { maxMemoryPages: 256 }))
  assert.is(cached.decide(doc()).effect, 'deny')
  assert.is(cached.decide(doc()).effect, 'deny')
  assert.is(cached.decide(doc({ session: granted })).effect, 'allow', 'a grant is a new decision')
  assert.is(cached.decide(doc({ identity: other })).effect, 'allow', 'another identity is a new decision')
  assert.is(cached.decide(doc()).effect, 'deny')
})

test.run()
