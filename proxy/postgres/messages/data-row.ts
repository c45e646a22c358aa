// DataRow (B 'D'): one result row; each value is length-prefixed, -1 for NULL.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-DATAROW
import { frame, WireReader } from '../wire.ts'

export function decodeDataRow(payload: Buffer): (Buffer | null)[] {
  const r = new WireReader(payload, 'DataRow')
  const values: (Buffer | null)[] = []
  for (let i = 0, n = r.count(4); i < n; i++) {
    const len = r.int32()
    values.push(len === -1 ? null : r.bytes(len))
  }
  r.end()
  return values
}

export function encodeDataRow(values: (Buffer | null)[]): Buffer {
  let size = 2
  for (const v of values) size += 4 + (v ? v.length : 0)
  const payload = Buffer.allocUnsafe(size)
  let at = payload.writeInt16BE(values.length, 0)
  for (const v of values) {
    if (v === null) {
      at = payload.writeInt32BE(-1, at)
    } else {
      at = payload.writeInt32BE(v.length, at)
      at += v.copy(payload, at)
    }
  }
  return frame('D', payload)
}
