// NoticeResponse (B 'N'): same fields as ErrorResponse, informational; the gateway uses it for approval holds.
// @see https://www.postgresql.org/docs/current/protocol-message-formats.html#PROTOCOL-MESSAGE-FORMATS-NOTICERESPONSE
import type { ErrorFields } from '../errors.ts'
import { decodeFields, encodeFields, errorFieldsOf, fieldMapOf } from './error-response.ts'

export function decodeNoticeResponse(payload: Buffer): ErrorFields {
  return errorFieldsOf(decodeFields(payload, 'NoticeResponse'))
}

export function encodeNoticeResponse(n: ErrorFields): Buffer {
  return encodeFields('N', fieldMapOf(n))
}
