// SASLResponse (F 'p'): a later SASL message (the SCRAM client-final message).
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-SASLRESPONSE
import { frame } from '../wire.ts'

export function decodeSaslResponse(payload: Buffer): Buffer {
  return Buffer.from(payload)
}

export function encodeSaslResponse(data: Buffer): Buffer {
  return frame('p', data)
}
