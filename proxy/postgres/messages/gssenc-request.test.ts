import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { untypedPayloadOf } from '../testing/frames.ts'
import { decodeGssEncRequest, encodeGssEncRequest } from './gssenc-request.ts'

test('round-trips', () => {
  decodeGssEncRequest(untypedPayloadOf(encodeGssEncRequest()))
})

test('rejects trailing bytes', () => {
  const p = Buffer.concat([untypedPayloadOf(encodeGssEncRequest()), Buffer.from([1])])
  assert.throws(() => decodeGssEncRequest(p), (e: unknown) => e instanceof ProtocolError)
})

test.run()
