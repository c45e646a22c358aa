import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { Judgement } from '../../engine/gateway.ts'
import type { Effect, Grant, SqlStatement } from '../../engine/types.ts'
import { JudgementCache } from './judgement-cache.ts'

const grant = (id: string, expiresMs: number): Grant => ({ id, scope: 'statement', digest: 'd', approved_by: 'alice', expires_at_ns: expiresMs * 1e6 })

function judgement(text: string, opts: { effect?: Effect; grants?: Grant[]; statements?: Partial<SqlStatement>[] } = {}): Judgement {
  const statements = (opts.statements ?? [{ type: 'select', detail: {} }]) as SqlStatement[]
  return {
    input: {
      session: { id: 'ses_1', started_at: '2025-01-01T00:00:00Z', grants: opts.grants ?? [] },
      command: { protocol: 'postgres', raw: text, digest: 'd', fingerprint: 'f', sql: { dialect: 'postgres', statements } },
    },
    decision: { effect: opts.effect ?? 'allow', reasons: [], obligations: { mask: [] } },
  } as unknown as Judgement
}

function setup(opts: { maxEntries?: number; maxTextLength?: number } = {}) {
  const clock = { now: 1_000_000 }
  let grants: Grant[] = []
  const cache = new JudgementCache({ grants: () => grants.map((g) => ({ ...g })), now: () => clock.now, ...opts })
  return { cache, clock, setGrants: (g: Grant[]) => (grants = g) }
}

test('an allow judgement is reused for the same text only', () => {
  const { cache } = setup()
  const j = judgement('SELECT 1')
  cache.set('SELECT 1', j)
  assert.is(cache.get('SELECT 1'), j)
  assert.is(cache.get('SELECT 1 '), undefined)
  assert.is(cache.get('select 1'), undefined)
})

test('an entry is stale after the TTL (policies may read the clock)', () => {
  const { cache, clock } = setup()
  cache.set('SELECT 1', judgement('SELECT 1'))
  clock.now += 999
  assert.ok(cache.get('SELECT 1'))
  clock.now += 1
  assert.is(cache.get('SELECT 1'), undefined)
  assert.is(cache.size, 0)
})

test('a change in the session grants (granted or revoked) makes entries stale', () => {
  const { cache, clock, setGrants } = setup()
  cache.set('SELECT 1', judgement('SELECT 1'))
  setGrants([grant('g1', clock.now + 60_000)])
  assert.is(cache.get('SELECT 1'), undefined)

  const g = [grant('g1', clock.now + 60_000)]
  cache.set('SELECT 2', judgement('SELECT 2', { grants: g }))
  assert.ok(cache.get('SELECT 2'))
  setGrants([])
  assert.is(cache.get('SELECT 2'), undefined)
})

test('an entry never outlives the earliest grant its judgement saw', () => {
  const { cache, clock, setGrants } = setup()
  const g = [grant('g1', clock.now + 300)]
  setGrants(g)
  cache.set('UPDATE t SET a = 1', judgement('UPDATE t SET a = 1', { grants: g }))
  clock.now += 299
  assert.ok(cache.get('UPDATE t SET a = 1'))
  clock.now += 1
  assert.is(cache.get('UPDATE t SET a = 1'), undefined)
})

test('deny and approve are never kept, nor judgements that resolved an EXECUTE, nor long texts', () => {
  const { cache } = setup({ maxTextLength: 20 })
  cache.set('DROP TABLE t', judgement('DROP TABLE t', { effect: 'deny' }))
  cache.set('UPDATE t SET a = 1', judgement('UPDATE t SET a = 1', { effect: 'approve' }))
  cache.set('EXECUTE p', judgement('EXECUTE p', { statements: [{ type: 'execute', detail: { name: 'p', resolved: true } }, { type: 'select', detail: {} }] }))
  cache.set('EXPLAIN EXECUTE p', judgement('EXPLAIN EXECUTE p', { statements: [{ type: 'explain', detail: {} }, { type: 'other', detail: { resolved: false } }] }))
  cache.set(`SELECT '${'x'.repeat(20)}'`, judgement('long'))
  assert.is(cache.size, 0)
})

test('the least recently used entry goes first at the bound', () => {
  const { cache } = setup({ maxEntries: 2 })
  cache.set('a', judgement('a'))
  cache.set('b', judgement('b'))
  cache.get('a')
  cache.set('c', judgement('c'))
  assert.ok(cache.get('a'))
  assert.is(cache.get('b'), undefined)
  assert.ok(cache.get('c'))
})

test.run()
