// The HTTP request record: its keys and their order, and the caller named by one frozen object per identity.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { deepFreeze } from '../../engine/deep-freeze.ts'
import type { Judgement, SessionState } from '../../engine/gateway.ts'
import type { Identity } from '../../engine/types.ts'
import { requestEvent } from './audit-events.ts'

const identity = (sub: string) => deepFreeze({ sub, issuer: 'warden-dev', groups: ['agents'], kind: 'agent' }) as Identity
const session = (who: Identity) => ({ id: 'http-1', started_at: '2026-01-01T00:00:00Z', identity: who, target: { name: 'k8s', kind: 'kubernetes' } }) as unknown as SessionState
const judgement = {
  input: { command: { raw: 'GET https://k/api/v1/pods', fingerprint: 'fp', kubernetes: { verb: 'list' } } },
  decision: { effect: 'allow', reasons: [], obligations: { mask: [] } },
} as unknown as Judgement
const facts = { mode: 'reverse' as const, client: '127.0.0.1', method: 'GET', target: 'k8s', decisionId: 'dec_1', status: 200, bytesIn: 0, bytesOut: 5, masked: 1, durationMs: 1.234 }

test('a request record has its keys in order; optional ones only when they apply', () => {
  const e = requestEvent(session(identity('cursor')), judgement, { ...facts, approvalId: 'apr_1', error: 'x' })
  assert.equal(Object.keys(e), ['type', 'time', 'session_id', 'identity', 'protocol', 'via', 'target', 'client', 'method', 'url', 'fingerprint', 'kubernetes', 'decision', 'reasons', 'decision_id', 'approval_id', 'status', 'error', 'bytes_in', 'bytes_out', 'masked', 'duration_ms'])
  assert.is(e.duration_ms, 1.23)
  const bare = requestEvent(undefined, undefined, facts)
  assert.equal(Object.keys(bare), ['type', 'time', 'protocol', 'via', 'target', 'client', 'method', 'decision', 'reasons', 'decision_id', 'status', 'bytes_in', 'bytes_out', 'masked', 'duration_ms'])
  assert.is(bare.protocol, 'http')
})

test('the caller is one frozen object per frozen identity; another identity is named as itself', () => {
  const cursor = identity('cursor')
  const a = requestEvent(session(cursor), judgement, facts).identity
  assert.is(requestEvent(session(cursor), judgement, facts).identity, a)
  assert.ok(Object.isFrozen(a))
  assert.equal(a, { sub: 'cursor', issuer: 'warden-dev', kind: 'agent', groups: ['agents'] })
  assert.equal(requestEvent(session(identity('claude')), judgement, facts).identity, { sub: 'claude', issuer: 'warden-dev', kind: 'agent', groups: ['agents'] })
  const open = { sub: 'dave', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' } as Identity
  const seen = requestEvent(session(open), judgement, facts).identity
  open.sub = 'eve'
  assert.is((requestEvent(session(open), judgement, facts).identity as Identity).sub, 'eve', 'an identity that may change is read afresh')
  assert.is((seen as Identity).sub, 'dave')
})

test.run()
