// Sync (F 'S'): ends an extended-query batch; the server answers ReadyForQuery.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-SYNC
import { ProtocolError } from '../errors.ts'
import { frame } from '../wire.ts'

export function decodeSync(payload: Buffer): void {
  if (payload.length !== 0) throw new ProtocolError('Sync: expected an empty message')
}

export function encodeSync(): Buffer {
  return frame('S')
}
