import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { createMemoryApprovalStore } from '../approvals/index.ts'
import { createMemoryAuditSink } from '../audit/index.ts'
import { defaultConfig } from '../config/defaults.ts'
import type { TargetConfig } from '../config/types.ts'
import type { SessionState } from '../gateway.ts'
import { createGatewayEngine } from '../gateway-engine.ts'
import { createVerifier, generateDevKey } from '../identity/index.ts'
import type { InputDocument } from '../types.ts'
import { type Decider, prepareDecider } from './decider.ts'
import { countingDecider } from './counting-decider.ts'
import { DecidePool } from './pool.ts'
import { compileRego } from './test-bundle.ts'

const input = (raw: string) => ({
  identity: { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' },
  session: { id: 's1', started_at: '2026-01-01T00:00:00Z', grants: [] },
  target: { name: 'prod-db', kind: 'postgres', environment: 'production', labels: {} },
  command: { protocol: 'postgres', raw, digest: 'd', fingerprint: 'f' },
  risk: { level: 'low', score: 10, reasons: [] },
}) as unknown as InputDocument

const policy = (settingsRule = '') => `package warden
default decision := {"effect": "deny", "reasons": [{"rule": "t.default", "message": "not a select"}], "obligations": {"mask": []}}
decision := {"effect": "allow", "reasons": [], "obligations": {"mask": [{"column": data.settings.masked}]}} if startswith(input.command.raw, "SELECT")
decision := {"effect": "deny", "reasons": [{"rule": "t.late", "message": "late"}], "obligations": {"mask": []}} if {
  input.command.raw == "timed"
  time.now_ns() > 0
}
${settingsRule}`

// Generous: a first answer includes starting the thread and loading the policy, on a loaded machine.
const patient = { timeoutMs: 60_000 }

const decider = await prepareDecider(await compileRego({ 'p.rego': policy() }), { maxMemoryPages: 256, data: { settings: { masked: 'email' } } })

test('a thread decides exactly what the decider decides, data included, for repeatable evaluations', async () => {
  const pool = new DecidePool({ threads: 2, ...patient })
  try {
    for (const raw of ['SELECT 1', 'DELETE FROM t', 'SELECT \u00e9']) {
      const json = JSON.stringify(input(raw))
      assert.equal(await pool.decide(decider, json), decider.decideJson!(json).decision, raw)
    }
    assert.is(pool.used, 3)
  } finally {
    await pool.close()
  }
})

test('an evaluation that read the clock is not used: the caller decides itself', async () => {
  const pool = new DecidePool({ threads: 1, ...patient })
  try {
    assert.is(await pool.decide(decider, JSON.stringify(input('timed'))), undefined)
    assert.is(pool.unused, 1)
  } finally {
    await pool.close()
  }
})

test('after a swap the threads load the new policy; an answer from the policy swapped out meanwhile is not used', async () => {
  const swapping = await prepareDecider(await compileRego({ 'p.rego': policy() }), { maxMemoryPages: 256, data: { settings: { masked: 'email' } } })
  const pool = new DecidePool({ threads: 1, ...patient })
  try {
    const json = JSON.stringify(input('SELECT 1'))
    assert.is((await pool.decide(swapping, json))?.effect, 'allow')
    // The loaded policy changes while a thread is answering (the view below stands for a swap that lands then).
    let token: object | undefined = swapping.policy
    const view: Decider = { decide: swapping.decide, decideJson: swapping.decideJson, swap: swapping.swap, revision: 'r', recipe: swapping.recipe, get policy() { return token } }
    const pending = pool.decide(view, json)
    token = {}
    assert.is(await pending, undefined, 'decided by a policy that is no longer loaded')
    await swapping.swap(await compileRego({ 'p.rego': 'package warden\ndecision := {"effect": "deny", "reasons": [{"rule": "t.closed", "message": "closed"}], "obligations": {"mask": []}}\n' }))
    assert.equal((await pool.decide(swapping, json))?.reasons, [{ rule: 't.closed', message: 'closed' }])
  } finally {
    await pool.close()
  }
})

test('a thread that dies costs its calls an answer, not a judgement: they come back undefined, the next one is answered', async () => {
  const pool = new DecidePool({ threads: 1, ...patient })
  try {
    const json = JSON.stringify(input('SELECT 1'))
    await pool.decide(decider, json)
    const inFlight = pool.decide(decider, json)
    await (pool as unknown as { members: { thread: { terminate(): Promise<void> } }[] }).members[0]!.thread.terminate()
    const answer = await inFlight
    assert.ok(answer === undefined || answer.effect === 'allow')
    assert.is((await pool.decide(decider, json))?.effect, 'allow')
  } finally {
    await pool.close()
  }
})

test('an answer later than the timeout is not waited for', async () => {
  const slow = await prepareDecider(await compileRego({ 'p.rego': `package warden
decision := {"effect": "allow", "reasons": [], "obligations": {"mask": []}, "n": count([x | some x in numbers.range(1, 300000)])}
` }), { maxMemoryPages: 1024 })
  const pool = new DecidePool({ threads: 1, timeoutMs: 1 })
  try {
    await pool.start(slow)
    assert.is(await pool.decide(slow, JSON.stringify(input('SELECT 1'))), undefined)
  } finally {
    await pool.close()
  }
})

test('through the gateway engine: prefetch evaluates on a thread, judge then evaluates nothing and agrees', async () => {
  const config = defaultConfig()
  const target: TargetConfig = { name: 'prod-db', kind: 'postgres', environment: 'production', labels: {} }
  config.targets = [target]
  const { counted, seen } = countingDecider(decider)
  const pool = new DecidePool({ threads: 1, ...patient })
  const keys = await generateDevKey()
  const engine = await createGatewayEngine(config, { verifier: createVerifier(config.identity, { devPublicJwk: keys.publicJwk }), approvals: createMemoryApprovalStore(), audit: createMemoryAuditSink(), decider: counted, pool })
  const session: SessionState = { id: 'ses_pool', started_at: '2026-01-01T00:00:00.000Z', identity: { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' }, target }
  try {
    for (const text of ['SELECT 1', 'DROP TABLE t']) {
      const request = { kind: 'sql' as const, session, text }
      await engine.prefetch!(request)
      const before = seen.evaluations
      const judged = engine.judge(request)
      assert.is(seen.evaluations, before, `${text}: decided on the thread`)
      assert.equal(judged.decision, decider.decide(judged.input))
      assert.is(engine.prefetch!(request), undefined, 'already decided: nothing to wait for')
    }
    // A clock read: the thread's answer is not kept, judge evaluates here.
    const timed = { kind: 'sql' as const, session, text: 'timed' }
    await engine.prefetch!(timed)
    const before = seen.evaluations
    assert.is(engine.judge(timed).decision.effect, 'deny')
    assert.is(seen.evaluations, before + 1)
  } finally {
    await pool.close()
  }
})

test.run()
