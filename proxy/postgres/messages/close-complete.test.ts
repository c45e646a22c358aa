import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeCloseComplete, encodeCloseComplete } from './close-complete.ts'

test('round-trips', () => {
  decodeCloseComplete(payloadOf(encodeCloseComplete(), '3'))
})

test('rejects a non-empty payload', () => {
  assert.throws(() => decodeCloseComplete(Buffer.from([1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
