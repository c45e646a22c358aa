// ErrorResponse (B 'E'): typed fields (S severity, V non-localized severity, C SQLSTATE, M message, D detail, H hint …).
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-ERRORRESPONSE
// @see https://www.postgresql.org/docs/current/protocol-error-fields.html
import type { ErrorFields, Severity } from '../errors.ts'
import { frame, WireReader, WireWriter } from '../wire.ts'

/** Every field by its one-letter code, as sent. */
export type FieldMap = Map<string, string>

export function decodeFields(payload: Buffer, what: string): FieldMap {
  const r = new WireReader(payload, what)
  const fields: FieldMap = new Map()
  for (let code = r.byte(); code !== 0; code = r.byte()) fields.set(String.fromCharCode(code), r.cstring())
  r.end()
  return fields
}

export function encodeFields(type: 'E' | 'N', fields: FieldMap): Buffer {
  const w = new WireWriter()
  // Messages may quote client bytes; a NUL would end the field early, so it is shown escaped instead.
  for (const [code, value] of fields) w.byte(code.charCodeAt(0)).cstring(value.replace(/\0/g, '\\0'))
  return frame(type, w.byte(0).payload())
}

export function fieldMapOf(e: ErrorFields): FieldMap {
  const m: FieldMap = new Map([['S', e.severity], ['V', e.severity], ['C', e.code], ['M', e.message]])
  if (e.detail !== undefined) m.set('D', e.detail)
  if (e.hint !== undefined) m.set('H', e.hint)
  return m
}

export function errorFieldsOf(m: FieldMap): ErrorFields {
  const severity = (m.get('V') ?? m.get('S') ?? 'ERROR') as Severity
  const e: ErrorFields = { severity, code: m.get('C') ?? 'XX000', message: m.get('M') ?? '' }
  if (m.has('D')) e.detail = m.get('D')
  if (m.has('H')) e.hint = m.get('H')
  return e
}

export function decodeErrorResponse(payload: Buffer): ErrorFields {
  return errorFieldsOf(decodeFields(payload, 'ErrorResponse'))
}

export function encodeErrorResponse(e: ErrorFields): Buffer {
  return encodeFields('E', fieldMapOf(e))
}
