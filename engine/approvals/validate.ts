// Checks that a decision can be held for approval, before anything is stored.
import type { ApprovalObligation, Decision } from '../types.ts'
import { ApprovalError } from './errors.ts'

const SCOPES = ['statement', 'fingerprint', 'session', 'target']
export const MAX_MIN_APPROVALS = 20

export function approvalObligationOf(decision: Decision): ApprovalObligation {
  if (decision.effect !== 'approve') {
    throw new ApprovalError('approval.invalid', `only an approve decision can be held for approval, got ${decision.effect}`)
  }
  const approval = decision.obligations?.approval
  if (!approval) throw new ApprovalError('approval.invalid', 'the approve decision has no approval obligation; the policy must say who approves')
  const { approvers, scope, ttl_seconds: ttl, min_approvals: min, all_groups: all, approver_sets: sets, quorums } = approval
  if (!Array.isArray(approvers) || approvers.length === 0 || !approvers.every((g) => typeof g === 'string' && g !== '')) {
    throw new ApprovalError('approval.invalid', 'the approval obligation names no approver groups')
  }
  if (!SCOPES.includes(scope)) throw new ApprovalError('approval.invalid', `unknown grant scope ${JSON.stringify(scope)}; use statement, fingerprint, session or target`)
  if (!Number.isFinite(ttl) || ttl <= 0) throw new ApprovalError('approval.invalid', `grant ttl_seconds must be a positive number, got ${ttl}`)
  if (min !== undefined && (!Number.isInteger(min) || min < 1 || min > MAX_MIN_APPROVALS)) {
    throw new ApprovalError('approval.invalid', `min_approvals must be a whole number from 1 to ${MAX_MIN_APPROVALS}, got ${min}`)
  }
  if (all !== undefined && typeof all !== 'boolean') throw new ApprovalError('approval.invalid', `all_groups must be true or false, got ${JSON.stringify(all)}`)
  if (sets !== undefined && (!Array.isArray(sets) || sets.length === 0 || !sets.every((set) => Array.isArray(set) && set.length > 0 && set.every((g) => typeof g === 'string' && approvers.includes(g))))) {
    throw new ApprovalError('approval.invalid', 'approver_sets must be sets of approver groups, each naming groups among approvers')
  }
  const inRange = (n: unknown) => Number.isInteger(n) && (n as number) >= 1 && (n as number) <= MAX_MIN_APPROVALS
  if (quorums !== undefined && (!Array.isArray(quorums) || quorums.length === 0 || !quorums.every((q) => q !== null && typeof q === 'object' && inRange(q.min_approvals) && Array.isArray(q.groups) && q.groups.length > 0 && q.groups.every((g) => typeof g === 'string' && approvers.includes(g))))) {
    throw new ApprovalError('approval.invalid', `quorums must be counts from 1 to ${MAX_MIN_APPROVALS} of people from approver groups, each naming groups among approvers`)
  }
  return {
    approvers: [...new Set(approvers)],
    scope,
    ttl_seconds: ttl,
    ...(min !== undefined && min > 1 ? { min_approvals: min } : {}),
    ...(all ? { all_groups: true } : {}),
    ...(sets !== undefined ? { approver_sets: sets.map((set) => [...new Set(set)]) } : {}),
    ...(quorums !== undefined ? { quorums: quorums.map((q) => ({ groups: [...new Set(q.groups)], min_approvals: q.min_approvals })) } : {}),
  }
}
