// NoData (B 'n'): the described statement or portal returns no rows.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NODATA
import { ProtocolError } from '../errors.ts'
import { frame } from '../wire.ts'

export function decodeNoData(payload: Buffer): void {
  if (payload.length !== 0) throw new ProtocolError('NoData: expected an empty message')
}

export function encodeNoData(): Buffer {
  return frame('n')
}
