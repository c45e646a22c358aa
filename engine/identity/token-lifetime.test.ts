import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { atDeadline, tokenDeadline } from './token-lifetime.ts'

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url')
const tokenWith = (claims: Record<string, unknown>) => `${b64({ alg: 'ES256' })}.${b64(claims)}.sig`

test('the deadline is exp plus the clock skew the verifier allows', () => {
  assert.is(tokenDeadline(tokenWith({ exp: 1_000 }), 30, 0), 1_030_000)
  assert.is(tokenDeadline(tokenWith({ exp: 1_000.5 }), 0, 0), 1_000_500)
})

test('the spaces and line ends the verifier drops around a token do not make its session end at once', () => {
  assert.is(tokenDeadline(` ${tokenWith({ exp: 1_000 })}\n`, 30, 0), 1_030_000)
})

test('a token without a numeric exp, or not a JWT at all, is past its deadline now (fail closed)', () => {
  for (const t of [tokenWith({}), tokenWith({ exp: '9999999999' }), 'not-a-jwt']) assert.is(tokenDeadline(t, 30, 42), 42, t)
})

test('atDeadline fires once at the deadline, at once when it passed, and never once stopped', async () => {
  let fired = 0
  atDeadline(Date.now() - 1, () => fired++)
  assert.is(fired, 1, 'a passed deadline fires synchronously')
  atDeadline(Date.now() + 30, () => fired++)
  const stop = atDeadline(Date.now() + 30, () => fired++)
  stop()
  await new Promise((resolve) => setTimeout(resolve, 80))
  assert.is(fired, 2)
})

test.run()
