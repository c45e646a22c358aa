// FunctionCall (F 'F'): the legacy fast-path call of a function by OID. It carries no SQL text to judge.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-FUNCTIONCALL
import { frame, WireReader, WireWriter } from '../wire.ts'

export interface FunctionCall {
  functionOid: number
  argFormats: number[]
  args: (Buffer | null)[]
  resultFormat: number
}

export function decodeFunctionCall(payload: Buffer): FunctionCall {
  const r = new WireReader(payload, 'FunctionCall')
  const functionOid = r.int32() >>> 0
  const argFormats: number[] = []
  for (let i = 0, n = r.count(2); i < n; i++) argFormats.push(r.int16())
  const args: (Buffer | null)[] = []
  for (let i = 0, n = r.count(4); i < n; i++) {
    const len = r.int32()
    args.push(len === -1 ? null : r.bytes(len))
  }
  const resultFormat = r.int16()
  r.end()
  return { functionOid, argFormats, args, resultFormat }
}

export function encodeFunctionCall(m: FunctionCall): Buffer {
  const w = new WireWriter().int32(m.functionOid).int16(m.argFormats.length)
  for (const f of m.argFormats) w.int16(f)
  w.int16(m.args.length)
  for (const a of m.args) {
    if (a === null) w.int32(-1)
    else w.int32(a.length).bytes(a)
  }
  return frame('F', w.int16(m.resultFormat).payload())
}
