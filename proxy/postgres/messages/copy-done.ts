// CopyDone (F & B 'c'): end of a COPY data stream.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYDONE
import { ProtocolError } from '../errors.ts'
import { frame } from '../wire.ts'

export function decodeCopyDone(payload: Buffer): void {
  if (payload.length !== 0) throw new ProtocolError('CopyDone: expected an empty message')
}

export function encodeCopyDone(): Buffer {
  return frame('c')
}
