import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeBindComplete, encodeBindComplete } from './bind-complete.ts'

test('round-trips', () => {
  decodeBindComplete(payloadOf(encodeBindComplete(), '2'))
})

test('rejects a non-empty payload', () => {
  assert.throws(() => decodeBindComplete(Buffer.from([1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
