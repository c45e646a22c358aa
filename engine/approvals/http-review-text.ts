// What a reviewer is shown for a held HTTP request: what a statement grant for it covers (normalize/http-digest.ts),
// so an approval is given for what will be sent, not for its method and path alone: the method and URL with every
// query value, each header the grant covers (never the agent's credentials: the gateway signs anew), and the body.
// Only for reviewers and the requester, stored sealed: the audit keeps the redacted summary.
import { digestHeaders } from '../normalize/http-digest.ts'
import type { RawHttpRequest } from '../normalize/http.ts'
import { UNSEEN_CLASS } from '../printable.ts'
import { MAX_REVIEW_CHARS } from './review-text.ts'

/**
 * A body longer than this is cut, with its full size said and that the reviewer should deny it: cut at 16,000
 * characters, what the agent wrote after a long first field (a manifest's `privileged: true` after its annotations)
 * was sent unseen.
 */
export const MAX_SHOWN_BODY_CHARS = MAX_REVIEW_CHARS

const DENY = 'deny it, since what would be sent is not all here'

// Controls, backslash, bidi, invisible and default-ignorable characters and spaces that are not U+0020
// (printable.ts): written as escapes, so the text cannot rewrite the reviewer's screen nor hide a character, and an
// escape the agent wrote (\u202e) does not read like the character it names. Line feeds and tabs are kept.
const UNSAFE = new RegExp(`[${UNSEEN_CLASS}\\\\]`, 'gu')

const escapeChar = (c: string) => {
  if (c === '\\') return '\\\\'
  if (c === '\n' || c === '\t') return c
  const code = c.codePointAt(0)!
  return code <= 0xffff ? `\\u${code.toString(16).padStart(4, '0')}` : `\\u{${code.toString(16)}}`
}
const shown = (text: string) => text.replace(UNSAFE, escapeChar)

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function bodyText(request: RawHttpRequest): string[] {
  if (request.bodyNotRead !== undefined) return ['', `[body streamed unread: ${shown(request.bodyNotRead)}; its length and declared SHA-256 above are what a grant covers]`]
  const body = request.body
  if (body === undefined || body.length === 0) return []
  let text: string | undefined
  try {
    text = typeof body === 'string' ? body : utf8.decode(body)
  } catch {
    text = undefined
  }
  if (text === undefined) {
    const bytes = Buffer.from(body as Uint8Array)
    const hex = bytes.subarray(0, MAX_SHOWN_BODY_CHARS / 2).toString('hex')
    return ['', `[binary body, ${bytes.length} bytes${bytes.length * 2 > hex.length ? `, first ${hex.length / 2} shown; ${DENY}` : ''}, hex:]`, hex]
  }
  const safe = shown(text)
  if (safe.length <= MAX_SHOWN_BODY_CHARS) return ['', safe]
  return ['', safe.slice(0, MAX_SHOWN_BODY_CHARS), `[body of ${Buffer.byteLength(text)} bytes, first ${MAX_SHOWN_BODY_CHARS} characters shown; ${DENY}]`]
}

/** The request as it will be sent: request line, the headers a grant covers, a blank line, and the body. */
export function httpReviewText(request: RawHttpRequest): string {
  const headers = digestHeaders(request.headers).map(([name, value]) => `${shown(name)}: ${shown(value)}`)
  return [`${shown(request.method)} ${shown(String(request.url))}`, ...headers, ...bodyText(request)].join('\n')
}
