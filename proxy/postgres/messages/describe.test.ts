import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeDescribe, encodeDescribe } from './describe.ts'

test('round-trips', () => {
  assert.equal(decodeDescribe(payloadOf(encodeDescribe({ kind: 'P', name: 'c1' }), 'D')), { kind: 'P', name: 'c1' })
  assert.equal(decodeDescribe(payloadOf(encodeDescribe({ kind: 'S', name: '' }), 'D')), { kind: 'S', name: '' })
})

test('rejects an unknown target type', () => {
  assert.throws(() => decodeDescribe(Buffer.from('X\0')), (e: unknown) => e instanceof ProtocolError)
})

test.run()
