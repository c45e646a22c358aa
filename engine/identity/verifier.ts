// OIDC JWT verification: pick the provider by the token's issuer, check the signature against that
// provider's keys (remote JWKS, JWKS file, or the dev issuer's key), then iss, aud, exp, nbf, sub.
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWK, jwtVerify } from 'jose'
import type { IdentityConfig, IdentityProviderConfig } from '../config/types.ts'
import type { Identity } from '../types.ts'
import { identityFrom } from './claims.ts'
import { fromJoseError, IdentityError } from './errors.ts'
import { cachedKeySet, type GetKey } from './key-set.ts'
import { assertStrictJson } from './strict-json.ts'

export interface KeySources {
  /** The dev issuer's public key (the caller loads it), for a provider with `dev: true`. */
  devPublicJwk?: JWK
  /** Fetches a JWKS URL and returns the parsed JSON; defaults to the global fetch. */
  fetchJwks?: (url: string) => Promise<unknown>
  /** Reads a JWKS file and returns the parsed JSON, for a provider with `jwks_file`. */
  readJwksFile?: (path: string) => Promise<unknown>
  /** Current time in ms, for tests. */
  now?: () => number
}

export interface IdentityVerifier {
  verify(token: string): Promise<Identity>
}

/** Asymmetric algorithms only. `none` and HS* are never accepted: with a public JWKS, an HMAC "signature"
 * keyed with the public key would be forgeable by anyone (algorithm confusion). */
export const defaultAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519']

/**
 * The longest token verified. Tokens arrive before anyone is authenticated, and decoding and hashing one costs
 * time in its size: a 4 MiB forged token took 190-440 ms of CPU to refuse (measured under load). Real ID and
 * access tokens stay under 16 KiB (Node's default header limit; Entra ID swaps a long group list for an overage
 * claim); 64 KiB leaves room for any of them.
 */
export const MAX_TOKEN_CHARS = 64 * 1024

/**
 * The token without the spaces, tabs and line ends around it. HTTP drops them from a header value before Warden
 * sees it (`Authorization: Bearer  <jwt> `), so a PostgreSQL password, a Basic proxy password or `--token` that
 * carries them (a pasted token, a file read with its newline) is read the same way; inside the token they stay
 * an error.
 */
export const presentedToken = (token: string): string => token.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '')

const forbidden = (alg: string) => alg.toLowerCase() === 'none' || /^HS/i.test(alg)

async function fetchJson(url: string): Promise<unknown> {
  const response = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(5000) })
  if (!response.ok) throw new Error(`GET ${url} answered HTTP ${response.status}`)
  return response.json()
}

interface PreparedProvider {
  config: IdentityProviderConfig
  algorithms: string[]
  getKey: GetKey
}

function unavailable(message: string): GetKey {
  return async () => { throw new IdentityError('token.jwks_unavailable', message) }
}

function keysFor(provider: IdentityProviderConfig, keys: KeySources, now: () => number): GetKey {
  if (provider.dev) {
    if (!keys.devPublicJwk) return unavailable(`provider ${provider.name} trusts the development issuer, but its public key was not loaded`)
    return createLocalJWKSet({ keys: [keys.devPublicJwk] })
  }
  if (provider.jwks_url !== undefined) {
    const url = provider.jwks_url
    const fetchJwks = keys.fetchJwks ?? fetchJson
    return cachedKeySet({ source: url, load: () => fetchJwks(url), now })
  }
  if (provider.jwks_file !== undefined) {
    const file = provider.jwks_file
    const read = keys.readJwksFile
    if (!read) return unavailable(`provider ${provider.name} reads keys from ${file}, but no JWKS file reader was given`)
    return cachedKeySet({ source: file, load: () => read(file), now })
  }
  return unavailable(`provider ${provider.name} has no key source; give it jwks_url, jwks_file or dev: true`)
}

/** Three parts of unpadded base64url (RFC 7515 section 7.1); an empty signature is left to the algorithm check. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * The token as RFC 7515 writes it, checked before jose reads it: jose decodes base64 leniently (padding, `+` and
 * `/` pass), so a token one reader refuses another accepted, and a signed header could be written several ways. A
 * header with `b64` is refused too: jose ignores it unless `crit` names it, and a reader that honours it reads
 * another payload from the same bytes. So is a header or claims set that other readers would read otherwise: a
 * member named twice or a byte order mark (strict-json.ts); jose refuses bytes that are not UTF-8.
 */
function decode(token: string): { alg: unknown; iss: unknown } {
  if (!COMPACT_JWS.test(token)) {
    throw new IdentityError('token.malformed', 'token is not a signed JWT: its three parts must be unpadded base64url (A-Z a-z 0-9 - _), without spaces')
  }
  try {
    const protectedHeader = decodeProtectedHeader(token)
    if (Object.hasOwn(protectedHeader, 'b64')) throw new IdentityError('token.malformed', 'token header carries b64 (RFC 7797 unencoded payload); ID and access tokens never do')
    const { iss } = decodeJwt(token)
    assertStrictJson(token)
    return { alg: protectedHeader.alg, iss }
  } catch (err) {
    if (err instanceof IdentityError) throw err
    throw new IdentityError('token.malformed', `token is not a signed JWT (header.payload.signature, base64url): ${(err as Error).message}`, { cause: err })
  }
}

export function createVerifier(config: IdentityConfig, keys: KeySources): IdentityVerifier {
  const now = keys.now ?? Date.now
  const providers = new Map<string, PreparedProvider>()
  for (const provider of config.providers) {
    const algorithms = (provider.algorithms ?? defaultAlgorithms).filter((alg) => !forbidden(alg))
    providers.set(provider.issuer, { config: provider, algorithms, getKey: keysFor(provider, keys, now) })
  }

  async function verify(presented: string): Promise<Identity> {
    const token = typeof presented === 'string' ? presentedToken(presented) : presented
    if (typeof token === 'string' && token.length > MAX_TOKEN_CHARS) {
      throw new IdentityError('token.malformed', `token is larger than ${MAX_TOKEN_CHARS} characters (${token.length}); no identity provider issues one that large`)
    }
    if (typeof token !== 'string' || token.split('.').length !== 3) {
      throw new IdentityError('token.malformed', 'token is not a signed JWT: expected three base64url parts header.payload.signature')
    }
    const { alg, iss } = decode(token)
    if (typeof iss !== 'string' || !iss) throw new IdentityError('token.missing_claim', 'token has no iss claim, so no trusted issuer can be chosen')
    const provider = providers.get(iss)
    if (!provider) {
      const shown = iss.length > 100 ? `${iss.slice(0, 97)}...` : iss
      throw new IdentityError('token.unknown_issuer', `token issuer ${JSON.stringify(shown)} is not trusted by this gateway; use a token from a configured identity provider`)
    }
    if (typeof alg !== 'string' || !provider.algorithms.includes(alg)) {
      throw new IdentityError('token.alg_not_allowed', `token algorithm ${JSON.stringify(alg)} is not accepted for issuer ${JSON.stringify(iss)}; accepted: ${provider.algorithms.join(', ')} (none and HS* never are)`)
    }
    try {
      const { payload } = await jwtVerify(token, provider.getKey, {
        issuer: provider.config.issuer,
        audience: provider.config.audience,
        algorithms: provider.algorithms,
        clockTolerance: config.clock_skew_seconds,
        currentDate: new Date(now()),
        requiredClaims: ['sub', 'exp'],
      })
      // jose checks iat only against a maximum age; a token issued after now (past the skew) is not valid yet.
      if (typeof payload.iat === 'number' && payload.iat > now() / 1000 + config.clock_skew_seconds) {
        throw new IdentityError('token.not_yet_valid', `token was issued at ${new Date(payload.iat * 1000).toISOString()}, in the future; check the clocks of this host and the issuer`)
      }
      return identityFrom(payload, provider.config)
    } catch (err) {
      throw fromJoseError(err, provider.config)
    }
  }

  return { verify }
}
