import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeFlush, encodeFlush } from './flush.ts'

test('round-trips', () => {
  decodeFlush(payloadOf(encodeFlush(), 'H'))
})

test('rejects a non-empty payload', () => {
  assert.throws(() => decodeFlush(Buffer.from([1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
