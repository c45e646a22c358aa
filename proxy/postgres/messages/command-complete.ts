// CommandComplete (B 'C'): the command tag, e.g. "SELECT 3", "INSERT 0 1", "PREPARE".
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COMMANDCOMPLETE
import { frame, WireReader, WireWriter } from '../wire.ts'

export function decodeCommandComplete(payload: Buffer): string {
  const r = new WireReader(payload, 'CommandComplete')
  const tag = r.cstring()
  r.end()
  return tag
}

export function encodeCommandComplete(tag: string): Buffer {
  return frame('C', new WireWriter().cstring(tag).payload())
}

/** Rows affected or returned, from the tag's last word when numeric. */
export function rowCountOf(tag: string): number | undefined {
  const last = tag.slice(tag.lastIndexOf(' ') + 1)
  return /^\d+$/.test(last) ? Number(last) : undefined
}
