import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeSaslInitialResponse, encodeSaslInitialResponse } from './sasl-initial-response.ts'

test('round-trips', () => {
  const m = { mechanism: 'SCRAM-SHA-256', data: Buffer.from('n,,n=*,r=abc') }
  assert.equal(decodeSaslInitialResponse(payloadOf(encodeSaslInitialResponse(m), 'p')), m)
})

test('rejects a length beyond the message', () => {
  const p = Buffer.from(payloadOf(encodeSaslInitialResponse({ mechanism: 'X', data: Buffer.from('ab') }), 'p'))
  p.writeInt32BE(99, 2)
  assert.throws(() => decodeSaslInitialResponse(p), (e: unknown) => e instanceof ProtocolError)
})

test.run()
