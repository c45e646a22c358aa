// Whether a value a request writes is mask output (engine/obligations/mask/strategy.ts): an agent that reads a
// masked answer and writes it back would overwrite the real value with the mask. Recognised by shape alone, so
// ordinary text holding `*` still writes:
//   redact   `[redacted]`, or a detector's span label (`[email]`, `[card]` …), anywhere in the text;
//   hash     `h:` and 16 lowercase hex digits, as a token of its own (the key cannot tell a token from a
//            chance match without the value it was made of, so the shape alone is taken);
//   partial  a whole value of 4 or more `*` then at most 4 other characters (`************4242`, `****`), or a
//            run of 4 or more `*` then 4 characters as a word of a text (`****************.com`). Partial masks
//            of values under 8 characters (`*bcde`) are not recognised: `*.txt` is a glob.
// `null` leaves nothing to recognise.

const LABELS = [
  'redacted', 'email', 'card', 'iban', 'ssn', 'phone', 'aws_key', 'aws_secret', 'private_key', 'jwt', 'token',
  'password', 'secret', 'base64', 'url-encoded',
]
const MARKER = new RegExp(`\\[(?:${LABELS.join('|')})\\]`)
const KEYED = /(?<![A-Za-z0-9_:])h:[0-9a-f]{16}(?![A-Za-z0-9_])/
const PARTIAL_WHOLE = /^\*{4,}[^*]{0,4}$/
// A word of a text: after a start, a blank, a quote or an opening delimiter; before an end, a blank, a quote,
// a closing delimiter or punctuation.
const PARTIAL_WORD = /(?<![^\s"'`=:,;(<[{])\*{4,}[^\s*]{4}(?![^\s"'`,;)>\]}.!?])/

/** Whether one string holds mask output. */
export function isMaskOutput(text: string): boolean {
  if (!text.includes('[') && !text.includes('h:') && !text.includes('****')) return false
  return MARKER.test(text) || KEYED.test(text) || PARTIAL_WHOLE.test(text) || PARTIAL_WORD.test(text)
}

/** Whether any string in a parsed body (JSON, YAML or a form; keys aside) holds mask output. */
export function carriesMaskOutput(value: unknown): boolean {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const v = stack.pop()
    if (typeof v === 'string') {
      if (isMaskOutput(v)) return true
    } else if (v !== null && typeof v === 'object') {
      for (const child of Object.values(v)) stack.push(child)
    }
  }
  return false
}

const utf8 = new TextDecoder('utf-8')

/** Whether a value bound to a statement's `$n` (text or binary; read as UTF-8) holds mask output. */
export function boundCarriesMaskOutput(params: readonly (Uint8Array | null)[]): boolean {
  return params.some((p) => p !== null && p.byteLength >= 4 && isMaskOutput(utf8.decode(p)))
}
