import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeNoData, encodeNoData } from './no-data.ts'

test('round-trips', () => {
  decodeNoData(payloadOf(encodeNoData(), 'n'))
})

test('rejects a non-empty payload', () => {
  assert.throws(() => decodeNoData(Buffer.from([1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
