// CancelRequest (F, startup phase, on a new connection): process id and secret key of the session to cancel.
// Protocol 3.2 allows secrets longer than four bytes; they are accepted and matched as bytes.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-CANCELREQUEST
import { ProtocolError } from '../errors.ts'
import { untypedFrame, WireReader, WireWriter } from '../wire.ts'
import { CANCEL_REQUEST_CODE } from './startup-packet.ts'

export interface CancelRequest {
  processId: number
  secret: Buffer
}

export function decodeCancelRequest(payload: Buffer): CancelRequest {
  const r = new WireReader(payload, 'CancelRequest')
  if (r.int32() !== CANCEL_REQUEST_CODE) throw new ProtocolError('CancelRequest: wrong request code')
  const processId = r.int32()
  const secret = Buffer.from(r.rest())
  if (secret.length < 4 || secret.length > 256) throw new ProtocolError(`CancelRequest: secret key of ${secret.length} bytes`)
  return { processId, secret }
}

export function encodeCancelRequest(m: CancelRequest): Buffer {
  return untypedFrame(new WireWriter().int32(CANCEL_REQUEST_CODE).int32(m.processId).bytes(m.secret).payload())
}
