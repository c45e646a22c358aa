// Close (F 'C'): close a prepared statement ('S') or a portal ('P').
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-CLOSE
import { ProtocolError } from '../errors.ts'
import { frame, WireReader, WireWriter } from '../wire.ts'

export interface Close {
  kind: 'S' | 'P'
  name: string
}

export function decodeClose(payload: Buffer): Close {
  const r = new WireReader(payload, 'Close')
  const kind = String.fromCharCode(r.byte())
  if (kind !== 'S' && kind !== 'P') throw new ProtocolError(`Close: invalid target type "${kind}"`)
  const name = r.name(kind === 'S' ? 'prepared statement' : 'portal')
  r.end()
  return { kind, name }
}

export function encodeClose(m: Close): Buffer {
  return frame('C', new WireWriter().byte(m.kind.charCodeAt(0)).cstring(m.name).payload())
}
