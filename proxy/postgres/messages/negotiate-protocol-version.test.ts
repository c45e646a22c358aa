import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeNegotiateProtocolVersion, encodeNegotiateProtocolVersion } from './negotiate-protocol-version.ts'

test('round-trips', () => {
  const m = { newestMinor: 0, unrecognized: ['_pq_.compression'] }
  assert.equal(decodeNegotiateProtocolVersion(payloadOf(encodeNegotiateProtocolVersion(m), 'v')), m)
})

test('rejects an option count larger than the message', () => {
  assert.throws(() => decodeNegotiateProtocolVersion(Buffer.from([0, 0, 0, 0, 0, 0, 0, 5])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
