// Why a token was refused: a stable code per cause, and a message that says what to do about it. Messages
// never contain the token itself.
import { errors } from 'jose'
import type { IdentityProviderConfig } from '../config/types.ts'
import { CodedError } from '../errors.ts'

export type IdentityErrorCode =
  | 'token.malformed'
  | 'token.alg_not_allowed'
  | 'token.unknown_issuer'
  | 'token.unknown_key'
  | 'token.bad_signature'
  | 'token.wrong_audience'
  | 'token.expired'
  | 'token.not_yet_valid'
  | 'token.missing_claim'
  | 'token.jwks_unavailable'

export class IdentityError extends CodedError<IdentityErrorCode> {}

const isoTime = (seconds: unknown) => (typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : 'an unknown time')

/** Where to get a fresh token, for this provider. */
export function renewHint(provider: IdentityProviderConfig): string {
  return provider.dev ? 'get a new one with `warden token --as SUBJECT`' : `get a new one from your IdP (${provider.name})`
}

/** Maps what jose throws while verifying to an IdentityError; IdentityErrors pass through unchanged. */
export function fromJoseError(err: unknown, provider: IdentityProviderConfig): IdentityError {
  if (err instanceof IdentityError) return err
  const issuer = JSON.stringify(provider.issuer)
  if (err instanceof errors.JWTExpired) {
    return new IdentityError('token.expired', `token expired at ${isoTime(err.payload.exp)}; ${renewHint(provider)}`, { cause: err })
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    const { claim, reason, payload } = err
    if (reason === 'missing') return new IdentityError('token.missing_claim', `token has no ${claim} claim; tokens for ${issuer} must carry sub and exp`, { cause: err })
    if (claim === 'aud') {
      return new IdentityError('token.wrong_audience', `token audience ${JSON.stringify(payload.aud)} does not include ${JSON.stringify(provider.audience)}; request a token for this gateway's audience`, { cause: err })
    }
    // A time claim that is not a number is malformed, not a time in the future or past.
    if ((claim === 'nbf' || claim === 'exp' || claim === 'iat') && payload[claim] !== undefined && typeof payload[claim] !== 'number') {
      return new IdentityError('token.malformed', `token claim ${claim} must be a number of seconds since 1970, got ${JSON.stringify(payload[claim]).slice(0, 40)}`, { cause: err })
    }
    if (claim === 'nbf') return new IdentityError('token.not_yet_valid', `token is not valid before ${isoTime(payload.nbf)}; check the clocks of this host and the issuer`, { cause: err })
    if (claim === 'iss') return new IdentityError('token.unknown_issuer', 'token issuer is not trusted by this gateway', { cause: err })
    return new IdentityError('token.malformed', `token claim ${claim} is invalid: ${err.message}`, { cause: err })
  }
  if (err instanceof errors.JOSEAlgNotAllowed) {
    return new IdentityError('token.alg_not_allowed', `token signing algorithm is not accepted for issuer ${issuer}`, { cause: err })
  }
  if (err instanceof errors.JWSSignatureVerificationFailed) {
    return new IdentityError('token.bad_signature', `token signature does not verify with the keys of issuer ${issuer}; it was altered or signed by another key`, { cause: err })
  }
  if (err instanceof errors.JWKSNoMatchingKey) {
    return new IdentityError('token.unknown_key', `token was signed with a key issuer ${issuer} does not publish (unknown kid or key type); ${renewHint(provider)}`, { cause: err })
  }
  if (err instanceof errors.JWKSInvalid || err instanceof errors.JWKSTimeout) {
    return new IdentityError('token.jwks_unavailable', `signing keys of issuer ${issuer} are unavailable: ${err.message}`, { cause: err })
  }
  const why = err instanceof Error ? err.message : String(err)
  return new IdentityError('token.malformed', `token could not be verified: ${why}`, { cause: err })
}
