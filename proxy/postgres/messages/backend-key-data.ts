// BackendKeyData (B 'K'): process id and secret key a client uses to cancel its queries.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-BACKENDKEYDATA
import { ProtocolError } from '../errors.ts'
import { frame, WireReader, WireWriter } from '../wire.ts'

export interface BackendKeyData {
  processId: number
  secret: Buffer
}

export function decodeBackendKeyData(payload: Buffer): BackendKeyData {
  const r = new WireReader(payload, 'BackendKeyData')
  const processId = r.int32()
  const secret = Buffer.from(r.rest())
  if (secret.length < 4 || secret.length > 256) throw new ProtocolError(`BackendKeyData: secret key of ${secret.length} bytes`)
  return { processId, secret }
}

export function encodeBackendKeyData(m: BackendKeyData): Buffer {
  return frame('K', new WireWriter().int32(m.processId).bytes(m.secret).payload())
}
