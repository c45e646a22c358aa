// CloseComplete (B '3'): a Close succeeded.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-CLOSECOMPLETE
import { ProtocolError } from '../errors.ts'
import { frame } from '../wire.ts'

export function decodeCloseComplete(payload: Buffer): void {
  if (payload.length !== 0) throw new ProtocolError('CloseComplete: expected an empty message')
}

export function encodeCloseComplete(): Buffer {
  return frame('3')
}
