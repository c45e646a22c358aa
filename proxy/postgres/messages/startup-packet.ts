// The startup-phase packets have no type byte; an int32 request code tells them apart.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-STARTUPMESSAGE
import { ProtocolError } from '../errors.ts'

export const SSL_REQUEST_CODE = 80877103
export const GSSENC_REQUEST_CODE = 80877104
export const CANCEL_REQUEST_CODE = 80877102
/** Protocol 3.0: major 3 in the high 16 bits. */
export const PROTOCOL_3_0 = 196608

export type StartupPacketKind = 'ssl' | 'gssenc' | 'cancel' | 'startup'

/** Classifies a startup-phase payload (the bytes after the length word). */
export function startupPacketKind(payload: Buffer): StartupPacketKind {
  if (payload.length < 4) throw new ProtocolError('startup packet is too short')
  const code = payload.readInt32BE(0)
  switch (code) {
    case SSL_REQUEST_CODE: return 'ssl'
    case GSSENC_REQUEST_CODE: return 'gssenc'
    case CANCEL_REQUEST_CODE: return 'cancel'
    default: return 'startup'
  }
}
