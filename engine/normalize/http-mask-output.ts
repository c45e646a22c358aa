// Mask output a request writes outside its body: S3 and Cloud Storage store object metadata and tags sent as
// headers (x-amz-meta-*, x-goog-meta-*, x-amz-tagging), which answers bring back masked, and an API may take a
// value as a query parameter. A header is read as sent and at every step of undoing its encodings: RFC 2047
// encoded-words (S3's form of non-ASCII metadata) and percent-escapes (x-amz-tagging is a form).
import { decodedHeaderForms } from '../obligations/mask/header-text.ts'
import { isMaskOutput } from './mask-output.ts'

/** A header as sent, or as read at any step of undoing its encodings (header-text.ts). */
const headerCarries = (value: string): boolean => isMaskOutput(value) || decodedHeaderForms(value).some(isMaskOutput)

/** Whether a header value or a query value (already decoded, not redacted) holds mask output. */
export function queryOrHeadersCarry(
  query: Record<string, string[]>,
  headers: Record<string, string | string[] | undefined> | undefined | null,
): boolean {
  for (const values of Object.values(query)) if (values.some(isMaskOutput)) return true
  // Values of other types (a caller's garbage) are no header: normalizers never throw.
  if (headers === null || typeof headers !== 'object') return false
  for (const value of Object.values(headers)) {
    if (typeof value === 'string' ? headerCarries(value) : Array.isArray(value) && value.some((v) => typeof v === 'string' && headerCarries(v))) return true
  }
  return false
}
