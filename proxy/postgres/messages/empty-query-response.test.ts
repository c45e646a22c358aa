import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeEmptyQueryResponse, encodeEmptyQueryResponse } from './empty-query-response.ts'

test('round-trips', () => {
  decodeEmptyQueryResponse(payloadOf(encodeEmptyQueryResponse(), 'I'))
})

test('rejects a non-empty payload', () => {
  assert.throws(() => decodeEmptyQueryResponse(Buffer.from([1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
