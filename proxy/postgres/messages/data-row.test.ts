import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeDataRow, encodeDataRow } from './data-row.ts'

test('round-trips, with NULL and empty values', () => {
  const values = [Buffer.from('ada@example.com'), null, Buffer.alloc(0)]
  assert.equal(decodeDataRow(payloadOf(encodeDataRow(values), 'D')), values)
})

test('rejects a value longer than the message', () => {
  assert.throws(() => decodeDataRow(Buffer.from([0, 1, 0, 0, 0, 9, 1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
