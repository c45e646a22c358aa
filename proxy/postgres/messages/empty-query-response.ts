// EmptyQueryResponse (B 'I'): the query string was empty.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-EMPTYQUERYRESPONSE
import { ProtocolError } from '../errors.ts'
import { frame } from '../wire.ts'

export function decodeEmptyQueryResponse(payload: Buffer): void {
  if (payload.length !== 0) throw new ProtocolError('EmptyQueryResponse: expected an empty message')
}

export function encodeEmptyQueryResponse(): Buffer {
  return frame('I')
}
