// What a reviewer is shown for a held statement: its text with the values it will run with in place of
// `$1, $2 …` (the extended protocol's Bind parameters). Text-format values become quoted literals; binary
// ones are shown as hex with their type OID. Only for reviewers: the audit keeps the redacted text.
import { scanPostgres } from '../normalize/sql/parse.ts'
import { terminalJson, UNSEEN_CLASS } from '../printable.ts'

export interface BoundValues {
  /** One entry per parameter; null is SQL NULL. */
  params: readonly (Uint8Array | null)[]
  /** Bind's format codes: none (all text), one (for all) or one per parameter; 1 is binary. */
  formats: readonly number[]
  /** Parse's parameter type OIDs (0 or missing: left to the server). */
  types?: readonly number[]
}

/**
 * Longest review text, values in place: a 16 KiB text holds some 2,300 `$n`, each shown up to 2,000 characters
 * (six times that escaped), so unbounded one held statement made a review text of tens of megabytes, stored with
 * its request and answered in every approvals list: twenty held by one agent took the memory of the gateway
 * serving a reviewer. Past this the text is cut and says so: the reviewer, who cannot see it all, denies it.
 */
export const MAX_REVIEW_CHARS = 64 * 1024

/**
 * Longer values are cut, with their full size said; one that long also takes the review text past
 * MAX_REVIEW_CHARS, which then says to deny it. A value is shown whole below that: cut at 2,000 characters, a
 * document's first long field hid the ones after it (`{"notes": "…", "role": "admin"}`), which the grant covers.
 */
export const MAX_SHOWN_CHARS = MAX_REVIEW_CHARS

// Characters that could make a literal look like something else: controls, backslash, bidi, invisible and
// default-ignorable characters (zero-width, soft hyphen, fillers, tags) and spaces that are not U+0020
// (printable.ts). Their presence switches to an E'' literal with every one escaped.
const UNSAFE = new RegExp(`[${UNSEEN_CLASS}\\\\]`, 'u')

/**
 * JSON text a reviewer cannot misread: every control, bidi and invisible format character (and the backslash's
 * own escapes, left as JSON wrote them) written as a \uXXXX escape, which JSON reads back as the same string.
 * Whole up to MAX_REVIEW_CHARS: it is all of what will run (an MCP call's params, its tool and every argument,
 * in the order the agent chose), so cut at a value's 2,000 characters it hid any argument written after a long
 * first one. Past that it is cut and says so, as a long statement is.
 */
export function reviewJson(value: unknown): string {
  const safe = terminalJson(value)
  if (safe.length <= MAX_REVIEW_CHARS) return safe
  const end = /[\ud800-\udbff]/.test(safe[MAX_REVIEW_CHARS - 1] ?? '') ? MAX_REVIEW_CHARS - 1 : MAX_REVIEW_CHARS
  return `${safe.slice(0, end)}\n-- [cut: ${safe.length} characters, the first ${MAX_REVIEW_CHARS} shown; deny it, since what would run is not all here]`
}

function escapeChar(c: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\\': '\\\\', "'": "''" }
  if (named[c]) return named[c]
  // \x is a byte, so only below U+0080; \u takes four hex digits and \U eight, as PostgreSQL reads them.
  const code = c.codePointAt(0)!
  const hex = code.toString(16)
  return code < 0x80 ? `\\x${hex.padStart(2, '0')}` : code <= 0xffff ? `\\u${hex.padStart(4, '0')}` : `\\U${hex.padStart(8, '0')}`
}

/** A SQL literal a reader cannot misread: '…' with quotes doubled, or E'…' when anything needs escaping. */
export function quoteLiteral(value: string): string {
  if (!UNSAFE.test(value)) return `'${value.replace(/'/g, "''")}'`
  return `E'${[...value].map((c) => (UNSAFE.test(c) || c === "'" ? escapeChar(c) : c)).join('')}'`
}

function cut(text: string, size: number, unit: string): { shown: string; note: string } {
  if (text.length <= MAX_SHOWN_CHARS) return { shown: text, note: '' }
  return { shown: text.slice(0, MAX_SHOWN_CHARS), note: ` /* ${size} ${unit}, first ${MAX_SHOWN_CHARS} characters shown */` }
}

/** Parameter `index` (0-based) as the reviewer sees it. */
export function showParameter(values: BoundValues, index: number): string {
  const value = values.params[index]
  if (value === undefined) return `$${index + 1}`
  if (value === null) return 'NULL'
  const format = values.formats.length === 1 ? values.formats[0] : (values.formats[index] ?? 0)
  const type = values.types?.[index] ?? 0
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength)
  if (format === 1) {
    const { shown, note } = cut(bytes.toString('hex'), bytes.length, 'bytes')
    return `'\\x${shown}'${note} /* binary, type OID ${type || 'unspecified'} */`
  }
  const text = bytes.toString('utf8')
  const { shown, note } = cut(text, bytes.length, 'bytes')
  return `${quoteLiteral(shown)}${note}`
}

/**
 * `text` with each `$n` parameter symbol replaced by parameter n, found by the PostgreSQL scanner (a `$1` inside
 * a string or comment is not a parameter symbol). Text the scanner cannot read is shown unchanged, followed by a
 * `-- parameters:` line giving every value, so the reviewer still sees what will run.
 */
export function reviewText(text: string, values?: BoundValues): string {
  if (!values || values.params.length === 0) return text
  const bytes = Buffer.from(text, 'utf8')
  let tokens
  try {
    if (bytes.toString('utf8') !== text) throw new Error('text is not well-formed UTF-16')
    tokens = scanPostgres(text).filter((t) => t.tokenName === 'PARAM')
  } catch {
    const out = new Capped(`${text}\n-- parameters: `)
    for (let i = 0; i < values.params.length && !out.full; i++) out.push(`${i ? ', ' : ''}$${i + 1} = ${showParameter(values, i)}`)
    return out.text()
  }
  const out = new Capped()
  let at = 0
  for (const t of tokens) {
    if (out.full) break
    const n = Number(t.text.slice(1))
    out.push(bytes.subarray(at, t.start).toString('utf8'))
    out.push(Number.isInteger(n) && n >= 1 ? showParameter(values, n - 1) : t.text)
    at = t.end
  }
  out.push(bytes.subarray(at).toString('utf8'))
  return out.text()
}

/** Text built in parts, cut at MAX_REVIEW_CHARS with a line saying so; parts past the cut are not built. */
class Capped {
  private readonly parts: string[] = []
  private length = 0
  constructor(first = '') {
    this.push(first)
  }

  get full(): boolean {
    return this.length > MAX_REVIEW_CHARS
  }

  push(part: string): void {
    if (this.full) return
    this.parts.push(part)
    this.length += part.length
  }

  text(): string {
    const whole = this.parts.join('')
    if (!this.full) return whole
    // Not between the two halves of a surrogate pair.
    const end = /[\ud800-\udbff]/.test(whole[MAX_REVIEW_CHARS - 1] ?? '') ? MAX_REVIEW_CHARS - 1 : MAX_REVIEW_CHARS
    return `${whole.slice(0, end)}\n-- [cut: the statement with its values is longer than ${MAX_REVIEW_CHARS} characters, and the rest is not shown; deny it, since what would run is not all here]`
  }
}
