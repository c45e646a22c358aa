import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { untypedPayloadOf } from '../testing/frames.ts'
import { decodeCancelRequest, encodeCancelRequest } from './cancel-request.ts'

test('round-trips', () => {
  const m = { processId: 4242, secret: Buffer.from([1, 2, 3, 4]) }
  assert.equal(decodeCancelRequest(untypedPayloadOf(encodeCancelRequest(m))), m)
})

test('accepts protocol 3.2 long secrets and rejects short ones', () => {
  const long = { processId: 7, secret: Buffer.alloc(32, 9) }
  assert.equal(decodeCancelRequest(untypedPayloadOf(encodeCancelRequest(long))), long)
  const short = untypedPayloadOf(encodeCancelRequest({ processId: 7, secret: Buffer.alloc(2) }))
  assert.throws(() => decodeCancelRequest(short), (e: unknown) => e instanceof ProtocolError)
})

test.run()
