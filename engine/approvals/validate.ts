// Checks that a decision can be held for approval, before anything is stored.
import type { ApprovalObligation, Decision } from '../types.ts'
import { ApprovalError } from './errors.ts'

const SCOPES = ['statement', 'fingerprint', 'session']

export function approvalObligationOf(decision: Decision): ApprovalObligation {
  if (decision.effect !== 'approve') {
    throw new ApprovalError('approval.invalid', `only an approve decision can be held for approval, got ${decision.effect}`)
  }
  const approval = decision.obligations?.approval
  if (!approval) throw new ApprovalError('approval.invalid', 'the approve decision has no approval obligation; the policy must say who approves')
  const { approvers, scope, ttl_seconds: ttl } = approval
  if (!Array.isArray(approvers) || approvers.length === 0 || !approvers.every((g) => typeof g === 'string' && g !== '')) {
    throw new ApprovalError('approval.invalid', 'the approval obligation names no approver groups')
  }
  if (!SCOPES.includes(scope)) throw new ApprovalError('approval.invalid', `unknown grant scope ${JSON.stringify(scope)}; use statement, fingerprint or session`)
  if (!Number.isFinite(ttl) || ttl <= 0) throw new ApprovalError('approval.invalid', `grant ttl_seconds must be a positive number, got ${ttl}`)
  return { approvers: [...approvers], scope, ttl_seconds: ttl }
}
