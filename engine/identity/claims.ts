// Verified claims → the identity policies see: subject, groups (from a configurable claim), kind, client id.
import type { JWTPayload } from 'jose'
import type { IdentityProviderConfig } from '../config/types.ts'
import type { Identity, IdentityKind } from '../types.ts'
import { IdentityError } from './errors.ts'

/** The claim named `path`: an exact top-level key first (URL-style claim names contain dots), then a dot path. */
export function claimAt(payload: Record<string, unknown>, path: string): unknown {
  if (Object.hasOwn(payload, path)) return payload[path]
  let node: unknown = payload
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node) || !Object.hasOwn(node, key)) return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

/**
 * Groups from an array of strings or a space/comma separated string; absent means none. Any other shape is
 * refused rather than read as "no groups", which could turn an agent into a human.
 */
export function groupsFrom(value: unknown, claim: string): string[] {
  if (value === undefined || value === null) return []
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean)
  if (Array.isArray(value) && value.every((g) => typeof g === 'string')) return [...new Set(value)]
  throw new IdentityError('token.missing_claim', `token claim ${claim} must be an array of strings or a space/comma separated string`)
}

const firstString = (...values: unknown[]) => values.find((v): v is string => typeof v === 'string' && v !== '')

/**
 * Control, format (zero-width, bidi overrides), line and paragraph separator characters, and lone surrogates.
 * A subject names the caller wherever the caller is shown or compared: in the approvals a reviewer reads, the
 * terminal and logs, the audit index, the self-approval check. No IdP issues one with these (OIDC subjects are
 * printable ASCII), so a token carrying them is refused rather than cleaned, which could make two callers one.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u

function printableClaim(value: string, claim: string): string {
  const bad = [...value].find((c) => UNPRINTABLE.test(c))
  if (bad !== undefined) {
    const code = bad.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')
    throw new IdentityError('token.malformed', `token ${claim} claim holds U+${code}, a control, format or separator character no identity provider issues; the token is refused`)
  }
  return value
}

/**
 * Whether the token says its groups claim is kept elsewhere: a distributed claim (OpenID Connect Core 5.6.2,
 * `_claim_names: {groups: "src1"}`), as Entra ID sends in place of a list past 200 groups, or its `hasgroups: true`
 * in an implicit-flow token. Those groups are unknown, not none: read as none, an agent would be a human.
 */
function groupsElsewhere(payload: Record<string, unknown>, claim: string): boolean {
  const names = payload._claim_names
  if (names !== null && typeof names === 'object' && !Array.isArray(names) && Object.hasOwn(names, claim)) return true
  return claim === 'groups' && payload.hasgroups === true
}

export function identityFrom(payload: JWTPayload, provider: IdentityProviderConfig): Identity {
  if (typeof payload.sub !== 'string' || !payload.sub) {
    throw new IdentityError('token.missing_claim', 'token sub claim must be a non-empty string naming who holds the token')
  }
  const groupsClaim = claimAt(payload, provider.groups_claim)
  // A null claim is read as none (groupsFrom), so it is no list either.
  if ((groupsClaim === undefined || groupsClaim === null) && groupsElsewhere(payload, provider.groups_claim)) {
    throw new IdentityError('token.missing_claim', `token does not carry its ${provider.groups_claim} claim but says it is kept elsewhere (an overage or distributed claim, as for an identity in many groups); Warden reads groups from the token only: have the IdP emit them in the token (e.g. only the groups assigned to the application)`)
  }
  const groups = groupsFrom(groupsClaim, provider.groups_claim)
  const claimed = provider.kind_claim ? claimAt(payload, provider.kind_claim) : undefined
  // The kind claim says agent or human; absent, membership of an agent group decides. Any other value ("Agent",
  // ["agent"], "service") is read as agent: an unexpected shape must never make a caller a human, who may approve.
  const kind: IdentityKind = claimed === 'agent' || claimed === 'human'
    ? claimed
    : claimed !== undefined && claimed !== null ? 'agent'
    : groups.some((g) => provider.agent_groups.includes(g)) ? 'agent' : 'human'
  const identity: Identity = { sub: printableClaim(payload.sub, 'sub'), issuer: provider.issuer, groups, kind }
  const clientId = firstString(payload.client_id, payload.azp, payload.cid)
  if (clientId !== undefined) identity.client_id = clientId
  const email = firstString(payload.email)
  if (email !== undefined) identity.email = printableClaim(email, 'email')
  return identity
}
