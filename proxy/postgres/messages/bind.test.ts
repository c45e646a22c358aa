import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeBind, encodeBind } from './bind.ts'

test('round-trips, with NULL and binary parameters', () => {
  const m = { portal: 'p', statement: 's1', paramFormats: [0, 1], params: [Buffer.from('42'), null, Buffer.from([0, 0, 0, 1])], resultFormats: [1] }
  assert.equal(decodeBind(payloadOf(encodeBind(m), 'B')), m)
})

test('rejects a negative value length other than -1', () => {
  const p = Buffer.from(payloadOf(encodeBind({ portal: '', statement: '', paramFormats: [], params: [Buffer.from('1')], resultFormats: [] }), 'B'))
  p.writeInt32BE(-5, 6)
  assert.throws(() => decodeBind(p), (e: unknown) => e instanceof ProtocolError)
})

test.run()
