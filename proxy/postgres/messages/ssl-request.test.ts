import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { untypedPayloadOf } from '../testing/frames.ts'
import { decodeSslRequest, encodeSslRequest, encodeSslResponse } from './ssl-request.ts'

test('round-trips', () => {
  decodeSslRequest(untypedPayloadOf(encodeSslRequest()))
  assert.equal(encodeSslResponse(true).toString(), 'S')
  assert.equal(encodeSslResponse(false).toString(), 'N')
})

test('rejects another request code', () => {
  assert.throws(() => decodeSslRequest(Buffer.from([0, 0, 0, 1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
