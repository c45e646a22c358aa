// NegotiateProtocolVersion (B 'v'): the newest minor version supported and the protocol options not recognised.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NEGOTIATEPROTOCOLVERSION
import { frame, WireReader, WireWriter } from '../wire.ts'

export interface NegotiateProtocolVersion {
  newestMinor: number
  unrecognized: string[]
}

export function decodeNegotiateProtocolVersion(payload: Buffer): NegotiateProtocolVersion {
  const r = new WireReader(payload, 'NegotiateProtocolVersion')
  const newestMinor = r.int32()
  const n = r.int32()
  const unrecognized: string[] = []
  for (let i = 0; i < n; i++) unrecognized.push(r.cstring())
  r.end()
  return { newestMinor, unrecognized }
}

export function encodeNegotiateProtocolVersion(m: NegotiateProtocolVersion): Buffer {
  const w = new WireWriter().int32(m.newestMinor).int32(m.unrecognized.length)
  for (const o of m.unrecognized) w.cstring(o)
  return frame('v', w.payload())
}
