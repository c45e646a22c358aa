// Grants: what an approval creates, whom it belongs to, and the live set the engine reads at judge time.
// A session grant covers its session only (and there only its requester on its target); statement, fingerprint and target grants belong to the requester's
// identity on the request's target, so a reconnect (or a gateway restart) keeps them.
import canonicalize from 'canonicalize'
import type { Grant } from '../types.ts'
import { randomId } from './ids.ts'
import { approvalsFrom } from './quorum.ts'
import { distinctPeople, samePrincipal } from './people.ts'
import type { ApprovalRequest, GrantHolder, GrantRecord } from './types.ts'

/**
 * How many different people approved from each rule's groups (quorums), so that a rule's own count is weighed at
 * judge time by the people from its groups, not by everyone (grants.rego grant_counts_suffice).
 */
const groupApprovals = (request: ApprovalRequest) =>
  (request.approval.quorums ?? []).map((q) => ({ groups: [...q.groups].sort(), approvals: approvalsFrom(q.groups, request.approvals) }))

export function grantFor(request: ApprovalRequest, atMs: number): GrantRecord {
  const { scope, ttl_seconds } = request.approval
  const grant: GrantRecord = {
    id: randomId('grt_'),
    scope,
    approved_by: request.approvals.map((v) => v.sub).join(', '),
    // Who gave it, as the policy weighs it at judge time (grants.rego grant_quorum).
    approver_groups: [...new Set(request.approvals.flatMap((v) => v.groups))].sort(),
    approvals: distinctPeople(request.approvals),
    ...(request.approval.quorums ? { group_approvals: groupApprovals(request) } : {}),
    expires_at_ns: (atMs + ttl_seconds * 1000) * 1e6,
    approval_id: request.id,
    subject: { issuer: request.requester.issuer, sub: request.requester.sub },
    target: request.target,
    session_id: request.session_id,
    created_at: new Date(atMs).toISOString(),
  }
  if (scope === 'statement') grant.digest = request.command.digest
  if (scope === 'fingerprint') grant.fingerprint = request.command.fingerprint
  return grant
}

/** What a grant's seal covers: every field but the seal itself, revocation included (clearing it breaks the seal). */
const sealedText = (g: GrantRecord) => {
  const { seal: _seal, ...rest } = g
  return canonicalize(rest) ?? ''
}

/** The grant with its seal: an HMAC under the gateways' approvals key, which never is in the store. */
export const sealGrant = (g: GrantRecord, mac: (text: string) => string): GrantRecord => ({ ...g, seal: mac(sealedText(g)) })

/**
 * Whether a grant read from the store is one a gateway made (or revoked) as it stands: a grant edited, revived or
 * written by hand in the store, by someone without the approvals key, is not.
 */
export const grantSealed = (g: GrantRecord, mac: (text: string) => string): boolean => typeof g.seal === 'string' && g.seal === mac(sealedText(g))

/** The grant as input.session.grants shows it to the policy (schemas/input.schema.json). */
export function policyGrant(g: GrantRecord): Grant {
  const out: Grant = { id: g.id, scope: g.scope, approved_by: g.approved_by, expires_at_ns: g.expires_at_ns }
  if (g.digest !== undefined) out.digest = g.digest
  if (g.fingerprint !== undefined) out.fingerprint = g.fingerprint
  if (g.approver_groups !== undefined) out.approver_groups = [...g.approver_groups]
  if (g.approvals !== undefined) out.approvals = g.approvals
  if (g.group_approvals !== undefined) out.group_approvals = g.group_approvals.map((c) => ({ groups: [...c.groups], approvals: c.approvals }))
  return out
}

export const expiresMs = (g: Pick<GrantRecord, 'expires_at_ns'>) => Math.floor(g.expires_at_ns / 1e6)

export const inForce = (g: GrantRecord, nowMs: number) => g.revoked_at === undefined && expiresMs(g) > nowMs

const holderKey = (issuer: string, sub: string, target: string) => `${issuer}\u0000${sub}\u0000${target}`

/**
 * The grants in force, indexed by session (session scope) and by identity and target (the other scopes), kept
 * current by the store. Lookups are two Map reads: this runs for every judged statement.
 */
export class LiveGrants {
  private readonly byId = new Map<string, GrantRecord>()
  private readonly bySession = new Map<string, GrantRecord[]>()
  private readonly byHolder = new Map<string, GrantRecord[]>()

  /** Replaces the whole set (a full reload from the store). */
  replace(grants: Iterable<GrantRecord>, nowMs: number): void {
    this.byId.clear()
    for (const g of grants) if (inForce(g, nowMs)) this.byId.set(g.id, g)
    this.reindex()
  }

  /** Adds, updates or (revoked or expired) removes one grant. */
  put(g: GrantRecord, nowMs: number): void {
    if (inForce(g, nowMs)) this.byId.set(g.id, g)
    else if (!this.byId.delete(g.id)) return
    this.reindex(nowMs)
  }

  remove(id: string): void {
    if (this.byId.delete(id)) this.reindex()
  }

  for(holder: GrantHolder, nowMs: number): Grant[] {
    const out: Grant[] = []
    const nowNs = nowMs * 1e6
    for (const g of this.bySession.get(holder.session) ?? []) {
      if (g.expires_at_ns > nowNs && g.target === holder.target && samePrincipal(g.subject, holder.identity)) out.push(policyGrant(g))
    }
    for (const g of this.byHolder.get(holderKey(holder.identity.issuer, holder.identity.sub, holder.target)) ?? []) {
      if (g.expires_at_ns > nowNs) out.push(policyGrant(g))
    }
    return out
  }

  ids(): string[] {
    return [...this.byId.keys()]
  }

  has(id: string): boolean {
    return this.byId.has(id)
  }

  get size(): number {
    return this.byId.size
  }

  private reindex(nowMs?: number): void {
    this.bySession.clear()
    this.byHolder.clear()
    for (const g of this.byId.values()) {
      if (nowMs !== undefined && !inForce(g, nowMs)) {
        this.byId.delete(g.id)
        continue
      }
      const [map, key] = g.scope === 'session' ? [this.bySession, g.session_id] : [this.byHolder, holderKey(g.subject.issuer, g.subject.sub, g.target)]
      const list = map.get(key)
      if (list) list.push(g)
      else map.set(key, [g])
    }
  }
}
