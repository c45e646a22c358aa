import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodePortalSuspended, encodePortalSuspended } from './portal-suspended.ts'

test('round-trips', () => {
  decodePortalSuspended(payloadOf(encodePortalSuspended(), 's'))
})

test('rejects a non-empty payload', () => {
  assert.throws(() => decodePortalSuspended(Buffer.from([1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
