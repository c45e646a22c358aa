import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeNotificationResponse, encodeNotificationResponse } from './notification-response.ts'

test('round-trips', () => {
  const m = { processId: 4242, channel: 'jobs', payload: 'done: ñ' }
  assert.equal(decodeNotificationResponse(payloadOf(encodeNotificationResponse(m), 'A')), m)
})

test('rejects a missing payload', () => {
  assert.throws(() => decodeNotificationResponse(Buffer.from('\0\0\0\x01jobs\0')), (e: unknown) => e instanceof ProtocolError)
})

test.run()
