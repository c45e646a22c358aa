// engine/identity: OIDC JWT verification and the local development issuer.
export { defaultAlgorithms, createVerifier, MAX_TOKEN_CHARS, presentedToken, type IdentityVerifier, type KeySources } from './verifier.ts'
export { IdentityError, type IdentityErrorCode } from './errors.ts'
export { claimAt, groupsFrom, identityFrom } from './claims.ts'
export { generateDevKey, signDevToken, type DevKeyPair, type DevTokenOptions } from './dev-issuer.ts'
export { atDeadline, tokenDeadline } from './token-lifetime.ts'
