import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeErrorResponse, decodeFields, encodeErrorResponse } from './error-response.ts'

test('round-trips', () => {
  const e = { severity: 'ERROR' as const, code: '42501', message: 'warden: denied: no', detail: 'd', hint: 'h' }
  assert.equal(decodeErrorResponse(payloadOf(encodeErrorResponse(e), 'E')), e)
})

test('escapes NUL characters instead of failing', () => {
  const e = { severity: 'FATAL' as const, code: '08P01', message: 'bad type "\0"' }
  assert.is(decodeErrorResponse(payloadOf(encodeErrorResponse(e), 'E')).message, 'bad type "\\0"')
})

test('keeps fields it does not model and rejects a missing terminator', () => {
  const fields = decodeFields(Buffer.from('SERROR\0C25P02\0Mx\0Ppos\0\0'), 'ErrorResponse')
  assert.is(fields.get('P'), 'pos')
  assert.throws(() => decodeFields(Buffer.from('SERROR\0'), 'ErrorResponse'), (e: unknown) => e instanceof ProtocolError)
})

test.run()
