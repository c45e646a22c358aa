// Describe (F 'D'): ask for the shape of a prepared statement ('S') or a portal ('P').
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DESCRIBE
import { ProtocolError } from '../errors.ts'
import { frame, WireReader, WireWriter } from '../wire.ts'

export interface Describe {
  kind: 'S' | 'P'
  name: string
}

export function decodeDescribe(payload: Buffer): Describe {
  const r = new WireReader(payload, 'Describe')
  const kind = String.fromCharCode(r.byte())
  if (kind !== 'S' && kind !== 'P') throw new ProtocolError(`Describe: invalid target type "${kind}"`)
  const name = r.name(kind === 'S' ? 'prepared statement' : 'portal')
  r.end()
  return { kind, name }
}

export function encodeDescribe(m: Describe): Buffer {
  return frame('D', new WireWriter().byte(m.kind.charCodeAt(0)).cstring(m.name).payload())
}
