// Bind (F 'B'): create a portal from a prepared statement with parameter values and result formats.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-BIND
import { frame, WireReader, WireWriter } from '../wire.ts'

export interface Bind {
  portal: string
  statement: string
  paramFormats: number[]
  /** null is SQL NULL. */
  params: (Buffer | null)[]
  resultFormats: number[]
}

export function decodeBind(payload: Buffer): Bind {
  const r = new WireReader(payload, 'Bind')
  const portal = r.name('portal')
  const statement = r.name('prepared statement')
  const paramFormats: number[] = []
  for (let i = 0, n = r.count(2); i < n; i++) paramFormats.push(r.int16())
  const params: (Buffer | null)[] = []
  for (let i = 0, n = r.count(4); i < n; i++) {
    const len = r.int32()
    params.push(len === -1 ? null : r.bytes(len))
  }
  const resultFormats: number[] = []
  for (let i = 0, n = r.count(2); i < n; i++) resultFormats.push(r.int16())
  r.end()
  return { portal, statement, paramFormats, params, resultFormats }
}

export function encodeBind(m: Bind): Buffer {
  const w = new WireWriter().cstring(m.portal).cstring(m.statement).int16(m.paramFormats.length)
  for (const f of m.paramFormats) w.int16(f)
  w.int16(m.params.length)
  for (const p of m.params) {
    if (p === null) w.int32(-1)
    else w.int32(p.length).bytes(p)
  }
  w.int16(m.resultFormats.length)
  for (const f of m.resultFormats) w.int16(f)
  return frame('B', w.payload())
}
