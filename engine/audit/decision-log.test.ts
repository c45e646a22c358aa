import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { toDecisionLog } from './decision-log.ts'

const hash = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef'
const rec = (event: Record<string, unknown>) => ({ seq: 7, time: 'chain-time', prev_hash: 'p', hash, event: JSON.stringify(event) })

test('a statement maps to an OPA decision log entry; the bundle revision when the event carries one', () => {
  const e = toDecisionLog(rec({ type: 'statement', time: '2026-11-29T10:00:00.000Z', session_id: 's', protocol: 'postgres', identity: { sub: 'cursor' }, target: 'prod-db', statement: 'SELECT $1', fingerprint: 'fp', decision: 'allow', reasons: [], via: 'extended', effect: 'allow', rows: 1, masked: 0, duration_ms: 1, bundle_revision: 'abc123' }), { app: 'warden' })!
  assert.is(e.decision_id, '01234567-89ab-cdef-0123-456789abcdef')
  assert.is(e.path, 'warden/decision')
  assert.equal(e.input, { identity: { sub: 'cursor' }, session: { id: 's' }, target: { name: 'prod-db' }, command: { protocol: 'postgres', raw: 'SELECT $1', fingerprint: 'fp' } })
  assert.equal(e.result, { effect: 'allow', reasons: [] })
  assert.is(e.timestamp, '2026-11-29T10:00:00.000Z')
  assert.equal(e.labels, { app: 'warden', via: 'extended' })
  assert.equal(e.bundles, { warden: { revision: 'abc123' } })
  assert.equal(e.warden, { seq: 7, hash, prev_hash: 'p', session_id: 's', type: 'statement', response: { effect: 'allow', rows: 1, masked: 0, duration_ms: 1 } })
})

test('events without a decision are not decision log entries; an event decision_id is kept', () => {
  assert.is(toDecisionLog(rec({ type: 'connection' })), undefined)
  assert.is(toDecisionLog(rec({ type: 'statement', decision: 'deny', decision_id: 'd-1' }))!.decision_id, 'd-1')
})

test.run()
