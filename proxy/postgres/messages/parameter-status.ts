// ParameterStatus (B 'S'): the current value of a run-time parameter the client should know about.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PARAMETERSTATUS
import { frame, WireReader, WireWriter } from '../wire.ts'

export interface ParameterStatus {
  name: string
  value: string
}

export function decodeParameterStatus(payload: Buffer): ParameterStatus {
  const r = new WireReader(payload, 'ParameterStatus')
  const name = r.cstring()
  const value = r.cstring()
  r.end()
  return { name, value }
}

export function encodeParameterStatus(m: ParameterStatus): Buffer {
  return frame('S', new WireWriter().cstring(m.name).cstring(m.value).payload())
}
