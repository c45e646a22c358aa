// Who may decide a request: a human (agents never approve), in one of the obligation's approver groups,
// and for approval not the requester, nor anyone who may be the requester under another issuer, case or email
// (people.ts). The requester (exactly: same issuer and subject) may withdraw (reject) their own request.
import type { Identity } from '../types.ts'
import { ApprovalError } from './errors.ts'
import { mayBeSamePerson, samePrincipal } from './people.ts'
import type { ApprovalRequest } from './types.ts'

export function authorizeDecision(request: ApprovalRequest, reviewer: Identity, action: 'approve' | 'reject'): void {
  if (reviewer.kind !== 'human') {
    throw new ApprovalError('approval.forbidden', `${reviewer.sub} is an agent identity; only a human can ${action} request ${request.id}`)
  }
  if (action === 'approve' && mayBeSamePerson(reviewer, request.requester)) {
    throw new ApprovalError('approval.self_approval', `${reviewer.sub} requested ${request.id} and cannot approve it; ask another member of ${request.approval.approvers.join(', ')}`)
  }
  if (action === 'reject' && samePrincipal(reviewer, request.requester)) return
  if (!reviewer.groups.some((g) => request.approval.approvers.includes(g))) {
    throw new ApprovalError(
      'approval.forbidden',
      `${reviewer.sub} is not in an approver group for ${request.id}; it needs one of: ${request.approval.approvers.join(', ')}`,
    )
  }
}
