import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { jwt, jwtHeaderValid } from './jwt.ts'
import { hits } from './test-helpers.ts'

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url')
const TOKEN = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64({ sub: 'cursor', exp: 1 })}.c2lnbmF0dXJl_-x`

test('finds signed, unsigned and encrypted tokens', () => {
  assert.equal(hits(jwt, `Authorization: Bearer ${TOKEN}.`), [TOKEN])
  const unsigned = `${b64({ alg: 'none' })}.${b64({ sub: 'x' })}.`
  assert.equal(hits(jwt, `t=${unsigned} `), [unsigned])
  const jwe = `${b64({ alg: 'RSA-OAEP', enc: 'A256GCM' })}.a2V5.aXY.Y2lwaGVy.dGFn`
  assert.equal(hits(jwt, jwe), [jwe])
})

test('ignores lookalikes', () => {
  for (const text of [
    `${b64({ typ: 'JWT' })}.${b64({ sub: 'x' })}.sig`, // header without alg
    'eyJub3QganNvbg.eyJzdWIiOiIxIn0.sig', // header is not JSON
    b64({ alg: 'HS256' }), // one part
    `${b64({ alg: 'HS256' })}.${b64({ sub: 'x' })}`, // two parts
    `x${TOKEN}`,
  ]) {
    assert.equal(hits(jwt, text), [], text)
  }
  assert.not.ok(jwtHeaderValid('eyJhbGciOjF9')) // alg is a number
})

test.run()
