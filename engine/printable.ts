// Text others wrote (an agent's statement, a client's application_name, a reviewer's note) as a terminal may
// show it: control characters, line and paragraph separators and bidi overrides could otherwise move the
// cursor, erase or recolour lines, or reorder what a reviewer or an auditor reads; invisible characters
// (zero-width spaces and joiners, soft hyphens, fillers, tag characters) and spaces that are not U+0020 would make
// `'alice\u200b'` or `'a\u00a0b'` read as `'alice'` or `'a b'`, another value than the one that runs.

/**
 * Characters a reader cannot see for what they are: controls (C0, C1), format characters (bidi controls, zero-width
 * ones, soft hyphen, tags), line and paragraph separators, lone surrogates, the other default-ignorable ones
 * (Hangul fillers, variation selectors) and every space but U+0020.
 */
export const UNSEEN_CLASS = '\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Cs}\\p{Default_Ignorable_Code_Point}\\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000'

const CONTROLS = new RegExp(`[${UNSEEN_CLASS}]`, 'gu')
const NAMED: Record<string, string> = { '\n': '\\n', '\t': '\\t' }

const escaped = (c: string) => NAMED[c] ?? `\\u{${c.codePointAt(0)!.toString(16)}}`

/** `text` with every control character shown as an escape; line feeds and tabs are kept. */
export function visible(text: string): string {
  return text.replace(CONTROLS, (c) => (c === '\n' || c === '\t' ? c : escaped(c)))
}

/** `text` on one line: every control character, line feeds and tabs included, shown as an escape. */
export function oneLine(text: string): string {
  return text.replace(CONTROLS, escaped)
}

// Outside its strings JSON.stringify writes ASCII only (line feeds and spaces when it indents), so CONTROLS matches
// inside strings, where a \u escape reads back as the same character. JSON.stringify escapes C0 controls itself;
// C1 controls (U+009B is a CSI to some terminals), separators, bidi and invisible characters it writes as they are.
const jsonEscape = (c: string) => {
  if (c === '\n') return c
  let out = ''
  for (let i = 0; i < c.length; i++) out += `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`
  return out
}

/**
 * JSON.stringify for a terminal: the same JSON (any parser reads back the same value), with every character
 * `visible` would escape written as a \u escape (an astral one as its surrogate pair).
 */
export function terminalJson(value: unknown, space?: number): string {
  return (JSON.stringify(value, null, space) ?? 'null').replace(CONTROLS, jsonEscape)
}
