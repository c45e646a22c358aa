import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeClose, encodeClose } from './close.ts'

test('round-trips', () => {
  assert.equal(decodeClose(payloadOf(encodeClose({ kind: 'S', name: 's1' }), 'C')), { kind: 'S', name: 's1' })
})

test('rejects an unknown target type', () => {
  assert.throws(() => decodeClose(Buffer.from('Q\0')), (e: unknown) => e instanceof ProtocolError)
})

test.run()
