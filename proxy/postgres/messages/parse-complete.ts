// ParseComplete (B '1'): a Parse succeeded.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PARSECOMPLETE
import { ProtocolError } from '../errors.ts'
import { frame } from '../wire.ts'

export function decodeParseComplete(payload: Buffer): void {
  if (payload.length !== 0) throw new ProtocolError('ParseComplete: expected an empty message')
}

export function encodeParseComplete(): Buffer {
  return frame('1')
}
