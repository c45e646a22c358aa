// CopyData (F & B 'd'): a chunk of COPY data stream.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYDATA
import { frame } from '../wire.ts'

export function decodeCopyData(payload: Buffer): Buffer {
  return payload
}

export function encodeCopyData(data: Buffer): Buffer {
  return frame('d', data)
}
