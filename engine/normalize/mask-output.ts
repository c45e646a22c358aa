import { isUtf8 } from 'node:buffer'
import { binaryArrayElements } from './pg-binary-array.ts'

// Whether a value a request writes is mask output (engine/obligations/mask/strategy.ts): an agent that reads a
// masked answer and writes it back would overwrite the real value with the mask. Recognised by shape alone, so
// ordinary text holding `*` still writes:
//   redact   `[redacted]`, or a detector's span label (`[email]`, `[card]` …), anywhere in the text;
//   hash     `h:` and 16 lowercase hex digits, as a token of its own (the key cannot tell a token from a
//            chance match without the value it was made of, so the shape alone is taken);
//   partial  a whole value of exactly `****` (what a value of 4 characters or fewer becomes), or 4 or more `*`
//            then 4 other characters (`************4242`), or such a run as a word of a text
//            (`****************.com`, `<Value>****4242</Value>`). Partial masks of values under 8 characters
//            (`*bcde`) are not recognised: `*.txt` is a glob. A longer run of `*` alone (`********`, as a
//            form shows a hidden password) is no partial mask: one keeps the value's last 4 characters.
// `null` leaves nothing to recognise. A string that is base64 of text (a Kubernetes Secret's `data`, a YAML
// `!!binary`) is read decoded too: the apiserver stores the decoded bytes.

const LABELS = [
  'redacted', 'email', 'card', 'iban', 'ssn', 'phone', 'aws_key', 'aws_secret', 'private_key', 'jwt', 'token',
  'password', 'secret', 'base64', 'url-encoded',
]
const MARKER = new RegExp(`\\[(?:${LABELS.join('|')})\\]`)
const KEYED = /(?<![A-Za-z0-9_:])h:[0-9a-f]{16}(?![A-Za-z0-9_])/
const PARTIAL_WHOLE = /^(?:\*{4}|\*{4,}[^*]{4})$/u
// A word of a text: after a start, a blank, a quote or an opening delimiter (an XML element's `>` too); before an
// end, a blank, a quote, a closing delimiter (`<` too) or punctuation.
const PARTIAL_WORD = /(?<![^\s"'`=:,;(<>[{])\*{4,}[^\s*]{4}(?![^\s"'`,;)<>\]}.!?])/u

/** Whether one string holds mask output. */
export function isMaskOutput(text: string): boolean {
  if (!text.includes('[') && !text.includes('h:') && !text.includes('****')) return false
  return MARKER.test(text) || KEYED.test(text) || PARTIAL_WHOLE.test(text) || PARTIAL_WORD.test(text)
}

// Base64 of the shortest mask (`****`) is 8 characters; the alphabet and padding are checked before decoding.
const BASE64 = /^[A-Za-z0-9+/]{6,}(?:[A-Za-z0-9+/]{2}|[A-Za-z0-9+/]=|==)$/
const utf8 = new TextDecoder('utf-8')

/** The text a base64 string encodes, when it is base64 of UTF-8. */
function base64Decoded(value: string): string | undefined {
  if (value.length % 4 !== 0 || !BASE64.test(value)) return undefined
  // Checked, not decoded by a decoder that throws: most such strings (names, ids) are not base64 of text, and a
  // thrown error costs some 15 µs (base64-text.ts).
  const bytes = Buffer.from(value, 'base64')
  return isUtf8(bytes) ? bytes.toString('utf8') : undefined
}

/**
 * Whether any string in a parsed body (JSON, YAML or a form; keys aside) holds mask output, as it is or as the text
 * it encodes in base64; YAML's `!!binary` bytes are read as UTF-8.
 */
export function carriesMaskOutput(value: unknown): boolean {
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const v = stack.pop()
    if (typeof v === 'string') {
      if (isMaskOutput(v)) return true
      const decoded = base64Decoded(v)
      if (decoded !== undefined && isMaskOutput(decoded)) return true
    } else if (v instanceof Uint8Array) {
      if (isMaskOutput(utf8.decode(v))) return true
    } else if (v !== null && typeof v === 'object') {
      for (const child of Object.values(v)) stack.push(child)
    }
  }
  return false
}

// The same word after or before binary framing too: control characters, and bytes that are not UTF-8 (U+FFFD once
// decoded). A regexp, not the text with those replaced by blanks: that replace took 50 ms on 1 MiB of random bytes.
const PARTIAL_WORD_FRAMED =
  /(?<![^\s"'`=:,;(<>[{\x00-\x08\x0e-\x1f\x7f\uFFFD])\*{4,}[^\s*\x00-\x08\x0e-\x1f\x7f\uFFFD]{4}(?![^\s"'`,;)<>\]}.!?\x00-\x08\x0e-\x1f\x7f\uFFFD])/u

/**
 * Whether bytes of a format Warden does not parse (protobuf, XML, a binary bound value) hold mask output as text.
 * They are read as UTF-8 with binary framing as blanks: a length byte before a field (protobuf's `\x10` before
 * `************4242`) is no character of a word.
 */
export function bytesCarryMaskOutput(bytes: string | Uint8Array): boolean {
  // Anything else (a caller's garbage) holds no text: normalizers never throw.
  const text = typeof bytes === 'string' ? bytes : bytes instanceof Uint8Array ? utf8.decode(bytes) : ''
  return isMaskOutput(text) || (text.includes('****') && PARTIAL_WORD_FRAMED.test(text))
}

/**
 * Whether a value bound to a statement's `$n` (text or binary; read as by bytesCarryMaskOutput) holds mask output,
 * or, when it is a binary array, one of its elements does.
 */
export function boundCarriesMaskOutput(params: readonly (Uint8Array | null)[]): boolean {
  return params.some((p) => p !== null && p.byteLength >= 4 && boundValueCarries(p))
}

// Arrays in arrays read as such: PostgreSQL has none (its arrays are multi-dimensional), so a few levels are plenty;
// a value nested deeper is still read whole by the level above. Unbounded, 5,000 levels of 24 bytes overflowed the
// stack and each level decoded the rest again.
const MAX_NESTING = 4

function boundValueCarries(value: Uint8Array): boolean {
  const todo: Array<[Uint8Array, number]> = [[value, 0]]
  while (todo.length > 0) {
    const [bytes, level] = todo.pop()!
    if (bytesCarryMaskOutput(bytes)) return true
    if (level >= MAX_NESTING) continue
    for (const e of binaryArrayElements(bytes) ?? []) if (e.byteLength >= 4) todo.push([e, level + 1])
  }
  return false
}
