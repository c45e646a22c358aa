// ReadyForQuery (B 'Z'): the server is idle; 'I' outside a transaction, 'T' in one, 'E' in a failed one.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-READYFORQUERY
import { ProtocolError } from '../errors.ts'
import { frame, WireReader } from '../wire.ts'

export type TransactionStatus = 'I' | 'T' | 'E'

export function decodeReadyForQuery(payload: Buffer): TransactionStatus {
  const r = new WireReader(payload, 'ReadyForQuery')
  const status = String.fromCharCode(r.byte())
  r.end()
  if (status !== 'I' && status !== 'T' && status !== 'E') throw new ProtocolError(`ReadyForQuery: invalid status "${status}"`)
  return status
}

export function encodeReadyForQuery(status: TransactionStatus): Buffer {
  return frame('Z', Buffer.from(status))
}
