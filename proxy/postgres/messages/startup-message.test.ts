import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { untypedPayloadOf } from '../testing/frames.ts'
import { decodeStartupMessage, encodeStartupMessage } from './startup-message.ts'

test('round-trips', () => {
  const m = { protocol: 196608, params: new Map([['user', 'cursor'], ['database', 'prod-db'], ['application_name', 'psql']]) }
  assert.equal(decodeStartupMessage(untypedPayloadOf(encodeStartupMessage(m))), m)
})

test('rejects a missing terminator and duplicated parameters', () => {
  const p = untypedPayloadOf(encodeStartupMessage({ protocol: 196608, params: new Map([['user', 'x']]) }))
  assert.throws(() => decodeStartupMessage(p.subarray(0, p.length - 1)), (e: unknown) => e instanceof ProtocolError)
  const dup = Buffer.concat([p.subarray(0, p.length - 1), Buffer.from('user\0y\0\0')])
  assert.throws(() => decodeStartupMessage(dup), (e: unknown) => e instanceof ProtocolError)
})

test.run()
