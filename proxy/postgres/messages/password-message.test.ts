import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodePasswordMessage, encodePasswordMessage } from './password-message.ts'

test('round-trips', () => {
  assert.is(decodePasswordMessage(payloadOf(encodePasswordMessage('eyJ.token'), 'p')), 'eyJ.token')
})

test('rejects a missing terminator', () => {
  assert.throws(() => decodePasswordMessage(Buffer.from('abc')), (e: unknown) => e instanceof ProtocolError)
})

test.run()
