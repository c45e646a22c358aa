import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeParameterStatus, encodeParameterStatus } from './parameter-status.ts'

test('round-trips', () => {
  const m = { name: 'server_version', value: '15.8' }
  assert.equal(decodeParameterStatus(payloadOf(encodeParameterStatus(m), 'S')), m)
})

test('rejects a missing value', () => {
  assert.throws(() => decodeParameterStatus(Buffer.from('name\0')), (e: unknown) => e instanceof ProtocolError)
})

test.run()
