import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeCopyDone, encodeCopyDone } from './copy-done.ts'

test('round-trips', () => {
  decodeCopyDone(payloadOf(encodeCopyDone(), 'c'))
})

test('rejects a non-empty payload', () => {
  assert.throws(() => decodeCopyDone(Buffer.from([1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
