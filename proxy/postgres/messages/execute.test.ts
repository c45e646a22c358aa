import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeExecute, encodeExecute } from './execute.ts'

test('round-trips', () => {
  assert.equal(decodeExecute(payloadOf(encodeExecute({ portal: 'p', maxRows: 100 }), 'E')), { portal: 'p', maxRows: 100 })
})

test('rejects a truncated row limit', () => {
  assert.throws(() => decodeExecute(Buffer.from('p\0\0\0')), (e: unknown) => e instanceof ProtocolError)
})

test.run()
