import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeParse, encodeParse } from './parse.ts'

test('round-trips', () => {
  const m = { name: 's1', text: 'SELECT $1::int', paramTypes: [23, 4294967295] }
  assert.equal(decodeParse(payloadOf(encodeParse(m), 'P')), m)
})

test('rejects a parameter count larger than the message', () => {
  const p = Buffer.from(payloadOf(encodeParse({ name: '', text: 'x', paramTypes: [] }), 'P'))
  p.writeInt16BE(1000, p.length - 2)
  assert.throws(() => decodeParse(p), (e: unknown) => e instanceof ProtocolError)
})

test.run()
