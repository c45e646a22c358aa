import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { loadAuditRedaction } from '../../engine/audit/index.ts'
import type { Judgement, SessionState } from '../../engine/gateway.ts'
import type { SqlCommand } from '../../engine/types.ts'
import { decisionIdOf, deniedEvent, parsedByEngine, statementEvent } from './audit-events.ts'
import type { Verdict } from './judge.ts'
import type { StatementRun } from './pending.ts'

const session: SessionState = {
  id: 'ses_1',
  started_at: '2025-01-01T00:00:00Z',
  identity: { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent' },
  target: { name: 'prod-db', kind: 'postgres', environment: 'production', labels: {}, upstream: { host: 'h', port: 5432, database: 'app', user: 'u' } },
}

function verdict(raw: string, sql?: Partial<SqlCommand>): Verdict {
  const judgement = {
    input: { command: { protocol: 'postgres', raw, digest: 'd', fingerprint: 'fp', ...(sql ? { sql: { dialect: 'postgres', statements: [{ type: 'select' }], ...sql } } : {}) } },
    decision: { effect: 'allow', reasons: [], obligations: { mask: [] } },
  } as unknown as Judgement
  return { allow: true, judgement }
}

test('parsedByEngine: only a PostgreSQL judgement of this very text, with statements and no parse error', () => {
  const text = "SELECT * FROM t WHERE a = 'x'"
  assert.ok(parsedByEngine(text, verdict(text, {})))
  assert.not.ok(parsedByEngine(text, verdict(`${text} `, {})), 'a judgement of another text')
  assert.not.ok(parsedByEngine(text, verdict(text, { parse_error: 'syntax error', statements: [] })))
  assert.not.ok(parsedByEngine(text, verdict(text, { statements: [] })), 'empty or comment-only text')
  assert.not.ok(parsedByEngine(text, verdict(text, { dialect: 'mysql' })))
  assert.not.ok(parsedByEngine(text, verdict(text)), 'no SQL (a gateway refusal or an engine failure)')
  const lone = "SELECT '\uD800'"
  assert.not.ok(parsedByEngine(lone, verdict(lone, {})), 'the normalizer parsed a repaired copy')
})

test('statement events carry the redacted text and the outcome, in the shape deniedEvent has', async () => {
  await loadAuditRedaction()
  const text = "SELECT email FROM users WHERE password = 'hunter2'"
  const v = { ...verdict(text, {}), approvalId: 'apr_1' }
  const run: StatementRun = { text, verdict: v, protocol: 'extended', startedAt: performance.now(), masks: [], rows: 3, masked: 2, completed: 1, error: 'XX000' }
  const event = statementEvent(session, run)
  assert.is(event.statement, 'SELECT email FROM users WHERE password = $1')
  assert.equal(
    { ...event, time: 'T', duration_ms: 0 },
    {
      type: 'statement', time: 'T', session_id: 'ses_1', protocol: 'postgres',
      identity: { sub: 'cursor', issuer: 'warden-dev', kind: 'agent', groups: ['agents'] }, target: 'prod-db',
      statement: 'SELECT email FROM users WHERE password = $1', fingerprint: 'fp', decision_id: decisionIdOf(v), decision: 'allow', reasons: [],
      approval_id: 'apr_1', via: 'extended', effect: 'allow', rows: 3, masked: 2, duration_ms: 0, error: 'XX000',
    },
  )
  const denied = deniedEvent(session, text, v, 'simple')
  assert.equal(Object.keys(event).filter((k) => k !== 'error'), Object.keys(denied).filter((k) => k !== 'error'))
})

test.run()
