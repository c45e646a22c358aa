// Parse (F 'P'): create a prepared statement ('' = unnamed) from query text.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PARSE
import { frame, WireReader, WireWriter } from '../wire.ts'

export interface Parse {
  name: string
  text: string
  paramTypes: number[]
}

export function decodeParse(payload: Buffer): Parse {
  const r = new WireReader(payload, 'Parse')
  const name = r.name('prepared statement')
  const text = r.text('query text')
  const n = r.count(4)
  const paramTypes: number[] = []
  for (let i = 0; i < n; i++) paramTypes.push(r.int32() >>> 0)
  r.end()
  return { name, text, paramTypes }
}

export function encodeParse(m: Parse): Buffer {
  const w = new WireWriter().cstring(m.name).cstring(m.text).int16(m.paramTypes.length)
  for (const t of m.paramTypes) w.int32(t)
  return frame('P', w.payload())
}
