// Where a nested statement's text starts and ends. The parse tree gives no end offsets for inner
// statements (a CTE body, EXPLAIN's query, PREPARE's query, COPY's query, a rule's actions), so these
// helpers walk the lexer tokens of the enclosing statement. Each returns byte ranges, or undefined when the
// shape is not the expected one (callers then fall back to the enclosing text).
import type { ScanToken } from './parse.ts'

export interface ByteRange {
  start: number
  end: number
}

const COMMENTS = new Set(['C_COMMENT', 'SQL_COMMENT'])

/** Tokens lying inside [start, end), comments dropped. Tokens are in text order: binary search the start. */
export function tokensIn(tokens: readonly ScanToken[], start: number, end: number): ScanToken[] {
  let low = 0
  let high = tokens.length
  while (low < high) {
    const mid = (low + high) >>> 1
    if ((tokens[mid] as ScanToken).start < start) low = mid + 1
    else high = mid
  }
  const out: ScanToken[] = []
  for (let i = low; i < tokens.length && (tokens[i] as ScanToken).end <= end; i++) {
    const token = tokens[i] as ScanToken
    if (!COMMENTS.has(token.tokenName)) out.push(token)
  }
  return out
}

function isWord(token: ScanToken | undefined, word: string): boolean {
  return token !== undefined && token.text.toUpperCase() === word
}

/** Index of the bracket closing the one at `open`, or -1. */
function closing(tokens: readonly ScanToken[], open: number): number {
  let depth = 0
  for (let i = open; i < tokens.length; i++) {
    const text = (tokens[i] as ScanToken).text
    if (text === '(' || text === '[') depth++
    else if (text === ')' || text === ']') {
      depth--
      if (depth === 0) return i
    }
  }
  return -1
}

/** First index at or after `from` whose token is `word` at bracket depth 0, or -1. */
function findWord(tokens: readonly ScanToken[], word: string, from = 0): number {
  let depth = 0
  for (let i = from; i < tokens.length; i++) {
    const token = tokens[i] as ScanToken
    if (token.text === '(' || token.text === '[') depth++
    else if (token.text === ')' || token.text === ']') depth--
    else if (depth === 0 && isWord(token, word)) return i
  }
  return -1
}

function inside(tokens: readonly ScanToken[], open: number): ByteRange | undefined {
  if (tokens[open]?.text !== '(') return undefined
  const close = closing(tokens, open)
  if (close < 0) return undefined
  return { start: (tokens[open] as ScanToken).end, end: (tokens[close] as ScanToken).start }
}

function restFrom(tokens: readonly ScanToken[], index: number): ByteRange | undefined {
  const first = tokens[index]
  const last = tokens[tokens.length - 1]
  if (!first || !last) return undefined
  return { start: first.start, end: last.end }
}

/** `name [(cols)] AS [[NOT] MATERIALIZED] ( body )`, starting at the CTE's location. */
export function cteBody(tokens: readonly ScanToken[], cteLocation: number): ByteRange | undefined {
  const from = tokens.findIndex((t) => t.start >= cteLocation)
  if (from < 0) return undefined
  let i = findWord(tokens, 'AS', from)
  if (i < 0) return undefined
  i++
  if (isWord(tokens[i], 'NOT')) i++
  if (isWord(tokens[i], 'MATERIALIZED')) i++
  return inside(tokens, i)
}

/** `EXPLAIN [ANALYZE] [VERBOSE] query` or `EXPLAIN ( options ) query`. */
export function explainQuery(tokens: readonly ScanToken[]): ByteRange | undefined {
  if (!isWord(tokens[0], 'EXPLAIN')) return undefined
  let i = 1
  if (tokens[i]?.text === '(') {
    i = closing(tokens, i) + 1
    if (i === 0) return undefined
  } else {
    while (['ANALYZE', 'ANALYSE', 'VERBOSE'].some((w) => isWord(tokens[i], w))) i++
  }
  return restFrom(tokens, i)
}

/** What follows the first top-level AS: `PREPARE name [(types)] AS query`, `CREATE TABLE t AS EXECUTE p`. */
export function afterAs(tokens: readonly ScanToken[]): ByteRange | undefined {
  const as = findWord(tokens, 'AS', 1)
  return as < 0 ? undefined : restFrom(tokens, as + 1)
}

/** `COPY ( query ) TO …`. */
export function copyQuery(tokens: readonly ScanToken[]): ByteRange | undefined {
  return isWord(tokens[0], 'COPY') ? inside(tokens, 1) : undefined
}

/** `CREATE RULE … DO [ALSO | INSTEAD] { action | ( action; … ) }`; NOTHING has no actions. */
export function ruleActions(tokens: readonly ScanToken[]): ByteRange | undefined {
  let i = findWord(tokens, 'DO')
  if (i < 0) return undefined
  i++
  if (isWord(tokens[i], 'ALSO') || isWord(tokens[i], 'INSTEAD')) i++
  if (isWord(tokens[i], 'NOTHING')) return undefined
  return tokens[i]?.text === '(' ? inside(tokens, i) : restFrom(tokens, i)
}

/** The statements of a `BEGIN ATOMIC … END` function body. */
export function atomicBody(tokens: readonly ScanToken[]): ByteRange | undefined {
  const begin = tokens.findIndex((t, i) => isWord(t, 'BEGIN') && isWord(tokens[i + 1], 'ATOMIC'))
  const last = tokens[tokens.length - 1]
  const body = tokens[begin + 2]
  if (begin < 0 || !last || !body || !isWord(last, 'END')) return undefined
  return { start: body.start, end: last.start }
}

/** The expression of a `RETURN expr` function body. */
export function returnExpression(tokens: readonly ScanToken[]): ByteRange | undefined {
  const ret = findWord(tokens, 'RETURN')
  return ret < 0 ? undefined : restFrom(tokens, ret + 1)
}

/** The right-hand side of a PL/pgSQL assignment `target := expr` (or `target = expr`). */
export function assignmentValue(tokens: readonly ScanToken[]): ByteRange | undefined {
  let depth = 0
  for (let i = 0; i < tokens.length; i++) {
    const text = (tokens[i] as ScanToken).text
    if (text === '(' || text === '[') depth++
    else if (text === ')' || text === ']') depth--
    else if (depth === 0 && (text === ':=' || text === '=')) return restFrom(tokens, i + 1)
  }
  return undefined
}
