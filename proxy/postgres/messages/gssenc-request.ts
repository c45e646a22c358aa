// GSSENCRequest (F, startup phase): asks for GSSAPI encryption; Warden always answers 'N'.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-GSSENCREQUEST
import { ProtocolError } from '../errors.ts'
import { untypedFrame, WireReader, WireWriter } from '../wire.ts'
import { GSSENC_REQUEST_CODE } from './startup-packet.ts'

export function decodeGssEncRequest(payload: Buffer): void {
  const r = new WireReader(payload, 'GSSENCRequest')
  if (r.int32() !== GSSENC_REQUEST_CODE) throw new ProtocolError('GSSENCRequest: wrong request code')
  r.end()
}

export function encodeGssEncRequest(): Buffer {
  return untypedFrame(new WireWriter().int32(GSSENC_REQUEST_CODE).payload())
}
