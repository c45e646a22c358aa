// Whether a concrete resource URI may come from a resource template (RFC 6570): each expression (`{name}`,
// `{+path}`, `{?q,r}`) stands for any text, its literal parts must appear in order, letter case aside. This
// matches more than a strict expansion would (`{name}` cannot hold a slash): a read it ties to a changed template
// is held, so matching too much only holds more. Matched as a wildcard pattern, each literal part at its earliest
// place: at most template × URI steps whatever the server wrote, where a regexp of many stars can backtrack
// exponentially.
// @see https://www.rfc-editor.org/rfc/rfc6570#section-2.2

const EXPRESSION = /\{[^{}]*\}/g

// A read names its URI in canonical form (percent-encoded: `file:///my%20docs/x`), while a template's literal parts
// are as the server wrote them (`file:///my docs/{name}`, or non-ASCII letters): both are read percent-decoded.
const ESCAPES = /(?:%[0-9A-Fa-f]{2})+/g

function decoded(text: string): string {
  return text.replace(ESCAPES, (run) => {
    try {
      return decodeURIComponent(run)
    } catch {
      return run
    }
  })
}

/** The template's literal parts: a star (any text) stands between each two. */
function parts(template: string): string[] {
  return template.split(EXPRESSION).map((part) => decoded(part).toLowerCase())
}

export function matchesTemplate(template: string, uri: string): boolean {
  if (!/\{[^{}]*\}/.test(template)) return false
  const literal = parts(template)
  const text = decoded(uri).toLowerCase()
  const first = literal[0]!
  const last = literal[literal.length - 1]!
  if (!text.startsWith(first) || !text.endsWith(last) || text.length < first.length + last.length) return false
  // Between the first and last parts, each middle part is found in order, as early as it can be: earliest
  // placement leaves the most room for the rest, so no backtracking is needed.
  let at = first.length
  const end = text.length - last.length
  for (const part of literal.slice(1, -1)) {
    const found = text.indexOf(part, at)
    if (found < 0 || found + part.length > end) return false
    at = found + part.length
  }
  return true
}
