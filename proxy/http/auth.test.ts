// The verified-token cache: one signature check per token, never past the token's exp, one entry per exact token.
import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { defaultConfig } from '../../engine/config/defaults.ts'
import type { GatewayEngine } from '../../engine/gateway.ts'
import { createVerifier, generateDevKey, signDevToken } from '../../engine/identity/index.ts'
import { authenticate } from './auth.ts'
import type { HttpGatewayError } from './errors.ts'
import type { GatewayRequest } from './types.ts'

/** The slice of the engine authenticate() uses, over a real verifier (no clock skew), counting its verifications. */
async function setup() {
  const config = defaultConfig()
  config.identity.clock_skew_seconds = 0
  const keys = await generateDevKey()
  const verifier = createVerifier(config.identity, { devPublicJwk: keys.publicJwk })
  const counter = { verified: 0 }
  const engine = { authenticate: (token: string) => (counter.verified++, verifier.verify(token)) } as unknown as GatewayEngine
  const token = (sub: string, ttlSeconds = 600) => signDevToken(keys.privateJwk, { issuer: 'warden-dev', audience: 'warden', sub, groups: ['agents'], ttlSeconds, kind: 'agent' })
  return { engine, counter, token }
}

const request = (token: string): GatewayRequest => ({ mode: 'reverse', method: 'GET', url: '/t/k8s/', headers: [['Authorization', `Bearer ${token}`]] })

test('a token is verified once and then served from the cache; another token is another entry', async () => {
  const { engine, counter, token } = await setup()
  const a = await token('agent-a')
  const b = await token('agent-b')
  assert.is((await authenticate(engine, request(a))).identity.sub, 'agent-a')
  assert.is((await authenticate(engine, request(a))).identity.sub, 'agent-a')
  assert.is(counter.verified, 1)
  assert.is((await authenticate(engine, request(b))).identity.sub, 'agent-b')
  assert.is(counter.verified, 2)
  // One character more is another token: verified (and refused) on its own.
  const err = await authenticate(engine, request(`${a}x`)).then(() => undefined, (e: HttpGatewayError) => e)
  assert.is(err?.status, 401)
  assert.is(counter.verified, 3)
})

test('a cached token is refused once its exp has passed', async () => {
  const { engine, counter, token } = await setup()
  const short = await token('agent-short', 1)
  assert.is((await authenticate(engine, request(short))).identity.sub, 'agent-short')
  await new Promise((r) => setTimeout(r, 2100))
  const err = await authenticate(engine, request(short)).then(() => undefined, (e: HttpGatewayError) => e)
  assert.is(err?.status, 401)
  assert.is(err?.code, 'http.token_invalid')
  assert.match(err?.message ?? '', 'token.expired')
  assert.is(counter.verified, 2, 'verified again, not answered from the cache')
})

test.run()
