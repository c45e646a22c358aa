import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeReadyForQuery, encodeReadyForQuery } from './ready-for-query.ts'

test('round-trips every status', () => {
  for (const s of ['I', 'T', 'E'] as const) assert.is(decodeReadyForQuery(payloadOf(encodeReadyForQuery(s), 'Z')), s)
})

test('rejects an unknown status', () => {
  assert.throws(() => decodeReadyForQuery(Buffer.from('X')), (e: unknown) => e instanceof ProtocolError)
})

test.run()
