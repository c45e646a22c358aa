import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeParseComplete, encodeParseComplete } from './parse-complete.ts'

test('round-trips', () => {
  decodeParseComplete(payloadOf(encodeParseComplete(), '1'))
})

test('rejects a non-empty payload', () => {
  assert.throws(() => decodeParseComplete(Buffer.from([1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
