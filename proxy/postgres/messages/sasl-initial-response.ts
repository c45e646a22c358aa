// SASLInitialResponse (F 'p'): chosen mechanism and the client-first message, sent to the real server.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-SASLINITIALRESPONSE
import { frame, WireReader, WireWriter } from '../wire.ts'

export interface SaslInitialResponse {
  mechanism: string
  data: Buffer
}

export function decodeSaslInitialResponse(payload: Buffer): SaslInitialResponse {
  const r = new WireReader(payload, 'SASLInitialResponse')
  const mechanism = r.cstring()
  const len = r.int32()
  const data = len < 0 ? Buffer.alloc(0) : Buffer.from(r.bytes(len))
  r.end()
  return { mechanism, data }
}

export function encodeSaslInitialResponse(m: SaslInitialResponse): Buffer {
  return frame('p', new WireWriter().cstring(m.mechanism).int32(m.data.length).bytes(m.data).payload())
}
