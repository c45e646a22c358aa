// Values assigned to a name that says they are secret: `DB_PASSWORD=…` in a .env file or a shell script (a
// startup script, user data), `password = …` in INI or TOML, `password: …` in YAML, `"api_key": "…"` in JSON text,
// `password => "…"` in a Ruby or Perl hash, `<password>…</password>` in XML, `--db-password=…` on a command line,
// and a JSON value whose key is such a name (a function's environment map). Only the value is masked; the name
// stays readable.
// Which names are secret: secret-names.ts.
import { type Detector, type Span } from './types.ts'
import { aliasAt, aliasesIn, anchoredSpans } from './yaml-anchors.ts'
import { elementSpans } from './xml-elements.ts'
import { insideAny } from './span-cover.ts'
import { type Decoded, through, xmlUnescaped, jsonUnescaped } from './escaped-text.ts'
import { isSecretName, KEYWORD } from './secret-names.ts'

// A name (bare, or quoted as in JSON; it may hold a `/`, as prefixed annotation keys do) and `=`, `:` or `=>` (a Ruby,
// Perl or PHP hash: `password => "…"`, `:password => '…'`), with the blanks around them. The value is read after it.
// A `$` may come before the name: a PHP or Perl variable (`$password = "…"`).
const ASSIGNMENT = /(?<![A-Za-z0-9_.-])(["']?)(-{0,2}[A-Za-z_][A-Za-z0-9_./-]{0,127})\1[ \t]*(=>|=(?!=)|:(?![:=/]))[ \t]*/g

/** Whether only blanks (or a YAML list dash) come before `at` on its line: a YAML key, not prose. */
function startsLine(text: string, at: number): boolean {
  // Read back from `at`, not from the line's start: a scan of the line per key made a long line of keys quadratic.
  const blanksBack = (i: number) => {
    while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--
    return i
  }
  let i = blanksBack(at - 1)
  if (i >= 0 && text[i] === '-' && i < at - 1) i = blanksBack(i - 1)
  return i < 0 || text[i] === '\n'
}

/** Whether `at` starts an .env or INI line's name: only blanks before it on its line, or `export` (`export API_KEY=…`). */
function startsEnvLine(text: string, at: number): boolean {
  if (startsLine(text, at)) return true
  const before = /export[ \t]+$/.exec(text.slice(Math.max(0, at - 32), at))
  return before !== null && startsLine(text, at - before[0].length)
}

/** Where a quoted value ends (at its closing quote, a backslash escaping the next character), or the line's end. */
function quotedEnd(text: string, from: number, quote: string): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i]
    if (c === '\\' && quote === '"') i++
    else if (c === quote) return i
    else if (c === '\n' || c === '\r') return i
  }
  return text.length
}

/**
 * Where a quoted value that may go on over lines ends: YAML's flow scalars and the double-quoted values of .env files
 * and shell scripts (a private key between quotes) do. A YAML single-quoted value escapes its quote by doubling it; a
 * double-quoted one with a backslash. One that never closes runs to the text's end.
 */
function quotedEndAcross(text: string, from: number, quote: string): number {
  for (let i = from; i < text.length; i++) {
    const c = text[i]
    if (c === '\\' && quote === '"') i++
    else if (c === quote) {
      if (quote === "'" && text[i + 1] === "'") i++
      else return i
    }
  }
  return text.length
}

function lineEnd(text: string, from: number): number {
  let end = from
  while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++
  while (end > from && /[ \t]/.test(text[end - 1]!)) end--
  return end
}

// A value a masker already replaced with its label (`api_key=[secret]` in an audit record) is no secret to find again.
const MASKED_LABEL = /^\[[a-z_]+\]$/

function span(text: string, start: number, end: number): Span | undefined {
  return end > start && !MASKED_LABEL.test(text.slice(start, end)) ? { start, end, label: 'secret' } : undefined
}

// Longest JSON object or array read as one value in text; past it the value is read to its line's end.
const MAX_CONTAINER = 64 * 1024

/** Where a JSON object or array starting at an offset of one text ends (after its closing bracket), or undefined. */
type ContainerEnds = (from: number) => number | undefined

/**
 * Where each JSON object or array of `text` ends, strings read with their escapes; undefined when it does not
 * close within MAX_CONTAINER characters. One scan from the first bracket asked about records where every bracket
 * it meets outside a string closes (read from that bracket, a scan makes the same moves); a bracket it read inside
 * a string is scanned on its own, within a budget. A scan per bracket cost 64 KB each: 15 s on a 1 MB log of
 * `"password": {` lines that never close.
 */
function containerEnds(text: string): ContainerEnds {
  let closes: Map<number, number> | undefined
  let scannedFrom = -1
  let budget = 4 * text.length + MAX_CONTAINER
  const scanAll = (from: number) => {
    closes = new Map()
    scannedFrom = from
    const open: number[] = []
    for (let i = from; i < text.length; i++) {
      const c = text[i]
      if (c === '"') {
        for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++
      } else if (c === '{' || c === '[') open.push(i)
      else if ((c === '}' || c === ']') && open.length) closes.set(open.pop()!, i + 1)
    }
  }
  const scanOne = (from: number): number | undefined => {
    let open = 0
    const stop = Math.min(text.length, from + MAX_CONTAINER, from + budget)
    let i = from
    for (; i < stop; i++) {
      const c = text[i]
      if (c === '"') {
        for (i++; i < stop && text[i] !== '"'; i++) if (text[i] === '\\') i++
      } else if (c === '{' || c === '[') open++
      else if ((c === '}' || c === ']') && --open === 0) break
    }
    budget -= i - from + 1
    return i < stop ? i + 1 : undefined
  }
  return (from) => {
    if (closes === undefined || from < scannedFrom) scanAll(from)
    const end = closes!.get(from)
    if (end !== undefined) return end - from <= MAX_CONTAINER ? end : undefined
    // Not closed, or read inside a string by the scan: scanned from here (a bracket that does not close within
    // the budget is read to its line's end, as one that does not close at all).
    return budget > 0 ? scanOne(from) : undefined
  }
}

// What may follow `name:` on its line when the value is on the lines below: nothing, a comment, or the indicator of
// a block scalar (`|`, `>-`, `|2+`).
const BLOCK_OPENER = /^(?:[|>](?:[1-9][+-]?|[+-][1-9]?)?)?[ \t]*(?:#.*)?$/

/**
 * YAML whose value under a secret name is on the lines below it (a mapping, a list, a block scalar:
 * `password:\n  value: …`, `token:\n- …`, `password: |\n  …`): the lines indented deeper than the name (its
 * column, past a list item's dash), or a list at its column, from the first one's text to the last one's end.
 */
function blockSpan(text: string, keyAt: number, lineEndAt: number, lists = true): Span | undefined {
  const column = keyAt - (text.lastIndexOf('\n', keyAt - 1) + 1)
  let start = -1
  let end = -1
  let at = text.indexOf('\n', lineEndAt)
  while (at !== -1 && at < text.length) {
    const lineStart = at + 1
    let next = text.indexOf('\n', lineStart)
    if (next === -1) next = text.length
    const line = text.slice(lineStart, next).replace(/\r$/, '')
    const lead = /^[ \t]*/.exec(line)![0].length
    if (lead < line.length) {
      const deeper = lead > column || (lists && lead === column && /^-(?:[ \t]|$)/.test(line.slice(lead)))
      if (!deeper) break
      if (start === -1) start = lineStart + lead
      end = lineStart + line.length
    }
    at = next < text.length ? next : -1
  }
  return start === -1 ? undefined : span(text, start, end)
}

// How far back on its line a key is looked at for the `{` of a flow mapping; past it the key is taken as in one.
const FLOW_LOOKBACK = 256

/** Whether `at` starts a key of a YAML flow mapping (`{user: u, password: p}`): after a `{` or `,` inside an open `{`. */
function inFlowMapping(text: string, at: number): boolean {
  let i = at - 1
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--
  if (i < 0 || (text[i] !== '{' && text[i] !== ',')) return false
  let depth = 0
  for (let j = i; j >= 0 && text[j] !== '\n'; j--) {
    if (i - j > FLOW_LOOKBACK) return true
    const c = text[j]
    if (c === '}') depth++
    else if (c === '{' && depth-- === 0) return true
  }
  return false
}

/** Where a plain value in a flow mapping ends: at a `,`, `}` or `]` outside the brackets it opens, or its line's end. */
function flowEnd(text: string, from: number): number {
  let depth = 0
  let end = from
  for (; end < text.length; end++) {
    const c = text[end]
    if (c === '\n' || c === '\r') break
    if (c === '{' || c === '[') depth++
    else if (c === '}' || c === ']') {
      if (depth-- === 0) break
    } else if (c === ',' && depth === 0) break
  }
  while (end > from && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--
  return end
}

/**
 * A value that starts on its name's line and goes on over the lines below indented deeper than the name: a YAML
 * plain or quoted scalar written over several lines (`password: abc` then `  def` reads `abc def`), an INI value's
 * continuation lines (configparser). The lines below are masked with it.
 */
function withBelow(text: string, keyAt: number, first: Span | undefined): Span | undefined {
  const at = first?.end ?? keyAt
  const below = blockSpan(text, keyAt, lineEnd(text, at), false)
  if (!below) return first
  return first ? { start: first.start, end: Math.max(first.end, below.end), label: first.label } : below
}

// A YAML node's properties before its value: a tag (`!!str`, `!binary`, `!<tag:…>`) and an anchor (`&a`), either order.
const NODE_PROPERTIES = /^(?:(?:![^\s]*|&[^\s]+)(?:[ \t]+|$))+/

function valueSpan(text: string, m: RegExpExecArray, containerEnd: ContainerEnds): Span | undefined {
  const [, quote, , sep] = m
  const from = m.index + m[0].length
  const first = text[from]
  // A YAML key, or an .env or INI name, that starts its line: its value may go on over the lines below.
  const keyLine = sep === ':' ? startsLine(text, m.index) : sep === '=' && startsEnvLine(text, m.index)
  if (first === '"' || first === "'") {
    // A TOML or Python multi-line string (`password = """` … `"""`): to its closing quotes, or the text's end.
    const triple = first.repeat(3)
    if (text.startsWith(triple, from)) {
      const close = text.indexOf(triple, from + 3)
      return span(text, from + 3, close === -1 ? text.length : close)
    }
    if (!keyLine) return span(text, from + 1, quotedEnd(text, from + 1, first))
    return withBelow(text, m.index, span(text, from + 1, quotedEndAcross(text, from + 1, first)))
  }
  // An object or array under a quoted secret name in JSON text (`"password": {"value": "…"}`, `"credentials": ["a",
  // "b"]`), or under an assigned or YAML name (`credentials = [` … `]` in TOML, `password: [a,` … `b]`), is the value
  // whole; one that does not close, to its line's end.
  if ((first === '{' || first === '[') && (quote || sep !== ':' || keyLine)) {
    const closed = containerEnd(from)
    if (!keyLine) return span(text, from, closed ?? lineEnd(text, from))
    return withBelow(text, m.index, span(text, from, Math.max(closed ?? 0, lineEnd(text, from))))
  }
  let end = from
  if (sep === ':' && !quote) {
    // `name: value` is YAML at the start of a line or in a flow mapping; in prose it is a sentence.
    if (!keyLine) return inFlowMapping(text, m.index) ? span(text, from, flowEnd(text, from)) : undefined
    end = lineEnd(text, from)
    const value = text.slice(from, end)
    if (BLOCK_OPENER.test(value.replace(NODE_PROPERTIES, ''))) return blockSpan(text, m.index, end)
    return withBelow(text, m.index, span(text, from, end))
  }
  // An INI, TOML or .env value runs to its line's end (`password = s3cret with spaces`, dotenv's `KEY=a b`).
  if (keyLine) return withBelow(text, m.index, span(text, from, lineEnd(text, from)))
  const stop = sep === '=>' ? /[\s,;)}\]]/ : quote ? /[\s,}\]]/ : /[\s"'&;<>]/
  while (end < text.length && !stop.test(text[end]!)) end++
  return span(text, from, end)
}

// A variable written as a pair of fields, its name in one and its value in the next: XML (CloudFormation
// parameters, Elastic Beanstalk option settings, EC2 tags; up to three plain elements between them), JSON text
// and YAML (an env list), in either order in XML and JSON.
const NAME = '(name|Name|key|Key|ParameterKey|OptionName)'
const VALUE = '(value|Value|ParameterValue)'
const BETWEEN = '((?:\\s*<[A-Za-z]+>[^<]*</[A-Za-z]+>){0,3}?)\\s*'
const JSON_STRING = '"((?:[^"\\\\]|\\\\.)*)"'
// The YAML value is the rest of its line (up to any line terminator `$` stops at), read greedily; a closing quote
// and the blanks after it are trimmed in code (yamlValueEnd). A lazy value followed by `["']?[ \t]*$` retried the
// blanks after each of its characters: a value holding a run of 64 Ki blanks took 23 s, holding every session.
const YAML_REST = '([^\\r\\n\\u2028\\u2029]*)'
// Other attributes between a name and a value attribute (`id="k" type='hidden'`), at most three.
const ATTRIBUTES = `(?:\\s+[\\w:.-]{1,64}\\s*=\\s*(?:"[^"<>]*"|'[^'<>]*')){0,3}?`
// [regex, a character the text must hold for it to match (a cheap test first), group of the name, of the value]
const PAIRS: Array<[RegExp, string, number, number]> = [
  [new RegExp(`<${NAME}>\\s*([^<]{1,128}?)\\s*</\\1>${BETWEEN}<${VALUE}>([^<]*)</\\4>`, 'gd'), '<', 2, 5],
  [new RegExp(`<${VALUE}>([^<]*)</\\1>${BETWEEN}<${NAME}>\\s*([^<]{1,128}?)\\s*</\\4>`, 'gd'), '<', 5, 2],
  [new RegExp(`"${NAME}"\\s*:\\s*${JSON_STRING}\\s*,\\s*"${VALUE}"\\s*:\\s*${JSON_STRING}`, 'gd'), '"', 2, 4],
  [new RegExp(`"${VALUE}"\\s*:\\s*${JSON_STRING}\\s*,\\s*"${NAME}"\\s*:\\s*${JSON_STRING}`, 'gd'), '"', 4, 2],
  [new RegExp(`^[ \\t]*(?:-[ \\t]+)?${NAME}[ \\t]*:[ \\t]*["']?([A-Za-z0-9_.-]{1,128})["']?[ \\t]*\\r?\\n[ \\t]*${VALUE}[ \\t]*:[ \\t]*["']?${YAML_REST}$`, 'gmd'), '\n', 2, 4],
  // Attributes of one element, either order, either quote, up to three others between: .NET appSettings
  // `<add key="SmtpPassword" value="…"/>`, an HTML form's `<input name="api_key" id="k" value="…">`, `<meta name=… content=…>`.
  ...['"', "'"].flatMap((q): Array<[RegExp, string, number, number]> => [
    [new RegExp(`(?<![\\w-])(key|name)\\s*=\\s*${q}([^${q}<>]{1,128})${q}${ATTRIBUTES}\\s+(?:value|content)\\s*=\\s*${q}([^${q}]*)${q}`, 'gid'), '=', 2, 3],
    [new RegExp(`(?<![\\w-])(?:value|content)\\s*=\\s*${q}([^${q}]*)${q}${ATTRIBUTES}\\s+(key|name)\\s*=\\s*${q}([^${q}<>]{1,128})${q}`, 'gid'), '=', 3, 1],
  ]),
]
const YAML_PAIR = PAIRS[4]![0]

/** Where a YAML value read to its line's end stops: before the blanks that end the line, and one quote before them. */
function yamlValueEnd(text: string, start: number, end: number): number {
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--
  if (end > start && (text[end - 1] === '"' || text[end - 1] === "'")) end--
  return end
}

function pairSpans(text: string, spans: Span[]): void {
  for (const [re, needs, nameGroup, valueGroup] of PAIRS) {
    if (!text.includes(needs)) continue
    re.lastIndex = 0
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (!isSecretName(m[nameGroup]!)) continue
      const [start, to] = m.indices![valueGroup]!
      const end = re === YAML_PAIR ? yamlValueEnd(text, start, to) : to
      const found = span(text, start, end)
      if (found) spans.push(found)
    }
  }
}

function findIn(text: string): Span[] {
  const spans: Span[] = []
  pairSpans(text, spans)
  if (text.includes('<')) {
    for (const found of elementSpans(text, isSecretName)) {
      const kept = span(text, found.start, found.end)
      if (kept) spans.push(kept)
    }
  }
  // Most strings assign nothing: the scan below is skipped for them.
  if (!text.includes('=') && !text.includes(':')) return spans
  // YAML aliases a secret value holds, or one written right after a secret name (`{password: *p}` too).
  const aliases = new Set<string>()
  const containerEnd = containerEnds(text)
  ASSIGNMENT.lastIndex = 0
  for (let m = ASSIGNMENT.exec(text); m !== null; m = ASSIGNMENT.exec(text)) {
    if (!isSecretName(m[2]!.replace(/^-+/, ''))) continue
    const alias = aliasAt(text, m.index + m[0].length)
    if (alias !== undefined) aliases.add(alias)
    const found = valueSpan(text, m, containerEnd)
    if (found) {
      spans.push(found)
      ASSIGNMENT.lastIndex = Math.max(ASSIGNMENT.lastIndex, found.end)
    }
  }
  if (text.includes('*') && text.includes('&')) {
    for (const found of spans) aliasesIn(text, found.start, found.end, aliases)
    spans.push(...anchoredSpans(text, aliases))
  }
  return spans
}

/** What findIn finds in a decoded form of `text`, mapped back onto `text` and added to `spans`. */
function addDecoded(spans: Span[], decoded: Decoded | undefined): void {
  if (!decoded || !KEYWORD.test(decoded.text)) return
  const found = findIn(decoded.text)
  if (found.length === 0) return
  // What the text as it stands already masks is not added again, nor a part of it (`pa\"ss` read as `pa`).
  const covered = insideAny(spans)
  for (const f of found) {
    const start = decoded.from[f.start]!
    const end = decoded.to[f.end - 1]!
    if (!covered(start, end)) spans.push({ start, end, label: f.label })
  }
}

export const secretAssignment: Detector = {
  name: 'secret_assignment',
  find(text) {
    // A name may be all escapes (`\u0070\u0061…`): the keyword is looked for once they are undone.
    const escaped = jsonUnescaped(text)
    if (!KEYWORD.test(text) && !(escaped && KEYWORD.test(escaped.text))) return []
    const spans = KEYWORD.test(text) ? findIn(text) : []
    const once = xmlUnescaped(text)
    addDecoded(spans, once)
    // XML escaped twice (XML in a message body that an XML answer carries: `&amp;lt;password&amp;gt;`).
    if (once?.text.includes('&')) addDecoded(spans, through(once, xmlUnescaped(once.text)))
    addDecoded(spans, escaped)
    return spans
  },
  assignedTo: isSecretName,
  assignedWhole: true,
}
