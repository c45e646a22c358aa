import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeSync, encodeSync } from './sync.ts'

test('round-trips', () => {
  decodeSync(payloadOf(encodeSync(), 'S'))
})

test('rejects a non-empty payload', () => {
  assert.throws(() => decodeSync(Buffer.from([1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
