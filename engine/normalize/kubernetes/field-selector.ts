// The subset of k8s.io/apimachinery/pkg/fields the apiserver's RequestInfo uses: parse a field selector and ask
// which value it requires a field to equal exactly (fields.ParseSelector + Selector.RequiresExactMatch).

// Checked in this order, so `==` is not read as `=` followed by a value starting with `=`.
const OPERATORS = ['!=', '==', '='] as const

interface Term {
  field: string
  op: (typeof OPERATORS)[number]
  value: string
}

/** Splits on commas not escaped by a backslash; the backslashes stay in the terms. */
function splitTerms(selector: string): string[] {
  const terms: string[] = []
  let start = 0
  let escaped = false
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i]
    if (escaped) escaped = false
    else if (c === '\\') escaped = true
    else if (c === ',') {
      terms.push(selector.slice(start, i))
      start = i + 1
    }
  }
  terms.push(selector.slice(start))
  return terms
}

/** The first operator found splits the term; the left side is not unescaped (nor trimmed). */
function splitTerm(term: string): Term | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of OPERATORS) {
      if (term.startsWith(op, i)) return { field: term.slice(0, i), op, value: term.slice(i + op.length) }
    }
  }
  return undefined
}

/** Only `\\`, `\,` and `\=` are valid escapes. */
function unescapeValue(value: string): string | undefined {
  let out = ''
  let escaped = false
  for (const c of value) {
    if (escaped) {
      if (c !== '\\' && c !== ',' && c !== '=') return undefined
      out += c
      escaped = false
    } else if (c === '\\') escaped = true
    else out += c
  }
  return escaped ? undefined : out
}

/** Terms of a selector, or undefined when it does not parse (the apiserver then ignores it for RequestInfo). */
export function parseFieldSelector(selector: string): Term[] | undefined {
  if (selector === '') return []
  const terms: Term[] = []
  // Sorted like the apiserver, so the first matching term is the same one it would pick.
  for (const part of splitTerms(selector).sort()) {
    if (part === '') continue
    const term = splitTerm(part)
    const value = term && unescapeValue(term.value)
    if (!term || value === undefined) return undefined
    terms.push({ ...term, value })
  }
  return terms
}

/** The value `field` must equal for the selector to match, when it requires one. */
export function exactFieldMatch(selector: string, field: string): string | undefined {
  return parseFieldSelector(selector)?.find((term) => term.field === field && term.op !== '!=')?.value
}
