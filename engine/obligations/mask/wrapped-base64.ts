// Base64 written over several lines: GNU `base64` and MIME wrap at 76 characters, PEM and `openssl base64` at 64.
// Each line alone is a run the masker reads (text-spans.ts), but a secret that straddles a line break is in
// neither line's text; `base64 -d` (or a mail client) joins the lines and reads it whole. Lines are read one by
// one with an anchored test, so the scan stays linear however long a line is.
import { base64Text } from './base64-text.ts'

export interface WrappedBase64 {
  /** From the first line's base64 to the last line's, line breaks included. */
  start: number
  end: number
  /** The text the joined lines encode. */
  text: string
}

// One line of base64, maybe indented (a YAML block scalar), maybe ended by `\r`.
const LINE = /^[ \t]*([A-Za-z0-9+/]+={0,2})[ \t]*\r?$/

/**
 * Every block of two or more consecutive base64 lines that decodes to text, joined. Every line but the last
 * is a whole number of 4-character groups without padding, as each of those tools wraps.
 */
export function wrappedBase64(text: string): WrappedBase64[] {
  const blocks: WrappedBase64[] = []
  let parts: string[] = []
  let start = 0
  let end = 0
  const close = () => {
    if (parts.length >= 2) {
      const decoded = base64Text(parts.join(''))
      if (decoded !== undefined) blocks.push({ start, end, text: decoded })
    }
    parts = []
  }
  for (let at = 0; at <= text.length; ) {
    const nl = text.indexOf('\n', at)
    const lineEnd = nl < 0 ? text.length : nl
    const m = LINE.exec(text.slice(at, lineEnd))
    if (m) {
      const run = m[1]!
      if (parts.length === 0) start = at + m[0].indexOf(run)
      parts.push(run)
      end = at + m[0].indexOf(run) + run.length
      // A padded line, or one that is not whole groups, is the last of its block.
      if (run.endsWith('=') || run.length % 4 !== 0) close()
    } else {
      close()
    }
    if (nl < 0) break
    at = nl + 1
  }
  close()
  return blocks
}
