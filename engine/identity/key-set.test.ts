import { exportJWK, generateKeyPair, SignJWT, jwtVerify } from 'jose'
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { IdentityError } from './errors.ts'
import { cachedKeySet } from './key-set.ts'

const { privateKey, publicKey } = await generateKeyPair('ES256')
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] }
const token = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey)

test('concurrent first uses share one load', async () => {
  let loads = 0
  const getKey = cachedKeySet({ source: 'test', now: () => 0, load: async () => { loads++; await new Promise((r) => setImmediate(r)); return jwks } })
  await Promise.all(Array.from({ length: 10 }, () => jwtVerify(token, getKey)))
  assert.is(loads, 1)
})

test('a failed first load is not retried within the cooldown, and is after it', async () => {
  let clock = 0
  let loads = 0
  let up = false
  const getKey = cachedKeySet({ source: 'https://idp/jwks', now: () => clock, cooldownMs: 1000, load: async () => { loads++; if (!up) throw new Error('connection refused'); return jwks } })
  for (let i = 0; i < 5; i++) {
    const err = await jwtVerify(token, getKey).catch((e: unknown) => e)
    assert.instance(err, IdentityError)
    assert.match((err as Error).message, 'connection refused')
  }
  assert.is(loads, 1)
  up = true
  clock = 1000
  assert.is((await jwtVerify(token, getKey)).payload.sub, 'x')
  assert.is(loads, 2)
})

test.run()
