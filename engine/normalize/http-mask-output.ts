// Mask output a request writes outside its body: S3 and Cloud Storage store object metadata and tags sent as
// headers (x-amz-meta-*, x-goog-meta-*, x-amz-tagging), which answers bring back masked, and an API may take a
// value as a query parameter. A header is read as sent and with its encodings undone: RFC 2047 encoded-words (S3's
// form of non-ASCII metadata) and percent-escapes (x-amz-tagging is a form).
import { percentText } from '../obligations/mask/percent-text.ts'
import { isMaskOutput } from './mask-output.ts'

const ENCODED_WORD = /=\?[^?\s]+\?([bBqQ])\?([^?\s]*)\?=/g

function wordText(_: string, encoding: string, text: string): string {
  if (encoding === 'b' || encoding === 'B') return Buffer.from(text, 'base64').toString('utf8')
  return Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (__, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1').toString('utf8')
}

function headerCarries(value: string): boolean {
  if (isMaskOutput(value)) return true
  const words = value.includes('=?') ? value.replace(ENCODED_WORD, wordText) : value
  if (words !== value && isMaskOutput(words)) return true
  const decoded = percentText(words)
  return decoded !== undefined && isMaskOutput(decoded)
}

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
