import { test } from 'uvu'
import * as assert from 'uvu/assert'
import { ProtocolError } from '../errors.ts'
import { untypedPayloadOf } from '../testing/frames.ts'
import { encodeCancelRequest } from './cancel-request.ts'
import { encodeGssEncRequest } from './gssenc-request.ts'
import { encodeSslRequest } from './ssl-request.ts'
import { encodeStartupMessage } from './startup-message.ts'
import { startupPacketKind } from './startup-packet.ts'

test('tells startup packets apart by request code', () => {
  assert.is(startupPacketKind(untypedPayloadOf(encodeSslRequest())), 'ssl')
  assert.is(startupPacketKind(untypedPayloadOf(encodeGssEncRequest())), 'gssenc')
  assert.is(startupPacketKind(untypedPayloadOf(encodeCancelRequest({ processId: 1, secret: Buffer.alloc(4) }))), 'cancel')
  assert.is(startupPacketKind(untypedPayloadOf(encodeStartupMessage({ protocol: 196608, params: new Map() }))), 'startup')
})

test('rejects a packet too short for a code', () => {
  assert.throws(() => startupPacketKind(Buffer.from([0, 1])), (e: unknown) => e instanceof ProtocolError)
})

test.run()
