// BindComplete (B '2'): a Bind succeeded.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-BINDCOMPLETE
import { ProtocolError } from '../errors.ts'
import { frame } from '../wire.ts'

export function decodeBindComplete(payload: Buffer): void {
  if (payload.length !== 0) throw new ProtocolError('BindComplete: expected an empty message')
}

export function encodeBindComplete(): Buffer {
  return frame('2')
}
