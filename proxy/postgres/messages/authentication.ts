// Authentication* (B 'R'): the server's authentication requests and its final AuthenticationOk.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-AUTHENTICATIONOK
import { ProtocolError } from '../errors.ts'
import { frame, WireReader, WireWriter } from '../wire.ts'

export type Authentication =
  | { kind: 'ok' }
  | { kind: 'cleartext' }
  | { kind: 'md5'; salt: Buffer }
  | { kind: 'sasl'; mechanisms: string[] }
  | { kind: 'sasl-continue'; data: Buffer }
  | { kind: 'sasl-final'; data: Buffer }
  /** Kerberos, GSS, SSPI …: decoded so the caller can refuse them by name. */
  | { kind: 'other'; code: number }

const CODES = { ok: 0, cleartext: 3, md5: 5, sasl: 10, 'sasl-continue': 11, 'sasl-final': 12 } as const

export function decodeAuthentication(payload: Buffer): Authentication {
  const r = new WireReader(payload, 'Authentication')
  const code = r.int32()
  let m: Authentication
  switch (code) {
    case 0: m = { kind: 'ok' }; break
    case 3: m = { kind: 'cleartext' }; break
    case 5: m = { kind: 'md5', salt: Buffer.from(r.bytes(4)) }; break
    case 10: {
      const mechanisms: string[] = []
      for (let name = r.cstring(); name !== ''; name = r.cstring()) mechanisms.push(name)
      m = { kind: 'sasl', mechanisms }
      break
    }
    case 11: m = { kind: 'sasl-continue', data: Buffer.from(r.rest()) }; break
    case 12: m = { kind: 'sasl-final', data: Buffer.from(r.rest()) }; break
    default:
      if (code < 0) throw new ProtocolError(`Authentication: invalid request code ${code}`)
      r.rest()
      m = { kind: 'other', code }
  }
  r.end()
  return m
}

export function encodeAuthentication(m: Authentication): Buffer {
  if (m.kind === 'other') return frame('R', new WireWriter().int32(m.code).payload())
  const w = new WireWriter().int32(CODES[m.kind])
  if (m.kind === 'md5') w.bytes(m.salt)
  if (m.kind === 'sasl') {
    for (const name of m.mechanisms) w.cstring(name)
    w.byte(0)
  }
  if (m.kind === 'sasl-continue' || m.kind === 'sasl-final') w.bytes(m.data)
  return frame('R', w.payload())
}
