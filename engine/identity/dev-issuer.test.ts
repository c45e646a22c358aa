import { decodeJwt, decodeProtectedHeader } from 'jose'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultConfig } from '../config/defaults.ts'
import { generateDevKey, signDevToken } from './dev-issuer.ts'
import { IdentityError } from './errors.ts'
import { createVerifier } from './verifier.ts'

const identity = defaultConfig().identity
const base = { issuer: 'warden-dev', audience: 'warden', sub: 'cursor', groups: ['agents'], ttlSeconds: 600 }

test('generateDevKey gives an ES256 pair sharing a thumbprint kid; only the private half has d', async () => {
  const { privateJwk, publicJwk } = await generateDevKey()
  assert.is(publicJwk.kty, 'EC')
  assert.is(publicJwk.crv, 'P-256')
  assert.is(publicJwk.alg, 'ES256')
  assert.ok(publicJwk.kid && publicJwk.kid === privateJwk.kid)
  assert.is(publicJwk.d, undefined)
  assert.type(privateJwk.d, 'string')
})

test('a dev token round-trips through the verifier of the default config', async () => {
  const key = await generateDevKey()
  const token = await signDevToken(key.privateJwk, { ...base, email: 'cursor@example.com' })
  assert.is(decodeProtectedHeader(token).kid, key.publicJwk.kid)
  const verified = await createVerifier(identity, { devPublicJwk: key.publicJwk }).verify(token)
  assert.equal(verified, { sub: 'cursor', issuer: 'warden-dev', groups: ['agents'], kind: 'agent', email: 'cursor@example.com' })
})

test('kind and groups go to the configured claims, nested paths included', async () => {
  const key = await generateDevKey()
  const token = await signDevToken(key.privateJwk, { ...base, kind: 'human', kindClaim: 'kind', groupsClaim: 'realm_access.roles' })
  const claims = decodeJwt(token)
  assert.equal(claims.realm_access, { roles: ['agents'] })
  assert.is(claims.kind, 'human')
  assert.is((await createVerifier(identity, { devPublicJwk: key.publicJwk }).verify(await signDevToken(key.privateJwk, { ...base, kind: 'human' }))).kind, 'human')
})

test('exp is issue time plus ttl', async () => {
  const key = await generateDevKey()
  const now = Date.parse('2026-05-01T00:00:00Z')
  const claims = decodeJwt(await signDevToken(key.privateJwk, { ...base, ttlSeconds: 900, now }))
  assert.is(claims.iat, now / 1000)
  assert.is(claims.exp, now / 1000 + 900)
})

test('an expired dev token says when it expired and to run warden token', async () => {
  const key = await generateDevKey()
  const token = await signDevToken(key.privateJwk, { ...base, ttlSeconds: 60, now: Date.parse('2026-01-01T00:00:00Z') })
  const err = await createVerifier(identity, { devPublicJwk: key.publicJwk, now: () => Date.parse('2026-01-01T01:00:00Z') }).verify(token).catch((e: unknown) => e)
  assert.is((err as IdentityError).code, 'token.expired')
  assert.match((err as Error).message, 'token expired at 2026-01-01T00:01:00.000Z; get a new one with `warden token --as SUBJECT`')
})

test('a token from another dev key is refused', async () => {
  const mine = await generateDevKey()
  const theirs = await generateDevKey()
  const token = await signDevToken(theirs.privateJwk, base)
  try {
    await createVerifier(identity, { devPublicJwk: mine.publicJwk }).verify(token)
    assert.unreachable('accepted a token from another key')
  } catch (err) {
    assert.instance(err, IdentityError)
    assert.is((err as IdentityError).code, 'token.unknown_key')
  }
})

test('without the dev public key a dev token cannot be verified', async () => {
  const key = await generateDevKey()
  const err = await createVerifier(identity, {}).verify(await signDevToken(key.privateJwk, base)).catch((e: unknown) => e)
  assert.is((err as IdentityError).code, 'token.jwks_unavailable')
})

test.run()
