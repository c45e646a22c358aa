// PasswordMessage (F 'p'): the cleartext password; for Warden clients, the OIDC token.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-PASSWORDMESSAGE
import { frame, WireReader, WireWriter } from '../wire.ts'

export function decodePasswordMessage(payload: Buffer): string {
  const r = new WireReader(payload, 'PasswordMessage')
  const password = r.cstring()
  r.end()
  return password
}

export function encodePasswordMessage(password: string): Buffer {
  return frame('p', new WireWriter().cstring(password).payload())
}
