// A JWKS that is loaded on demand and cached: refreshed when older than its TTL, and on a kid it does not
// know — at most once per cooldown, so a flood of tokens with made-up kids cannot hammer the IdP.
import { createLocalJWKSet, type JWSHeaderParameters, type FlattenedJWSInput } from 'jose'
import { IdentityError } from './errors.ts'

export type GetKey = (header: JWSHeaderParameters, token: FlattenedJWSInput) => Promise<CryptoKey>

export interface CachedKeySetOptions {
  /** The URL or file the keys come from, for messages. */
  source: string
  load: () => Promise<unknown>
  now: () => number
  /** Keys older than this are reloaded before use (ms). */
  ttlMs?: number
  /** Minimum time between two loads (ms). */
  cooldownMs?: number
}

export const defaultJwksTtlMs = 10 * 60_000
export const defaultJwksCooldownMs = 30_000

export function cachedKeySet(options: CachedKeySetOptions): GetKey {
  const { source, load, now } = options
  const ttl = options.ttlMs ?? defaultJwksTtlMs
  const cooldown = options.cooldownMs ?? defaultJwksCooldownMs
  let keys: GetKey | undefined
  let loadedAt = -Infinity
  let attemptedAt = -Infinity
  let lastError: unknown
  let loading: Promise<void> | undefined

  const reload = (): Promise<void> => {
    loading ??= (async () => {
      attemptedAt = now()
      try {
        const jwks = await load()
        keys = createLocalJWKSet(jwks as Parameters<typeof createLocalJWKSet>[0])
        loadedAt = now()
        lastError = undefined
      } catch (err) {
        // Stale keys stay in use when a reload fails: an IdP outage should not lock everyone out at once.
        lastError = err
      }
    })().finally(() => { loading = undefined })
    return loading
  }
  const coolingDown = () => now() - attemptedAt < cooldown

  return async (header, token) => {
    if ((!keys || now() - loadedAt >= ttl) && !coolingDown()) await reload()
    else if (loading) await loading
    if (!keys) {
      const why = lastError instanceof Error ? lastError.message : 'not loaded yet'
      throw new IdentityError('token.jwks_unavailable', `cannot load signing keys from ${source}: ${why}; check that the JWKS is reachable and is a JSON Web Key Set`, { cause: lastError })
    }
    try {
      return await keys(header, token)
    } catch (err) {
      if ((err as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY' || coolingDown()) throw err
      await reload() // the issuer may have rotated its keys
      return keys(header, token)
    }
  }
}
