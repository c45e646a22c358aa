// Flush (F 'H'): asks the server to send what it has without ending the batch.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-FLUSH
import { ProtocolError } from '../errors.ts'
import { frame } from '../wire.ts'

export function decodeFlush(payload: Buffer): void {
  if (payload.length !== 0) throw new ProtocolError('Flush: expected an empty message')
}

export function encodeFlush(): Buffer {
  return frame('H')
}
