// Decoded forms of a text, each character with where its source starts and ends in the text, so that what is
// found in the decoded form can be masked in the text as it stands.

export type Decoded = { text: string; from: number[]; to: number[] }

// XML escapes the quotes of JSON text it carries (an SQS message body, a CloudFormation template):
// `{&quot;password&quot;: &quot;…&quot;}`. The text is also read with its character references undone, and
// what is found there is mapped back to the escaped text.
// HTML also reads `&#X67;` and any number of leading zeros (`&#0000000103;`), as XML reads the zeros.
const REFERENCE = /&(?:quot|apos|amp|lt|gt|#0*[0-9]{1,7}|#[xX]0*[0-9A-Fa-f]{1,6});/g
const NAMED: Record<string, string> = { quot: '"', apos: "'", amp: '&', lt: '<', gt: '>' }

/** The text with its character references undone, and for each decoded character where its source starts and ends. */
export function xmlUnescaped(text: string): Decoded | undefined {
  if (!text.includes('&')) return undefined
  let out = ''
  const from: number[] = []
  const to: number[] = []
  let last = 0
  REFERENCE.lastIndex = 0
  for (let m = REFERENCE.exec(text); m !== null; m = REFERENCE.exec(text)) {
    for (let i = last; i < m.index; i++) from.push(i), to.push(i + 1)
    out += text.slice(last, m.index)
    const ref = m[0].slice(1, -1)
    const code = /^#x/i.test(ref) ? parseInt(ref.slice(2), 16) : ref.startsWith('#') ? parseInt(ref.slice(1), 10) : -1
    const char = code < 0 ? NAMED[ref]! : code <= 0x10ffff ? String.fromCodePoint(code) : '\ufffd'
    for (let i = 0; i < char.length; i++) from.push(m.index), to.push(m.index + m[0].length)
    out += char
    last = m.index + m[0].length
  }
  if (out === '' && last === 0) return undefined
  for (let i = last; i < text.length; i++) from.push(i), to.push(i + 1)
  return { text: out + text.slice(last), from, to }
}

// JSON text with its names escaped (`"pass\u0077ord": …` in JSONP, a log line, a YAML double-quoted key;
// `api\/key` as PHP writes it) reads as `password` to the client that parses it: the text is also read with its
// \u, \/, \" and \\ escapes undone. XML held in JSON text (kubectl's last-applied annotation of a ConfigMap
// holding an XML file) has its attribute quotes escaped: `<entry key=\"db.password\">`. So are the control
// escapes (\n, \t, \r, \b, \f): a card number or a key after `\n` in a JSON log line is no longer glued to the `n`.
const UNICODE_ESCAPE = /\\(?:u([0-9A-Fa-f]{4})|([/"\\])|([nrtbf]))/g
const CONTROL: Readonly<Record<string, string>> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' }
const ANY_ESCAPE = /\\[u/"nrtbf]/

// The last text decoded and its decoding: secret_assignment and the masker (text-spans.ts) each decode the same
// text in turn, and decoding a 64 KB log with an escape on every line costs about what all detectors cost over it.
let lastText: string | undefined
let lastDecoded: Decoded | undefined

/** The text with its JSON string escapes (\u, \/, \", \\, \n …) undone, and for each decoded character where its source starts and ends. */
export function jsonUnescaped(text: string): Decoded | undefined {
  if (!ANY_ESCAPE.test(text)) return undefined
  if (text !== lastText) {
    lastDecoded = decodeJson(text)
    lastText = text
  }
  return lastDecoded
}

function decodeJson(text: string): Decoded | undefined {
  let out = ''
  const from: number[] = []
  const to: number[] = []
  let last = 0
  UNICODE_ESCAPE.lastIndex = 0
  for (let m = UNICODE_ESCAPE.exec(text); m !== null; m = UNICODE_ESCAPE.exec(text)) {
    for (let i = last; i < m.index; i++) from.push(i), to.push(i + 1)
    out += text.slice(last, m.index) + (m[1] !== undefined ? String.fromCharCode(parseInt(m[1], 16)) : m[2] ?? CONTROL[m[3]!]!)
    from.push(m.index), to.push(m.index + m[0].length)
    last = m.index + m[0].length
  }
  if (last === 0) return undefined
  for (let i = last; i < text.length; i++) from.push(i), to.push(i + 1)
  return { text: out + text.slice(last), from, to }
}

// Quoted-printable (RFC 2045), as a raw e-mail (an MCP mail server's message source) carries a text part: lines
// end in a soft break (`=` before the line break) at 76 characters, and `=`, non-ASCII and trailing blanks are
// `=XX`. A token across a soft break is whole to the mail client that reads it. Read only when the text holds a
// soft break.
const QP = /=(?:\r?\n|([0-9A-F]{2}))/g

/** The text with its quoted-printable soft breaks and escapes undone, and for each decoded character where its source starts and ends. */
export function quotedPrintable(text: string): Decoded | undefined {
  if (!text.includes('=\n') && !text.includes('=\r\n')) return undefined
  let out = ''
  const from: number[] = []
  const to: number[] = []
  let last = 0
  QP.lastIndex = 0
  for (let m = QP.exec(text); m !== null; m = QP.exec(text)) {
    for (let i = last; i < m.index; i++) from.push(i), to.push(i + 1)
    out += text.slice(last, m.index)
    if (m[1] !== undefined) {
      out += String.fromCharCode(parseInt(m[1], 16))
      from.push(m.index), to.push(m.index + 3)
    }
    last = m.index + m[0].length
  }
  for (let i = last; i < text.length; i++) from.push(i), to.push(i + 1)
  return { text: out + text.slice(last), from, to }
}

/** A decoding of a decoded text, its offsets mapped back onto the text the first was decoded from. */
export function through(outer: Decoded, inner: Decoded | undefined): Decoded | undefined {
  if (!inner) return undefined
  return { text: inner.text, from: inner.from.map((i) => outer.from[i]!), to: inner.to.map((i) => outer.to[i - 1]!) }
}
