// Query (F 'Q'): a simple-protocol query string, possibly several statements.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-QUERY
import { frame, WireReader, WireWriter } from '../wire.ts'

export function decodeQuery(payload: Buffer): string {
  const r = new WireReader(payload, 'Query')
  const text = r.text('query text')
  r.end()
  return text
}

export function encodeQuery(text: string): Buffer {
  return frame('Q', new WireWriter().cstring(text).payload())
}
