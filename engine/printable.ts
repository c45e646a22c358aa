// Text others wrote (an agent's statement, a client's application_name, a reviewer's note) as a terminal may
// show it: control characters, line and paragraph separators and bidi overrides could otherwise move the
// cursor, erase or recolour lines, or reorder what a reviewer or an auditor reads.
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g
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
