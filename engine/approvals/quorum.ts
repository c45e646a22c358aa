// When the approvals given so far are enough: at least `min_approvals` distinct people ("N of"; one person
// under two issuers, or with the same email, counts once: people.ts), with `all_groups` at least one approver
// from every approver group ("all of these groups"), and with `approver_sets` one from each set (each rule's
// groups met), and with `quorums` each rule's own count of different people from its groups. One person in two
// groups represents both; ask for min_approvals: 2 to also require two people.
import type { ApprovalObligation } from '../types.ts'
import { distinctPeople } from './people.ts'
import type { ApprovalVote } from './types.ts'

export function minApprovals(a: ApprovalObligation): number {
  return a.min_approvals ?? 1
}

export interface Need {
  /** More people, from any approver group. */
  people: number
  /** Sets of groups ("a or b") still without an approver. */
  groups: string[]
  /** Rules' own counts not met yet: "2 more from security". */
  counts: string[]
}

/** How many different people approved from any of `groups`. */
export function approvalsFrom(groups: readonly string[], votes: readonly ApprovalVote[]): number {
  return distinctPeople(votes.filter((v) => v.groups.some((g) => groups.includes(g))))
}

/** Groups still without an approver (all_groups, or sets of groups "a or b"), and how many more people must approve. */
export function stillNeeded(a: ApprovalObligation, votes: readonly ApprovalVote[]): Need {
  const people = Math.max(0, minApprovals(a) - distinctPeople(votes))
  const met = (set: readonly string[]) => votes.some((v) => v.groups.some((g) => set.includes(g)))
  const sets = a.all_groups ? a.approvers.map((g) => [g]) : a.approver_sets ?? []
  const counts = (a.quorums ?? []).flatMap((q) => {
    const short = q.min_approvals - approvalsFrom(q.groups, votes)
    return short > 0 ? [`${short} more from ${q.groups.join(' or ')}`] : []
  })
  return { people, groups: sets.filter((set) => !met(set)).map((set) => set.join(' or ')), counts }
}

export function quorumMet(a: ApprovalObligation, votes: readonly ApprovalVote[]): boolean {
  const need = stillNeeded(a, votes)
  return need.people === 0 && need.groups.length === 0 && need.counts.length === 0
}

/** "1 more approval", "an approver from security", "2 more from dba", or several, for messages. */
export function describeNeed(need: Need): string {
  const parts: string[] = []
  if (need.people) parts.push(`${need.people} more approval${need.people === 1 ? '' : 's'}`)
  if (need.groups.length) parts.push(`an approver from ${need.groups.join(' and from ')}`)
  parts.push(...need.counts)
  return parts.join(' and ')
}
