// A small MySQL lexer: enough to split a query string into statements, to find executable comments
// (`/*! … */`, whose content MySQL runs but parsers skip), and to fingerprint text with literals removed.
// Strings follow MySQL's default sql_mode: backslash escapes and doubled quotes.
import { SqlParseError } from './parse.ts'

export type MysqlTokenKind = 'space' | 'comment' | 'string' | 'number' | 'identifier' | 'word' | 'variable' | 'semicolon' | 'symbol'

export interface MysqlToken {
  kind: MysqlTokenKind
  text: string
  /** Character offsets in the lexed text. */
  start: number
  end: number
}

export interface MysqlPiece {
  text: string
  start: number
}

const WORD = /[A-Za-z0-9_$\u0080-\uffff]/
const NUMBER = /^(?:0x[0-9a-f]+|0b[01]+|(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)(?![A-Za-z_$\u0080-\uffff])/i

function quotedEnd(text: string, start: number, quote: string, backslash: boolean): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]
    if (backslash && c === '\\') i++
    else if (c === quote) {
      if (text[i + 1] === quote) i++
      else return i + 1
    }
  }
  throw new SqlParseError('SQL_PARSE_ERROR', `unterminated ${quote === '`' ? 'quoted identifier' : 'string'} at position ${start}`, { position: start })
}

function lineEnd(text: string, start: number): number {
  const newline = text.indexOf('\n', start)
  return newline < 0 ? text.length : newline + 1
}

function tokenEnd(text: string, i: number): [MysqlTokenKind, number] {
  const c = text[i] as string
  const next = text[i + 1] ?? ''
  if (/\s/.test(c)) {
    let j = i + 1
    while (j < text.length && /\s/.test(text[j] as string)) j++
    return ['space', j]
  }
  if (c === '#') return ['comment', lineEnd(text, i)]
  if (c === '-' && next === '-' && (i + 2 >= text.length || /[\s\x00-\x1f]/.test(text[i + 2] as string))) return ['comment', lineEnd(text, i)]
  if (c === '/' && next === '*') {
    const close = text.indexOf('*/', i + 2)
    if (close < 0) throw new SqlParseError('SQL_PARSE_ERROR', `unterminated comment at position ${i}`, { position: i })
    return ['comment', close + 2]
  }
  if (c === "'" || c === '"') return ['string', quotedEnd(text, i, c, true)]
  if (c === '`') return ['identifier', quotedEnd(text, i, c, false)]
  if (c === ';') return ['semicolon', i + 1]
  if (c === '@') {
    let j = i + 1
    while (j < text.length && (WORD.test(text[j] as string) || text[j] === '@' || text[j] === '.')) j++
    return ['variable', j]
  }
  const number = /[\d.]/.test(c) ? NUMBER.exec(text.slice(i, i + 400)) : null
  if (number) return ['number', i + number[0].length]
  if (WORD.test(c)) {
    let j = i + 1
    while (j < text.length && WORD.test(text[j] as string)) j++
    return ['word', j]
  }
  return ['symbol', i + 1]
}

export function lexMysql(text: string): MysqlToken[] {
  const tokens: MysqlToken[] = []
  for (let i = 0; i < text.length;) {
    const [kind, end] = tokenEnd(text, i)
    tokens.push({ kind, text: text.slice(i, end), start: i, end })
    i = end
  }
  return tokens
}

/** The first `/*! … *\/` (or `/*M! … *\/`) comment: MySQL executes its content. */
export function executableComment(tokens: readonly MysqlToken[]): MysqlToken | undefined {
  return tokens.find((t) => t.kind === 'comment' && /^\/\*M?!/.test(t.text))
}

/** Statements split at top-level semicolons; pieces holding only comments and spaces are dropped. */
export function splitMysql(text: string, tokens: readonly MysqlToken[]): MysqlPiece[] {
  const pieces: MysqlPiece[] = []
  let start = 0
  let meaningful = false
  const flush = (end: number): void => {
    if (meaningful) {
      const raw = text.slice(start, end)
      const lead = raw.length - raw.trimStart().length
      pieces.push({ text: raw.trim(), start: start + lead })
    }
    meaningful = false
  }
  for (const token of tokens) {
    if (token.kind === 'semicolon') {
      flush(token.start)
      start = token.end
    } else if (token.kind !== 'space' && token.kind !== 'comment') meaningful = true
  }
  flush(text.length)
  return pieces
}

/** Literals become `?`, comments and spacing go, keywords and names are lower-cased (MySQL compares them so). */
export function mysqlShape(tokens: readonly MysqlToken[]): string {
  return tokens
    .filter((t) => t.kind !== 'space' && t.kind !== 'comment')
    .map((t) => (t.kind === 'string' || t.kind === 'number' ? '?' : t.kind === 'identifier' ? t.text : t.text.toLowerCase()))
    .join(' ')
}
