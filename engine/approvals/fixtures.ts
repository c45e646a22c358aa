// Builders for approval tests: an agent's held statement and the people who may or may not approve it.
import type { ApprovalObligation, Decision, Identity, InputDocument } from '../types.ts'

export const agent: Identity = { sub: 'cursor-bot', issuer: 'https://idp.example', groups: ['agents'], kind: 'agent' }
export const alice: Identity = { sub: 'alice', issuer: 'https://idp.example', groups: ['dba'], kind: 'human', email: 'alice@example.com' }
export const bob: Identity = { sub: 'bob', issuer: 'https://idp.example', groups: ['dev'], kind: 'human' }
export const carol: Identity = { sub: 'carol', issuer: 'https://idp.example', groups: ['sre'], kind: 'human' }
export const dave: Identity = { sub: 'dave', issuer: 'https://idp.example', groups: ['dba'], kind: 'human' }
export const approverAgent: Identity = { sub: 'reviewer-bot', issuer: 'https://idp.example', groups: ['dba'], kind: 'agent' }

export function heldInput(opts: { session?: string; digest?: string; requester?: Identity; target?: string } = {}): InputDocument {
  return {
    identity: opts.requester ?? agent,
    session: { id: opts.session ?? 'sess-1', started_at: '2025-01-01T00:00:00.000Z', grants: [] },
    target: { name: opts.target ?? 'prod-db', kind: 'postgres', environment: 'production', labels: {} },
    command: { protocol: 'postgres', raw: "DELETE FROM users WHERE id = 7", digest: opts.digest ?? 'd1', fingerprint: 'fp1' },
    risk: { level: 'high', score: 70, reasons: ['delete'] },
  }
}

export function approveDecision(scope: ApprovalObligation['scope'] = 'statement', ttl = 600, more: Partial<Pick<ApprovalObligation, 'min_approvals' | 'all_groups' | 'approvers' | 'approver_sets' | 'quorums'>> = {}): Decision {
  return {
    effect: 'approve',
    reasons: [{ rule: 'prod.write', message: 'writes to production need a DBA' }],
    obligations: { mask: [], approval: { approvers: ['dba', 'sre'], scope, ttl_seconds: ttl, ...more } },
  }
}

/** A held request as the hold path opens it: the input, the decision, the summary and optionally the review text. */
export function held(opts: Parameters<typeof heldInput>[0] & { decision?: Decision; summary?: string; reviewText?: string; revision?: string } = {}) {
  return { input: heldInput(opts), decision: opts.decision ?? approveDecision(), summary: opts.summary ?? 's', reviewText: opts.reviewText, revision: opts.revision }
}

/** Who sees which grants: the session, and the identity on the target. */
export const holder = (session = 'sess-1', identity: Identity = agent, target = 'prod-db') => ({ session, identity, target })

/** A clock tests move by hand. */
export function manualClock(start = Date.parse('2025-01-01T12:00:00.000Z')) {
  let t = start
  return { now: () => t, advance: (ms: number) => void (t += ms) }
}
