// PortalSuspended (B 's'): Execute reached its row limit.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PORTALSUSPENDED
import { ProtocolError } from '../errors.ts'
import { frame } from '../wire.ts'

export function decodePortalSuspended(payload: Buffer): void {
  if (payload.length !== 0) throw new ProtocolError('PortalSuspended: expected an empty message')
}

export function encodePortalSuspended(): Buffer {
  return frame('s')
}
