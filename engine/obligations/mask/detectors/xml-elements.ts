// XML elements that hold a secret, for the secret_assignment detector. An element named as a secret (`<password>`,
// `<DbPassword>`, `<ns:api_key attr="x">`): its value attribute, and its content whole (nested elements, CDATA) to its
// closing tag, or to the text's end when it never closes. An element whose key or name attribute is a secret name
// (Java's `<entry key="db.password">…</entry>`): its content to its closing tag, when it has one (an HTML
// `<input name="password">` has none, and no content).
import type { Span } from './types.ts'

const OPEN_TAG = /<([A-Za-z_][\w.:-]{0,127})((?:\s[^<>]*)?)>/g
const NAME_ATTRIBUTE = /(?<![\w-])(?:key|name)\s*=\s*(?:"([^"<>]{1,128})"|'([^'<>]{1,128})')/i

/**
 * Where the closing tag of element `name` whose content starts at `from` is, or undefined. A CDATA section or a
 * comment is text to an XML parser, a closing tag inside it too (`<![CDATA[a</password>b]]>` is all content).
 * What it reads is taken off `budget.left`.
 */
function closingTag(text: string, name: string, from: number, closers: Map<string, RegExp>, budget: { left: number }): number | undefined {
  let next = closers.get(name)
  if (!next) closers.set(name, (next = new RegExp(`</${name.replace(/\./g, '\\.')}\\s*>|<!\\[CDATA\\[|<!--`, 'g')))
  next.lastIndex = from
  let at: number | undefined
  for (let m = next.exec(text); m !== null; m = next.exec(text)) {
    if (m[0][1] === '/') {
      at = m.index
      break
    }
    const [open, close] = m[0] === '<!--' ? ['<!--', '-->'] : ['<![CDATA[', ']]>']
    const end = text.indexOf(close, m.index + open.length)
    if (end === -1) break
    next.lastIndex = end + close.length
  }
  budget.left -= (at ?? text.length) - from
  return at
}

const VALUE_ATTRIBUTE = /(?<![\w-])(?:value|content)\s*=\s*(?:"([^"]*)"|'([^']*)')/dgi

/** The values of the value attributes in `attributes`, which start at `at` in the text. */
function valueAttributes(at: number, attributes: string, spans: Span[]): void {
  VALUE_ATTRIBUTE.lastIndex = 0
  for (let m = VALUE_ATTRIBUTE.exec(attributes); m !== null; m = VALUE_ATTRIBUTE.exec(attributes)) {
    const [start, end] = m.indices![1] ?? m.indices![2]!
    spans.push({ start: at + start, end: at + end, label: 'secret' })
  }
}

/** The values of the elements `isSecret` names, by their own name or their key or name attribute. */
export function elementSpans(text: string, isSecret: (name: string) => boolean): Span[] {
  const spans: Span[] = []
  // Where a search for an element's closing tag found none: none closes after it either (the scan stays linear).
  const unclosedFrom = new Map<string, number>()
  const closers = new Map<string, RegExp>()
  // What the searches for closing tags may read in all. Each searches on from its element, to the text's end when
  // the element is not closed; elements of many names that do not close (`<e1 key="password">` … `<e40000 …>`)
  // made that quadratic: 20 s on 1 MB. Past the budget, the next secret element is masked to the text's end.
  const budget = { left: 4 * text.length + 65536 }
  OPEN_TAG.lastIndex = 0
  for (let m = OPEN_TAG.exec(text); m !== null; m = OPEN_TAG.exec(text)) {
    const name = m[1]!
    const named = isSecret(name.slice(name.lastIndexOf(':') + 1))
    // A secret element's value attribute (`<password value="…"/>`) is its value too.
    if (named && m[2]!.includes('=')) valueAttributes(m.index + 1 + name.length, m[2]!, spans)
    if (m[0].endsWith('/>')) continue
    const keyed = !named && m[2]!.length > 0 && /key|name/i.test(m[2]!) && NAME_ATTRIBUTE.exec(m[2]!)
    if (!named && !(keyed && isSecret(keyed[1] ?? keyed[2]!))) continue
    const start = m.index + m[0].length
    let end = text.length
    const spent = budget.left <= 0
    if (!spent && (unclosedFrom.get(name) ?? Infinity) > start) {
      const at = closingTag(text, name, start, closers, budget)
      if (at === undefined) unclosedFrom.set(name, start)
      else end = at
    }
    if (end === text.length && !named && !spent) continue
    spans.push({ start, end, label: 'secret' })
    // Read past the value: an unclosed secret element masks the rest, so nothing after it is read again.
    OPEN_TAG.lastIndex = Math.max(OPEN_TAG.lastIndex, end)
  }
  return spans
}
