// The Unicode encoding a text body is written in, so a body in UTF-16 or UTF-32 is read as its client reads it and
// masked, rather than refused as binary (its ASCII characters hold NUL bytes). The masked body is sent as UTF-8.
//   - A byte-order mark decides, as in WHATWG decoding: it is in the bytes, written with the text. One that
//     contradicts a Unicode charset the answer names leaves the text open, and is refused.
//   - A charset alone does not make UTF-16: the agent may choose it (S3 and GCS response-content-type), and UTF-16
//     read in the wrong byte order is still text (ASCII becomes U+xx00) that the agent swaps back once masking found
//     nothing in it. UTF-32 read wrongly is no text (ASCII becomes code points past U+10FFFF): utf-32le and utf-32be
//     are read by their charset when the body is valid in it.
//   - Anything else is read as UTF-8 (refused where it is binary to UTF-8, as UTF-16 without a mark is) and said as
//     utf-8, so the client reads the text that was masked.
//   - Only a whole answer is read by its mark: in a part (206, Content-Range) the agent chose where the bytes start,
//     and so which bytes pass for a mark (an FF FE inside a binary object, before the ASCII it holds).
// @see https://encoding.spec.whatwg.org/#decode
// @see https://www.rfc-editor.org/rfc/rfc2781#section-4.3
import { HttpGatewayError } from './errors.ts'

export type WideEncoding = 'utf-16le' | 'utf-16be' | 'utf-32le' | 'utf-32be'

const CHARSET = /;\s*charset\s*=\s*("[^"]*"|[^;\s]*)/i

/** The charset a Content-Type names, lower-cased and unquoted; '' for none. */
export function charsetOf(contentType: string | string[] | undefined): string {
  const value = Array.isArray(contentType) ? contentType.join(';') : (contentType ?? '')
  return (CHARSET.exec(value)?.[1] ?? '').replace(/^"|"$/g, '').trim().toLowerCase()
}

/** The encoding a byte-order mark at the start of `bytes` names; 'utf-8' for UTF-8's, undefined for none. */
function markOf(b: Uint8Array): WideEncoding | 'utf-8' | undefined {
  if (b[0] === 0xff && b[1] === 0xfe) return b[2] === 0 && b[3] === 0 ? 'utf-32le' : 'utf-16le'
  if (b[0] === 0xfe && b[1] === 0xff) return 'utf-16be'
  if (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return 'utf-32be'
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return 'utf-8'
  return undefined
}

const WIDE: Record<string, WideEncoding | 'open16' | 'open32'> = {
  'utf-16le': 'utf-16le', 'utf-16be': 'utf-16be', 'utf-32le': 'utf-32le', 'utf-32be': 'utf-32be',
  'utf-16': 'open16', 'ucs-2': 'open16', 'iso-10646-ucs-2': 'open16', 'unicode': 'open16', 'utf-32': 'open32', 'ucs-4': 'open32', 'iso-10646-ucs-4': 'open32',
}
const UTF8 = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8'])

const refused = (message: string) => new HttpGatewayError(502, 'http.mask_failed', `the response must be masked but ${message}; it was withheld`)

/** Whether an answer is a part of its resource, where the agent chose the first byte. */
export function isPart(res: { statusCode?: number; headers: Record<string, unknown> }): boolean {
  return res.statusCode === 206 || res.headers['content-range'] !== undefined
}

/**
 * The wide encoding a whole answer's `bytes` are written in, or undefined for text read as UTF-8 (and a part of an
 * answer). `start`: the bytes are only the body's start (a UTF-32 charset is then taken at its word). A charset the
 * body does not match (utf-16le on UTF-8 text, utf-32 on text that is no UTF-32) is read as UTF-8 and said as utf-8,
 * as any other charset is. Throws http.mask_failed when a UTF-16 or UTF-32 mark contradicts the charset.
 */
export function wideEncoding(bytes: Uint8Array, res: { statusCode?: number; headers: Record<string, unknown> }, start = false): WideEncoding | undefined {
  if (isPart(res)) return undefined
  const charset = charsetOf(res.headers['content-type'] as string | string[] | undefined)
  const named = WIDE[charset]
  const mark = markOf(bytes)
  if (mark === 'utf-8') return undefined
  if (mark !== undefined) {
    const agrees = named === undefined ? !UTF8.has(charset)
      : named === mark || (named === 'open16' && mark.startsWith('utf-16')) || (named === 'open32' && mark.startsWith('utf-32'))
    if (!agrees) throw refused(`its byte-order mark says ${mark} and its Content-Type says charset=${charset}: clients disagree on which text it is`)
    return mark
  }
  if (named !== 'utf-32le' && named !== 'utf-32be') return undefined
  return start || decodeWide(bytes, named) !== undefined ? named : undefined
}

/** The text of `bytes` in `encoding` (a byte-order mark dropped), or undefined where they are not valid in it. */
export function decodeWide(bytes: Uint8Array, encoding: WideEncoding): string | undefined {
  if (encoding === 'utf-16le' || encoding === 'utf-16be') {
    try {
      return new TextDecoder(encoding, { fatal: true }).decode(bytes)
    } catch {
      return undefined
    }
  }
  if (bytes.byteLength % 4 !== 0) return undefined
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const little = encoding === 'utf-32le'
  const points: number[] = []
  let out = ''
  for (let at = 0; at < bytes.byteLength; at += 4) {
    const point = view.getUint32(at, little)
    if (point > 0x10ffff || (point >= 0xd800 && point <= 0xdfff)) return undefined
    if (at === 0 && point === 0xfeff) continue
    points.push(point)
    // Joined in slices: fromCodePoint takes its code points as arguments, and a call has a bound on those.
    if (points.length === 8192) out += String.fromCodePoint(...points.splice(0))
  }
  return out + String.fromCodePoint(...points)
}
