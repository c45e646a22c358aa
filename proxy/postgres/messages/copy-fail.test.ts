import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeCopyFail, encodeCopyFail } from './copy-fail.ts'

test('round-trips', () => {
  assert.is(decodeCopyFail(payloadOf(encodeCopyFail('aborted by user'), 'f')), 'aborted by user')
})

test('rejects a missing terminator', () => {
  assert.throws(() => decodeCopyFail(Buffer.from('x')), (e: unknown) => e instanceof ProtocolError)
})

test.run()
