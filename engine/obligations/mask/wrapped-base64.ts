// Base64 written over several lines: GNU `base64` and MIME wrap at 76 characters, PEM and `openssl base64` at 64.
// Each line alone is a run the masker reads (text-spans.ts), but a secret that straddles a line break is in
// neither line's text; `base64 -d` (or a mail client) joins the lines and reads it whole. The first line may
// follow other text on its line (`key: <line 1>`, a YAML value) and the last may be followed by some
// (`<last line> -- end`): a reader that cuts them off reads the same bytes, so they are joined too. Each line is
// read once, with an anchored test for a whole line and a walk over the characters at its ends, so the scan stays
// linear however long a line is.
import { base64Text } from './base64-text.ts'

export interface WrappedBase64 {
  /** From the first line's base64 to the last line's, line breaks included. */
  start: number
  end: number
  /** The text the joined lines encode. */
  text: string
}

// One line of base64, maybe indented (a YAML block scalar), maybe ended by `\r`; maybe after the marks that quote
// or list it (`> ` in a reply, `- ` in a YAML list, `# ` in a comment) or quoted as an item of a JSON array written
// one to a line (`"QUJD…",`). Each of those reads the same bytes once its marks are cut off; none of the marks is
// a base64 character.
const LINE = /^[ \t]*(?:[>#*-][ \t]*)*"?([A-Za-z0-9+/]+={0,2})"?,?[ \t]*\r?$/

/** A run of base64 in the text; `partial`: it shares its line with other text (first or last line of a block). */
interface Part {
  start: number
  end: number
  partial: boolean
}

const isBase64 = (c: number) =>
  (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2f
const isBlank = (c: number) => c === 0x20 || c === 0x09 || c === 0x0d

/**
 * The base64 run ending a line after other text (`key: QUJD…`), cut to whole 4-character groups from its end (what
 * precedes them belongs to the text); undefined when shorter than one group. A first line, so no padding.
 */
function tailRun(text: string, from: number, to: number): Part | undefined {
  let end = to
  while (end > from && isBlank(text.charCodeAt(end - 1))) end--
  let start = end
  while (start > from && isBase64(text.charCodeAt(start - 1))) start--
  const groups = (end - start) - ((end - start) % 4)
  return groups >= 4 ? { start: end - groups, end, partial: true } : undefined
}

/** The base64 run opening a line before other text (`QUJD== -- end`); undefined when there is none. */
function headRun(text: string, from: number, to: number): Part | undefined {
  let start = from
  while (start < to && (text.charCodeAt(start) === 0x20 || text.charCodeAt(start) === 0x09)) start++
  let end = start
  while (end < to && isBase64(text.charCodeAt(end))) end++
  for (let pad = 0; pad < 2 && end < to && text.charCodeAt(end) === 0x3d; pad++) end++
  return end - start >= 2 ? { start, end, partial: true } : undefined
}

/**
 * The block's text, joined with its partial first and last lines if the whole decodes, else without one or both
 * (text before a block that happened to end in base64 letters, a word after it): at most four decodes a block.
 */
function decodeBlock(text: string, parts: Part[]): WrappedBase64 | undefined {
  const head = parts[0]!
  const last = parts.length - 1
  // A partial first line is no longer than the line after it: what precedes those characters is its text.
  const width = parts.length > 2 ? parts[1]!.end - parts[1]!.start : Infinity
  const firstStart = head.partial && head.end - head.start > width ? head.end - width : head.start
  const runs = parts.map((p, i) => text.slice(i === 0 ? firstStart : p.start, p.end))
  const tries: Array<[number, number]> = [[0, 0]]
  if (parts[last]!.partial) tries.push([0, 1])
  if (head.partial) tries.push([1, 0])
  if (head.partial && parts[last]!.partial) tries.push([1, 1])
  for (const [skipFirst, skipLast] of tries) {
    if (parts.length - skipFirst - skipLast < 2) continue
    const decoded = base64Text(runs.slice(skipFirst, parts.length - skipLast).join(''))
    if (decoded !== undefined) return { start: skipFirst ? parts[1]!.start : firstStart, end: parts[last - skipLast]!.end, text: decoded }
  }
  return undefined
}

/**
 * Every block of two or more consecutive base64 lines that decodes to text, joined. Every line but the last
 * is a whole number of 4-character groups without padding, as each of those tools wraps.
 */
export function wrappedBase64(text: string): WrappedBase64[] {
  const blocks: WrappedBase64[] = []
  let parts: Part[] = []
  const close = () => {
    if (parts.length >= 2) {
      const block = decodeBlock(text, parts)
      if (block) blocks.push(block)
    }
    parts = []
  }
  for (let at = 0; at <= text.length; ) {
    const nl = text.indexOf('\n', at)
    const lineEnd = nl < 0 ? text.length : nl
    const m = LINE.exec(text.slice(at, lineEnd))
    if (m) {
      const run = m[1]!
      const start = at + m[0].indexOf(run)
      parts.push({ start, end: start + run.length, partial: false })
      // A padded line, or one that is not whole groups, is the last of its block.
      if (run.endsWith('=') || run.length % 4 !== 0) close()
    } else {
      // Other text after a block's last whole line: the base64 opening this line ends the block.
      const head = parts.length > 0 ? headRun(text, at, lineEnd) : undefined
      if (head) parts.push(head)
      close()
      // Base64 ending this line after other text may open the next block.
      const tail = tailRun(text, at, lineEnd)
      if (tail) parts.push(tail)
    }
    if (nl < 0) break
    at = nl + 1
  }
  close()
  return blocks
}
