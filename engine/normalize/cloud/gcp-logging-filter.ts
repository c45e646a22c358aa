// A Cloud Logging filter (the Logging query language) → the restrictions it makes, for the policy to judge one by
// one: which field, with which operator, against what kind of value. The policy needs no boolean structure: a
// search answers "there are entries" or not, so every restriction in it is a question the answer responds to,
// negated or not. What this reader cannot read for certain (single quotes, a character outside its grammar, a
// comment, an operator where a value belongs) is a parse error, never a guess: the policy holds it.
// @see https://cloud.google.com/logging/docs/view/logging-query-language
import type { LogFilterRestriction } from '../../types.ts'

export class LogFilterParseError extends Error {
  readonly code = 'log_filter.parse'
  constructor(message: string, readonly offset: number) {
    super(`${message} at character ${offset + 1}`)
  }
}

// Spaces the reader knows Google skips. Others (a no-break space, U+2000…, U+3000) are not read as spaces: they
// are no part of any token here, so a filter holding one outside a quoted string is a parse error.
const SPACE = /[ \t\r\n]/
// Unquoted values: severity=ERROR, zone=us-central1-a, logName=projects/p/logs/app, status>=500, labels.x:*.
const WORD = /[A-Za-z0-9_.\-/@*+]/
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/
const FUNCTION_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const NUMBER = /^-?[0-9]+(\.[0-9]+)?$/
const OPERATORS = ['>=', '<=', '!=', '=~', '!~', '=', '<', '>', ':'] as const
const TERM_CHARS = 80

type ValueKind = LogFilterRestriction['value_kind']

class Reader {
  pos = 0
  readonly out: LogFilterRestriction[] = []
  constructor(readonly text: string) {}

  fail(message: string, at = this.pos): never {
    throw new LogFilterParseError(message, at)
  }

  skipSpaces(): void {
    while (this.pos < this.text.length && SPACE.test(this.text[this.pos]!)) this.pos++
  }

  peek(): string | undefined {
    return this.text[this.pos]
  }

  /** The operator at the cursor, if any (longest first), without moving. */
  operator(): string | undefined {
    if (this.text.startsWith('--', this.pos)) this.fail('a comment (--) is not read')
    return OPERATORS.find((op) => this.text.startsWith(op, this.pos))
  }

  /** A keyword (AND, OR, NOT) stands alone: followed by a space, a parenthesis or the end. */
  keyword(word: 'AND' | 'OR' | 'NOT'): boolean {
    if (!this.text.startsWith(word, this.pos)) return false
    const next = this.text[this.pos + word.length]
    if (next !== undefined && !SPACE.test(next) && next !== '(' && next !== ')') return false
    this.pos += word.length
    return true
  }

  /** After a value or a field's comparison, the next character must end it: a space, `)`, `,` in arguments, or the end. */
  boundary(inArgs = false): void {
    const c = this.peek()
    if (c === undefined || SPACE.test(c) || c === ')' || (inArgs && c === ',')) return
    this.fail(`unexpected ${describe(c)}`)
  }

  quoted(): string {
    const start = this.pos
    if (this.peek() !== '"') this.fail('expected a quoted string')
    this.pos++
    while (this.pos < this.text.length) {
      const c = this.text[this.pos]!
      if (c === '\\') {
        if (this.pos + 1 >= this.text.length) break
        this.pos += 2
        continue
      }
      this.pos++
      if (c === '"') return this.text.slice(start, this.pos)
    }
    return this.fail('a quoted string is not closed', start)
  }

  word(): string {
    const start = this.pos
    while (this.pos < this.text.length && WORD.test(this.text[this.pos]!)) this.pos++
    if (this.pos === start) this.fail(`unexpected ${describe(this.peek())}`)
    const word = this.text.slice(start, this.pos)
    if (word.includes('--')) this.fail('a comment (--) is not read', start + word.indexOf('--'))
    return word
  }

  /** One value (quoted or a word) and its kind. */
  value(inArgs = false): ValueKind {
    const c = this.peek()
    if (c === '"') {
      this.quoted()
      this.boundary(inArgs)
      return 'string'
    }
    if (c === "'") this.fail('a single-quoted string is not read')
    const w = this.word()
    this.boundary(inArgs)
    return NUMBER.test(w) ? 'number' : 'text'
  }

  term(start: number): string {
    const text = this.text.slice(start, this.pos).trim()
    return text.length > TERM_CHARS ? `${text.slice(0, TERM_CHARS)}…` : text
  }

  push(field: string, operator: string, kind: ValueKind, start: number): void {
    this.out.push({ field, operator, value_kind: kind, term: this.term(start) })
  }
}

function describe(c: string | undefined): string {
  if (c === undefined) return 'end of filter'
  const code = c.codePointAt(0)!
  return code > 0x20 && code < 0x7f ? `'${c}'` : `character U+${code.toString(16).toUpperCase().padStart(4, '0')}`
}

/** A field path at the cursor (resource.labels.zone, jsonPayload."a.b"); undefined, cursor unmoved, if none. */
function fieldPath(r: Reader): string | undefined {
  const start = r.pos
  const head = /^[A-Za-z_][A-Za-z0-9_]*/.exec(r.text.slice(r.pos, r.pos + 256))
  if (!head) return undefined
  r.pos += head[0].length
  let path = head[0]
  while (r.peek() === '.') {
    r.pos++
    if (r.peek() === '"') {
      path += `.${r.quoted()}`
      continue
    }
    const seg = /^[A-Za-z_][A-Za-z0-9_]*/.exec(r.text.slice(r.pos, r.pos + 256))
    if (!seg) {
      r.pos = start
      return undefined
    }
    r.pos += seg[0].length
    path += `.${seg[0]}`
  }
  return path
}

/** Parentheses nested deeper than this are refused, in expressions and in groups of values alike. */
const MAX_DEPTH = 64

/**
 * `( value { [AND|OR] [NOT] value } )` after an operator: each value is its own restriction of the field. `depth`:
 * the parentheses open around it, this one included.
 */
function valueGroup(r: Reader, field: string, op: string, start: number, depth: number): void {
  if (depth > MAX_DEPTH) r.fail(`parentheses nested deeper than ${MAX_DEPTH} levels`)
  r.pos++ // (
  let values = 0
  for (;;) {
    r.skipSpaces()
    if (r.peek() === ')') {
      if (values === 0) r.fail('an empty group of values')
      r.pos++
      r.boundary()
      return
    }
    if (r.peek() === undefined) r.fail('a group of values is not closed', start)
    if (values > 0 && (r.keyword('AND') || r.keyword('OR'))) r.skipSpaces()
    if (r.keyword('NOT')) r.skipSpaces()
    else if (r.peek() === '-' && !/[0-9]/.test(r.text[r.pos + 1] ?? '')) r.fail("'-' before a value")
    if (r.peek() === '(') {
      valueGroup(r, field, op, start, depth + 1)
    } else {
      r.push(field, op, r.value(), start)
    }
    values++
  }
}

/** NAME(arg, …): a restriction whose operator is the function (`log_id()`, `sample()`, `search()`). */
function call(r: Reader, name: string, start: number): void {
  r.pos++ // (
  let field = ''
  let kind: ValueKind = 'none'
  for (let i = 0; ; i++) {
    r.skipSpaces()
    if (i === 0 && r.peek() === ')') break
    const at = r.pos
    const path = fieldPath(r)
    const c = r.peek()
    if (path !== undefined && (c === undefined || SPACE.test(c) || c === ',' || c === ')')) {
      // The field a function reads comes first (sample(insertId, 0.1), SEARCH(textPayload, "x")); a field later
      // on is no call this reader knows.
      if (i > 0) r.fail(`a field as argument ${i + 1} of ${name}()`, at)
      field = path
    } else {
      r.pos = at
      kind = r.value(true)
    }
    r.skipSpaces()
    if (r.peek() === ',') {
      r.pos++
      continue
    }
    break
  }
  if (r.peek() !== ')') r.fail(`the arguments of ${name}() are not closed`, start)
  r.pos++
  r.boundary()
  r.push(field, `${name.toLowerCase()}()`, kind, start)
}

/** One term at `depth` parentheses: a comparison, a function call or a free-text value. */
function comparisonOrValue(r: Reader, depth: number): void {
  const start = r.pos
  const c = r.peek()
  if (c === undefined) r.fail('a term is missing')
  if (c === "'") r.fail('a single-quoted string is not read')
  const path = fieldPath(r)
  if (path !== undefined) {
    if (r.peek() === '(' && FUNCTION_NAME.test(path)) return call(r, path, start)
    r.skipSpaces()
    const op = r.operator()
    if (op !== undefined) {
      r.pos += op.length
      r.skipSpaces()
      if (r.peek() === '(') return valueGroup(r, path, op, start, depth + 1)
      return r.push(path, op, r.value(), start)
    }
    // A bare word that is no comparison: a free-text term, read again as a value (`us-central1`, `textPayload`).
    r.pos = start
  }
  const kind = r.value()
  r.skipSpaces()
  if (r.operator() !== undefined) r.fail('an operator after a value that is no field name')
  r.push('', ':', kind, start)
}

function expression(r: Reader, depth: number): void {
  if (depth > MAX_DEPTH) r.fail(`parentheses nested deeper than ${MAX_DEPTH} levels`)
  let terms = 0
  for (;;) {
    r.skipSpaces()
    const c = r.peek()
    if (c === undefined || c === ')') {
      if (terms === 0 && (depth > 0 || c === ')')) r.fail('an empty expression')
      return
    }
    if (terms > 0 && (r.keyword('AND') || r.keyword('OR'))) {
      r.skipSpaces()
      if (r.peek() === undefined || r.peek() === ')') r.fail('a term is missing after AND or OR')
    }
    const at = r.pos
    if (r.keyword('AND') || r.keyword('OR')) r.fail('AND or OR where a term belongs', at)
    if (r.keyword('NOT')) r.skipSpaces()
    else if (r.peek() === '-') {
      if (r.text[r.pos + 1] === '-') r.fail('a comment (--) is not read')
      r.pos++
    }
    if (r.peek() === '(') {
      const open = r.pos
      r.pos++
      expression(r, depth + 1)
      if (r.peek() !== ')') r.fail('a parenthesis is not closed', open)
      r.pos++
      r.boundary()
    } else {
      comparisonOrValue(r, depth)
    }
    terms++
  }
}

/** Every restriction the filter makes; throws LogFilterParseError for what it cannot read for certain. */
export function parseLogFilter(text: string): LogFilterRestriction[] {
  const r = new Reader(text)
  expression(r, 0)
  if (r.pos < text.length) r.fail(`unexpected ${describe(r.peek())}`)
  return r.out
}
