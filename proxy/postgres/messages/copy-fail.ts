// CopyFail (F 'f'): the client aborts COPY FROM STDIN with a reason.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-COPYFAIL
import { frame, WireReader, WireWriter } from '../wire.ts'

export function decodeCopyFail(payload: Buffer): string {
  const r = new WireReader(payload, 'CopyFail')
  const reason = r.cstring()
  r.end()
  return reason
}

export function encodeCopyFail(reason: string): Buffer {
  return frame('f', new WireWriter().cstring(reason).payload())
}
