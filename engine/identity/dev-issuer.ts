// The local development issuer: an ES256 key pair and tokens signed with it, so the gateway can be tried
// without an IdP. Only a provider with `dev: true` trusts these tokens.
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose'
import type { IdentityKind } from '../types.ts'

export interface DevKeyPair {
  privateJwk: JWK
  publicJwk: JWK
}

export interface DevTokenOptions {
  issuer: string
  audience: string | string[]
  sub: string
  groups: string[]
  ttlSeconds: number
  kind?: IdentityKind
  email?: string
  /** Claim that carries the groups (dot path allowed); default `groups`. */
  groupsClaim?: string
  /** Claim that carries the kind; default `kind`. */
  kindClaim?: string
  /** Issue time in ms, for tests; default now. */
  now?: number
}

export const devAlgorithm = 'ES256'

export async function generateDevKey(): Promise<DevKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(devAlgorithm, { extractable: true })
  const publicJwk = await exportJWK(publicKey)
  const kid = await calculateJwkThumbprint(publicJwk)
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: devAlgorithm, use: 'sig' },
    publicJwk: { ...publicJwk, kid, alg: devAlgorithm, use: 'sig' },
  }
}

/** Sets `value` at a dot path, creating the objects on the way (`realm_access.roles`). */
function setClaim(claims: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  let node = claims
  for (const key of keys.slice(0, -1)) {
    const next = node[key]
    node = (node[key] = next !== null && typeof next === 'object' ? next : {}) as Record<string, unknown>
  }
  node[keys[keys.length - 1]!] = value
}

export async function signDevToken(privateJwk: JWK, options: DevTokenOptions): Promise<string> {
  const key = await importJWK(privateJwk, devAlgorithm)
  const claims: Record<string, unknown> = {}
  setClaim(claims, options.groupsClaim ?? 'groups', options.groups)
  if (options.kind) setClaim(claims, options.kindClaim ?? 'kind', options.kind)
  if (options.email) claims.email = options.email
  const issuedAt = Math.floor((options.now ?? Date.now()) / 1000)
  return new SignJWT(claims)
    .setProtectedHeader({ alg: devAlgorithm, typ: 'JWT', ...(privateJwk.kid ? { kid: privateJwk.kid } : {}) })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setSubject(options.sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + options.ttlSeconds)
    .sign(key)
}
