// Execute (F 'E'): run a portal, returning at most maxRows rows (0 = all).
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-EXECUTE
import { frame, WireReader, WireWriter } from '../wire.ts'

export interface Execute {
  portal: string
  maxRows: number
}

export function decodeExecute(payload: Buffer): Execute {
  const r = new WireReader(payload, 'Execute')
  const portal = r.name('portal')
  const maxRows = r.int32()
  r.end()
  return { portal, maxRows }
}

export function encodeExecute(m: Execute): Buffer {
  return frame('E', new WireWriter().cstring(m.portal).int32(m.maxRows).payload())
}
