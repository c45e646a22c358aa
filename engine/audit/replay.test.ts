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

test('text others wrote cannot add, erase or rewrite lines of the text view: control characters are escaped on their line', () => {
  const replay = replaySession('s', [
    rec(1, { type: 'connection', identity: { sub: 'cursor', kind: 'agent' }, target: 'prod-db', application_name: 'psql\u001b[1A\u001b[2K', client: { address: '10.0.0.1' } }),
    rec(2, { type: 'statement', statement: 'DROP TABLE "x\r  #3  t3  allowed       SELECT $1\u001b[2K"\n-- \u202e', decision: 'allow', effect: 'allow', rows: 0 }),
    rec(3, { type: 'approval', approval_id: 'apr_1', action: 'approve', reviewer: { sub: 'alice' }, outcome: 'approved', note: 'fine\n  #9  t9  denied DROP TABLE users\u2028' }),
  ])
  const text = formatReplay(replay)
  assert.is(text.split('\n').length, 7, 'header, three steps, one note, totals and the final newline: nothing more')
  assert.not.match(text, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202e]/, 'no raw control character but the line feeds between lines')
  assert.match(text, 'application psql\\u{1b}[1A\\u{1b}[2K')
  assert.match(text, 'DROP TABLE "x\\u{d}  #3')
  assert.match(text, 'note: fine\\n  #9')
})

test('a record filed under the session by an edited search column (its event names another) fails the replay instead of joining it', () => {
  const theirs: StoredRecord = { ...rec(2, { type: 'statement', statement: 'SELECT 1', effect: 'allow' }), event: JSON.stringify({ type: 'statement', session_id: 'other', statement: 'SELECT 1', effect: 'allow' }) }
  assert.throws(() => replaySession('s', [rec(1, { type: 'connection' }), theirs]), (e: Error & { code?: string }) => e.code === 'audit.tampered' && /record 2 is filed under session "s" but belongs to "other"/.test(e.message))
})

test.run()
