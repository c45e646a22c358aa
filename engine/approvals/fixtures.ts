// Builders for approval tests: an agent's held statement and the people who may or may not approve it.
import type { Decision, Identity, InputDocument } from '../types.ts'

export const agent: Identity = { sub: 'cursor-bot', issuer: 'https://idp.example', groups: ['agents'], kind: 'agent' }
export const alice: Identity = { sub: 'alice', issuer: 'https://idp.example', groups: ['dba'], kind: 'human', email: 'alice@example.com' }
export const bob: Identity = { sub: 'bob', issuer: 'https://idp.example', groups: ['dev'], kind: 'human' }
export const approverAgent: Identity = { sub: 'reviewer-bot', issuer: 'https://idp.example', groups: ['dba'], kind: 'agent' }

export function heldInput(opts: { session?: string; digest?: string; requester?: Identity } = {}): InputDocument {
  return {
    identity: opts.requester ?? agent,
    session: { id: opts.session ?? 'sess-1', started_at: '2025-01-01T00:00:00.000Z', grants: [] },
    target: { name: 'prod-db', kind: 'postgres', environment: 'production', labels: {} },
    command: { protocol: 'postgres', raw: "DELETE FROM users WHERE id = 7", digest: opts.digest ?? 'd1', fingerprint: 'fp1' },
    risk: { level: 'high', score: 70, reasons: ['delete'] },
  }
}

export function approveDecision(scope: 'statement' | 'fingerprint' | 'session' = 'statement', ttl = 600): Decision {
  return {
    effect: 'approve',
    reasons: [{ rule: 'prod.write', message: 'writes to production need a DBA' }],
    obligations: { mask: [], approval: { approvers: ['dba', 'sre'], scope, ttl_seconds: ttl } },
  }
}

/** A clock tests move by hand. */
export function manualClock(start = Date.parse('2025-01-01T12:00:00.000Z')) {
  let t = start
  return { now: () => t, advance: (ms: number) => void (t += ms) }
}
