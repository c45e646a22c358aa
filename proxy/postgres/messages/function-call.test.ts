import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeFunctionCall, encodeFunctionCall } from './function-call.ts'

test('round-trips', () => {
  const m = { functionOid: 1598, argFormats: [1], args: [Buffer.from([0, 0, 0, 5]), null], resultFormat: 1 }
  assert.equal(decodeFunctionCall(payloadOf(encodeFunctionCall(m), 'F')), m)
})

test('rejects a truncated message', () => {
  const p = payloadOf(encodeFunctionCall({ functionOid: 1, argFormats: [], args: [], resultFormat: 0 }), 'F')
  assert.throws(() => decodeFunctionCall(p.subarray(0, p.length - 1)), (e: unknown) => e instanceof ProtocolError)
})

test.run()
