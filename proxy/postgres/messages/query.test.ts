import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeQuery, encodeQuery } from './query.ts'

test('round-trips, including multi-byte text', () => {
  assert.is(decodeQuery(payloadOf(encodeQuery('SELECT \'héllo\'; SELECT 2'), 'Q')), "SELECT 'héllo'; SELECT 2")
})

test('rejects trailing bytes after the terminator', () => {
  assert.throws(() => decodeQuery(Buffer.from('SELECT 1\0x')), (e: unknown) => e instanceof ProtocolError)
})

test.run()
