// SSLRequest (F, startup phase): asks to switch to TLS; answered with one byte, 'S' or 'N'.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-SSLREQUEST
import { ProtocolError } from '../errors.ts'
import { untypedFrame, WireReader, WireWriter } from '../wire.ts'
import { SSL_REQUEST_CODE } from './startup-packet.ts'

export function decodeSslRequest(payload: Buffer): void {
  const r = new WireReader(payload, 'SSLRequest')
  if (r.int32() !== SSL_REQUEST_CODE) throw new ProtocolError('SSLRequest: wrong request code')
  r.end()
}

export function encodeSslRequest(): Buffer {
  return untypedFrame(new WireWriter().int32(SSL_REQUEST_CODE).payload())
}

/** The single-byte answer: 'S' (TLS follows) or 'N' (continue in plaintext). */
export function encodeSslResponse(accept: boolean): Buffer {
  return Buffer.from(accept ? 'S' : 'N')
}
