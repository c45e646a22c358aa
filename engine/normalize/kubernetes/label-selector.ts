// A label selector read the way k8s.io/apimachinery/pkg/labels (Parse: its Lexer and Parser) reads one, to the
// keys and values each requirement names. Validation of the names is left to the apiserver: a selector it
// accepts is read the same here, and one read here that it refuses never lists anything.
// @see https://github.com/kubernetes/apimachinery/blob/master/pkg/labels/selector.go

export type LabelOperator = 'exists' | '!' | '=' | '==' | '!=' | 'in' | 'notin' | '>' | '<'

export interface LabelTerm {
  key: string
  op: LabelOperator
  values: string[]
}

// The lexer's symbols, longest first (it reads the longest run of special characters that is one).
const SYMBOLS = ['!=', '==', '!', '=', '(', ')', ',', '>', '<'] as const
const SPECIAL = new Set(['=', '!', '(', ')', ',', '>', '<'])
const BLANK = new Set([' ', '\t', '\r', '\n'])

type Token = { symbol: string } | { id: string }

function tokens(selector: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < selector.length) {
    const c = selector[i]!
    if (BLANK.has(c)) i++
    else if (SPECIAL.has(c)) {
      const symbol = SYMBOLS.find((s) => selector.startsWith(s, i))!
      out.push({ symbol })
      i += symbol.length
    } else {
      let end = i
      while (end < selector.length && !BLANK.has(selector[end]!) && !SPECIAL.has(selector[end]!)) end++
      out.push({ id: selector.slice(i, end) })
      i = end
    }
  }
  return out
}

const idOf = (t: Token | undefined) => (t && 'id' in t ? t.id : undefined)
const symbolOf = (t: Token | undefined) => (t && 'symbol' in t ? t.symbol : undefined)

/** The requirements of a selector, or undefined when it does not parse. */
export function parseLabelSelector(selector: string): LabelTerm[] | undefined {
  const list = tokens(selector)
  const terms: LabelTerm[] = []
  let at = 0
  while (at < list.length) {
    let term: LabelTerm
    if (symbolOf(list[at]) === '!') {
      const key = idOf(list[at + 1])
      if (key === undefined) return undefined
      term = { key, op: '!', values: [] }
      at += 2
    } else {
      const key = idOf(list[at])
      if (key === undefined) return undefined
      at++
      const next = list[at]
      const op = idOf(next) ?? symbolOf(next)
      if (next === undefined || op === ',') term = { key, op: 'exists', values: [] }
      else if (op === 'in' || op === 'notin') {
        if (symbolOf(list[at + 1]) !== '(') return undefined
        const values: string[] = []
        at += 2
        for (;;) {
          const value = idOf(list[at])
          if (value !== undefined) at++
          values.push(value ?? '')
          const sep = symbolOf(list[at])
          at++
          if (sep === ')') break
          if (sep !== ',') return undefined
        }
        term = { key, op, values }
      } else if (op === '=' || op === '==' || op === '!=' || op === '>' || op === '<') {
        at++
        const value = idOf(list[at])
        if (value !== undefined) at++
        term = { key, op, values: [value ?? ''] }
      } else return undefined
    }
    terms.push(term)
    if (at === list.length) break
    if (symbolOf(list[at]) !== ',' || at + 1 === list.length) return undefined
    at++
  }
  return terms
}
