import { test } from 'uvu'
import * as assert from 'uvu/assert'
import type { StoredRecord } from './chain/verify.ts'
import { formatReplay, replaySession } from './replay.ts'

const rec = (seq: number, event: Record<string, unknown>): StoredRecord => ({ seq, time: `chain-${seq}`, prev_hash: '', hash: '', event: JSON.stringify({ time: `t${seq}`, session_id: 's', ...event }) })

test('held, approved, denied and allowed statements are told apart and counted', () => {
  const replay = replaySession('s', [
    rec(1, { type: 'connection', identity: { sub: 'cursor', kind: 'agent' }, target: 'prod-db', client: { address: '10.0.0.1', tls: false } }),
    rec(2, { type: 'statement', statement: 'UPDATE t SET a = $1 WHERE id = $2', decision: 'approve', effect: 'deny', error: '57014', approval_id: 'apr_1', reasons: [{ rule: 'change', message: 'needs approval' }] }),
    rec(3, { type: 'approval', approval_id: 'apr_1', action: 'approve', reviewer: { sub: 'alice' }, outcome: 'approved', note: 'ok' }),
    rec(4, { type: 'statement', statement: 'UPDATE t SET a = $1 WHERE id = $2', decision: 'allow', effect: 'allow', approval_id: 'apr_1', rows: 1, masked: 0 }),
    rec(5, { type: 'statement', statement: 'SELECT email FROM users', decision: 'allow', effect: 'allow', rows: 3, masked: 3, duration_ms: 2 }),
    rec(6, { type: 'statement', statement: 'DROP TABLE t', decision: 'deny', effect: 'deny', error: '42501' }),
  ])
  assert.equal(replay.totals, { statements: 4, allowed: 2, denied: 1, held: 1, rows: 4, masked: 3 })
  assert.equal([replay.identity, replay.target], ['cursor', 'prod-db'])
  assert.equal(replay.steps.map((s) => s.summary.split(/\s+/)[0]), ['connected', 'held,', 'approval', 'approved', 'allowed', 'denied'])
  assert.is(replay.steps[0]!.time, 't1', 'the time the event happened')
  const text = formatReplay(replay)
  assert.match(text, 'approval apr_1: approve by alice → approved')
  assert.match(text, '        note: ok')
  assert.match(text, '        reason: change: needs approval')
  assert.match(text, 'SELECT email FROM users  → 3 rows, 3 masked, 2 ms')
})

test('an event whose content could not be redacted is shown as withheld', () => {
  const replay = replaySession('s', [rec(1, { type: 'statement', redaction_failed: true })])
  assert.is(replay.steps[0]!.summary, 'statement (content withheld: it could not be redacted)')
  assert.is(replay.totals.allowed, 0)
  const other = replaySession('s', [rec(1, { type: 'custom', redaction_failed: true })])
  assert.is(other.steps[0]!.summary, 'custom (content withheld: it could not be redacted)')
})

test.run()
