// StartupMessage (F, startup phase): protocol version and name/value parameters (user, database, options …).
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-STARTUPMESSAGE
import { ProtocolError } from '../errors.ts'
import { untypedFrame, WireReader, WireWriter } from '../wire.ts'

export interface StartupMessage {
  /** major << 16 | minor; 196608 is 3.0. */
  protocol: number
  params: Map<string, string>
}

export function decodeStartupMessage(payload: Buffer): StartupMessage {
  const r = new WireReader(payload, 'StartupMessage')
  const protocol = r.int32()
  const params = new Map<string, string>()
  for (;;) {
    const name = r.text('parameter name')
    if (name === '') break
    if (params.has(name)) throw new ProtocolError(`StartupMessage: parameter "${name}" given twice`)
    params.set(name, r.text(`value of parameter ${name}`))
  }
  r.end()
  return { protocol, params }
}

export function encodeStartupMessage(m: StartupMessage): Buffer {
  const w = new WireWriter().int32(m.protocol)
  for (const [name, value] of m.params) w.cstring(name).cstring(value)
  return untypedFrame(w.byte(0).payload())
}
