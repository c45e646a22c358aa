// Terminate (F 'X'): the client is closing the connection.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-TERMINATE
import { ProtocolError } from '../errors.ts'
import { frame } from '../wire.ts'

export function decodeTerminate(payload: Buffer): void {
  if (payload.length !== 0) throw new ProtocolError('Terminate: expected an empty message')
}

export function encodeTerminate(): Buffer {
  return frame('X')
}
