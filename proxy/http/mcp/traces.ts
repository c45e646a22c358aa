// What a value the gateway keeps from the caller (an embedded resource's text, embedded.ts) looks like elsewhere in
// the same answer. A server repeats it in other shapes than the text as it was: JSON-escaped (a text item holding
// structuredContent as JSON), split into lines or fields (`{"lines": […]}`, `{"API_TOKEN": "…"}` from an .env
// file), or base64 (wrapped or not). A string holds a trace when it holds the value, one of the value's lines (as a
// line or a quoted string of its own), or one of its words (a run between blanks and punctuation), each of WORD_MIN
// characters or more, as written or in the base64 it holds. Lines and words are compared through sets: each string
// is split once, linear in its length, whatever the value's size; values as written are found in one pass too
// (contained.ts).
import { base64Text } from '../../../engine/obligations/mask/base64-text.ts'
import { wrappedBase64 } from '../../../engine/obligations/mask/wrapped-base64.ts'
import { Contained } from './contained.ts'

// Shorter words are common to any text (`true`, `user`): a trace of them says nothing.
const WORD_MIN = 6
/** Words and lines kept from the values at most: more than this and the answer is withheld whole (traces() is undefined). */
export const MAX_WORDS = 50_000
const SEPARATORS = /[\s"'`=:,;{}()[\]<>\\|&?!*#]+/
const LINE_BREAK = /\r?\n/
// A line of a value as another string holds it: a line of its own, or a JSON string (`{"lines": ["…", "…"]}`).
const PIECES = /[\n"]/
const BASE64_RUN = /[A-Za-z0-9+/_-]{16,}={0,2}/g

export interface Traces {
  /**
   * Whether the text holds one of the values, or a word of one, as written or in base64. Throws MaskError when the
   * values are too much alike to follow (contained.ts).
   */
  holds(text: string): boolean
}

// Punctuation that ends a sentence or a path around a word (`prod-secret.`, `/etc/`), taken off its ends.
const EDGE = new Set(['.', '/', '-', '_', '+'])

function trimmed(word: string): string {
  let start = 0
  let end = word.length
  while (start < end && EDGE.has(word[start]!)) start++
  while (end > start && EDGE.has(word[end - 1]!)) end--
  return start === 0 && end === word.length ? word : word.slice(start, end)
}

function words(text: string): string[] {
  const out: string[] = []
  for (const part of text.split(SEPARATORS)) {
    const w = part.length >= WORD_MIN ? trimmed(part) : ''
    if (w.length >= WORD_MIN) out.push(w)
  }
  return out
}

/** The traces of `values`; undefined when they hold more than MAX_WORDS words (too many to follow: fail closed). */
export function traces(values: Iterable<string>): Traces | undefined {
  const whole = new Contained()
  const added = new Set<string>()
  const known = new Set<string>()
  const lines = new Set<string>()
  for (const v of values) {
    if (v === '') continue
    for (const form of [v, JSON.stringify(v).slice(1, -1)]) {
      if (!added.has(form)) whole.add(form)
      added.add(form)
    }
    for (const line of v.split(LINE_BREAK)) {
      const kept = line.trim()
      if (kept.length >= WORD_MIN) lines.add(kept)
    }
    for (const w of words(v)) known.add(w)
    if (known.size + lines.size > MAX_WORDS) return undefined
  }
  const plain = (text: string) => {
    if (whole.in(text)) return true
    for (const w of words(text)) if (known.has(w)) return true
    for (const piece of text.split(PIECES)) if (lines.has(piece.trim())) return true
    return false
  }
  return {
    holds(text) {
      if (plain(text)) return true
      BASE64_RUN.lastIndex = 0
      for (let m = BASE64_RUN.exec(text); m !== null; m = BASE64_RUN.exec(text)) {
        const decoded = base64Text(m[0])
        if (decoded !== undefined && plain(decoded)) return true
      }
      return text.includes('\n') && wrappedBase64(text).some((b) => plain(b.text))
    },
  }
}
