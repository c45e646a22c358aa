import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeTerminate, encodeTerminate } from './terminate.ts'

test('round-trips', () => {
  decodeTerminate(payloadOf(encodeTerminate(), 'X'))
})

test('rejects a non-empty payload', () => {
  assert.throws(() => decodeTerminate(Buffer.from([1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
