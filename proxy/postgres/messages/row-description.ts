// RowDescription (B 'T'): one entry per result column, with the source table OID and attribute number.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-ROWDESCRIPTION
import { frame, WireReader, WireWriter } from '../wire.ts'

export interface FieldDescription {
  name: string
  /** 0 when the column is not a plain table column (computed). */
  tableOid: number
  attnum: number
  typeOid: number
  typeSize: number
  typeModifier: number
  /** 0 text, 1 binary. */
  format: number
}

export function decodeRowDescription(payload: Buffer): FieldDescription[] {
  const r = new WireReader(payload, 'RowDescription')
  const fields: FieldDescription[] = []
  for (let i = 0, n = r.count(19); i < n; i++) {
    fields.push({
      name: r.cstring(),
      tableOid: r.int32() >>> 0,
      attnum: r.int16(),
      typeOid: r.int32() >>> 0,
      typeSize: r.int16(),
      typeModifier: r.int32(),
      format: r.int16(),
    })
  }
  r.end()
  return fields
}

export function encodeRowDescription(fields: FieldDescription[]): Buffer {
  const w = new WireWriter().int16(fields.length)
  for (const f of fields) {
    w.cstring(f.name).int32(f.tableOid).int16(f.attnum).int32(f.typeOid).int16(f.typeSize).int32(f.typeModifier).int16(f.format)
  }
  return frame('T', w.payload())
}
