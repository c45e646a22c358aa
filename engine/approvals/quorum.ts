// When the approvals given so far are enough: at least `min_approvals` distinct people ("N of"; one person
// under two issuers, or with the same email, counts once: people.ts), with `all_groups` at least one approver
// from every approver group ("all of these groups"), and with `approver_sets` one from each set (each rule's
// groups met). One person in two groups represents both; ask for min_approvals: 2 to also require two people.
import type { ApprovalObligation } from '../types.ts'
import { distinctPeople } from './people.ts'
import type { ApprovalVote } from './types.ts'

export function minApprovals(a: ApprovalObligation): number {
  return a.min_approvals ?? 1
}

/** Groups still without an approver (all_groups, or sets of groups "a or b"), and how many more people must approve. */
export function stillNeeded(a: ApprovalObligation, votes: readonly ApprovalVote[]): { people: number; groups: string[] } {
  const people = Math.max(0, minApprovals(a) - distinctPeople(votes))
  const met = (set: readonly string[]) => votes.some((v) => v.groups.some((g) => set.includes(g)))
  const sets = a.all_groups ? a.approvers.map((g) => [g]) : a.approver_sets ?? []
  return { people, groups: sets.filter((set) => !met(set)).map((set) => set.join(' or ')) }
}

export function quorumMet(a: ApprovalObligation, votes: readonly ApprovalVote[]): boolean {
  const need = stillNeeded(a, votes)
  return need.people === 0 && need.groups.length === 0
}

/** "1 more approval", "an approver from security", or both, for messages. */
export function describeNeed(need: { people: number; groups: string[] }): string {
  const parts: string[] = []
  if (need.people) parts.push(`${need.people} more approval${need.people === 1 ? '' : 's'}`)
  if (need.groups.length) parts.push(`an approver from ${need.groups.join(' and from ')}`)
  return parts.join(' and ')
}
