import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { payloadOf } from '../testing/frames.ts'
import { decodeRowDescription, encodeRowDescription } from './row-description.ts'

test('round-trips', () => {
  const fields = [
    { name: 'email', tableOid: 16384, attnum: 3, typeOid: 25, typeSize: -1, typeModifier: -1, format: 0 },
    { name: '?column?', tableOid: 0, attnum: 0, typeOid: 23, typeSize: 4, typeModifier: -1, format: 1 },
  ]
  assert.equal(decodeRowDescription(payloadOf(encodeRowDescription(fields), 'T')), fields)
})

test('rejects a field count larger than the message', () => {
  assert.throws(() => decodeRowDescription(Buffer.from([0, 9, 0])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
