// A small SQL lexer that replaces every literal with a numbered parameter symbol ($1, $2 …) and drops comments. It backs
// redactSql: after the parser's normalization (to catch what normalization leaves, e.g. in COPY or in
// comments) and alone when the text does not parse, where quoted identifiers are replaced too.

export interface ScrubOptions {
  /**
   * The text did not parse (or is MySQL): also replace "quoted" and `backtick` identifiers, and treat `#`
   * as a line comment. In parsed PostgreSQL `#` is the XOR operator and identifiers are not data.
   */
  strict: boolean
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/
const DIGIT = /[0-9]/
const LITERAL_PREFIXES = new Set(['e', 'b', 'x', 'n', 'u&'])

/** End index (exclusive) of a quoted run starting at `start`, honouring doubled quotes and optional backslash escapes. */
function quotedEnd(text: string, start: number, quote: string, backslash: boolean): number {
  let j = start + 1
  while (j < text.length) {
    const ch = text[j]
    if (backslash && ch === '\\') j += 2
    else if (ch === quote && text[j + 1] === quote) j += 2
    else if (ch === quote) return j + 1
    else j++
  }
  return text.length
}

function commentEnd(text: string, start: number): number {
  let depth = 0
  let j = start
  while (j < text.length) {
    if (text.startsWith('/*', j)) {
      depth++
      j += 2
    } else if (text.startsWith('*/', j)) {
      depth--
      j += 2
      if (depth === 0) return j
    } else j++
  }
  return text.length
}

function numberEnd(text: string, start: number): number {
  const hex = /^0[xXoObB][0-9A-Fa-f_]+/.exec(text.slice(start, start + 80))
  if (hex) return start + hex[0].length
  const m = /^(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9][0-9_]*)(?:[eE][+-]?[0-9]+)?/.exec(text.slice(start, start + 400))
  return start + (m ? m[0].length : 1)
}

/** Highest $n parameter symbol already in the text, so new ones continue the numbering. */
export function maxParam(text: string): number {
  let max = 0
  for (const m of text.matchAll(/\$(\d{1,6})(?!\d)/g)) max = Math.max(max, Number(m[1]))
  return max
}

export function scrubSql(text: string, opts: ScrubOptions): string {
  let next = maxParam(text) + 1
  const param = () => `$${next++}`
  let out = ''
  let i = 0
  while (i < text.length) {
    const ch = text[i]!
    if (text.startsWith('--', i) || (opts.strict && ch === '#')) {
      const nl = text.indexOf('\n', i)
      i = nl === -1 ? text.length : nl
    } else if (text.startsWith('/*', i)) {
      i = commentEnd(text, i)
      out += ' '
    } else if (ch === "'") {
      i = quotedEnd(text, i, "'", false)
      out += param()
    } else if (ch === '$') {
      const tag = /^\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$/.exec(text.slice(i, i + 70))
      if (tag) {
        const close = text.indexOf(tag[0], i + tag[0].length)
        i = close === -1 ? text.length : close + tag[0].length
        out += param()
      } else {
        const num = /^\$\d+/.exec(text.slice(i, i + 12))
        out += num ? num[0] : '$'
        i += num ? num[0].length : 1
      }
    } else if (ch === '"' || ch === '`') {
      const end = quotedEnd(text, i, ch, false)
      out += opts.strict ? param() : text.slice(i, end)
      i = end
    } else if (DIGIT.test(ch) || (ch === '.' && DIGIT.test(text[i + 1] ?? ''))) {
      i = numberEnd(text, i)
      out += param()
    } else if (IDENT_START.test(ch)) {
      let j = i + 1
      while (j < text.length && IDENT_PART.test(text[j]!)) j++
      const word = text.slice(i, j)
      const prefix = text[j] === '&' && word.toLowerCase() === 'u' ? 'u&' : word.toLowerCase()
      const quoteAt = prefix === 'u&' ? j + 1 : j
      if (LITERAL_PREFIXES.has(prefix) && text[quoteAt] === "'") {
        i = quotedEnd(text, quoteAt, "'", prefix === 'e')
        out += param()
      } else {
        out += word
        i = j
      }
    } else {
      out += ch
      i++
    }
  }
  return out
}
