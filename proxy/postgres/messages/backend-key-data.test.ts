import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeBackendKeyData, encodeBackendKeyData } from './backend-key-data.ts'

test('round-trips', () => {
  const m = { processId: 1234, secret: Buffer.from([9, 8, 7, 6]) }
  assert.equal(decodeBackendKeyData(payloadOf(encodeBackendKeyData(m), 'K')), m)
})

test('rejects a missing secret', () => {
  assert.throws(() => decodeBackendKeyData(Buffer.from([0, 0, 0, 1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
