// The admin API's roles, from the config's groups: approver (approvals.approver_groups: sees every held
// request), auditor (roles.auditor: reads the audit trail), admin (roles.admin: both). Only a verified human
// holds a role; an agent in those groups holds none.
import type { Identity } from '../../engine/types.ts'

export type Role = 'approver' | 'auditor' | 'admin'

export type RoleGroups = Record<Role, readonly string[]>

export function rolesOf(who: Identity, groups: RoleGroups): Set<Role> {
  const held = new Set<Role>()
  if (who.kind !== 'human') return held
  for (const role of ['approver', 'auditor', 'admin'] as const) {
    if (who.groups.some((g) => groups[role].includes(g))) held.add(role)
  }
  return held
}

/** Whether `held` grants what `role` may do: admin may do what every role may. */
export const mayActAs = (held: ReadonlySet<Role>, role: Role) => held.has(role) || held.has('admin')
