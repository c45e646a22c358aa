// Statements that differ only in the value of integer literals (`… WHERE aid = 7`, `… WHERE aid = 4242`) share
// one normalization, the way PgDog reuses a syntax tree. This is sound only where the normalized form provably
// does not depend on those values, so a text becomes a template only when all of this holds:
// - it is plain ASCII from a small alphabet: no quotes, dollar signs, backslashes or comments, so the lexer
//   reads every other character the same way whatever the digits are;
// - each literal is a run of at most 9 digits between non-identifier characters: always an ICONST token that
//   fits int4, whatever its value, so the grammar builds the same tree around it;
// - the parse tree holds exactly one integer A_Const at each literal's offset (a literal the grammar consumed,
//   such as float(25) or FETCH 5, folded, such as -5, or copied, such as SET (a, b) = (1, 2), disqualifies
//   the text);
// - the normalizer never read those A_Const values (they sit behind guards that record a read), never read
//   the lexer tokens, parsed only the text itself, and it produced one statement with no nested ones.
// The key keeps every other character and each literal's length, so every offset is the same in all texts of
// a template: what differs is the text itself (raw, its digest and the statement's text, taken again from the
// new text at the same offsets). The fingerprint ignores A_Const values by construction (libpg-query).
import { createHash } from 'node:crypto'
import { deepFreeze } from '../deep-freeze.ts'
import { knownJson } from '../json-text.ts'
import type { BoundValues } from '../approvals/review-text.ts'
import type { Normalized } from './index.ts'
import type { ParseWatch } from './sql/builder.ts'
import type { RawStmt } from './sql/parse.ts'

/** The digest of a SQL command, of its raw text (normalize/index.ts; grants of scope statement match on it). */
export const sqlDigest = (raw: string) => createHash('sha256').update(raw).digest('hex')

/**
 * The digest of a SQL command that runs prepared statements by name (SQL EXECUTE): of its text and of the
 * statements it runs, so a statement grant for `EXECUTE p(5)` does not cover another statement prepared as p
 * later. Without one it is the text's digest.
 */
export function commandDigest(raw: string, statements: readonly { text: string; nested?: { via: string } }[]): string {
  const executed = statements.filter((s) => s.nested?.via === 'execute').map((s) => s.text)
  return executed.length ? sqlDigest(`${sqlDigest(raw)}\n${JSON.stringify({ executed })}`) : sqlDigest(raw)
}

/**
 * The digest of a statement run with values bound to its `$n` parameters (the extended protocol's Bind): of its
 * text and of every value, format code and type OID, so a statement grant covers the values the reviewer saw
 * and no others, as a literal in the text would. Without parameters it is the text's digest.
 */
export function boundSqlDigest(raw: string, values: BoundValues): string {
  if (values.params.length === 0) return sqlDigest(raw)
  const params = values.params.map((p) => (p === null ? null : Buffer.from(p.buffer, p.byteOffset, p.byteLength).toString('base64')))
  return sqlDigest(`${sqlDigest(raw)}\n${JSON.stringify({ params, formats: values.formats, types: values.types ?? [] })}`)
}

/** Characters a template text may contain besides digits. */
const PLAIN = /^[A-Za-z0-9_ \t\r\n,.()=<>;*+\-/%:]*$/
/** A digit run that is a whole token: not part of a name, a parameter, a decimal or an exponent. */
const INTEGER = /(?<![A-Za-z0-9_$.])[0-9]{1,9}(?![A-Za-z0-9_$.])/g
const MARK = '\u0001'

export interface Literal {
  start: number
  length: number
  value: number
}

/** The integer literals of a plain text, or undefined when the text cannot be a template. */
export function integerLiterals(text: string): Literal[] | undefined {
  if (!PLAIN.test(text) || text.includes('--') || text.includes('/*')) return undefined
  const found: Literal[] = []
  for (const m of text.matchAll(INTEGER)) found.push({ start: m.index, length: m[0].length, value: Number(m[0]) })
  return found.length ? found : undefined
}

/** The text with each literal's digits replaced by marks: the same for texts that differ only in those values. */
export function templateKey(text: string, literals: readonly Literal[]): string {
  let key = ''
  let at = 0
  for (const l of literals) {
    key += text.slice(at, l.start) + MARK.repeat(l.length)
    at = l.start + l.length
  }
  return key + text.slice(at)
}

/**
 * Watches one normalization of `text`: puts each literal's A_Const value behind a getter and records whether
 * anything read it, or anything else made the result depend on the literals' values.
 */
export class LiteralWatch implements ParseWatch {
  private parses = 0
  private spoiled = false

  constructor(private readonly text: string, private readonly literals: readonly Literal[]) {}

  parsed(text: string, stmts: RawStmt[]): void {
    this.parses++
    if (this.parses > 1 || text !== this.text) {
      this.spoiled = true
      return
    }
    const byOffset = new Map(this.literals.map((l) => [l.start, l]))
    const seen = new Set<number>()
    let guarded = 0
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const item of node) visit(item)
        return
      }
      if (typeof node !== 'object' || node === null) return
      const record = node as Record<string, unknown>
      const constant = record.A_Const as Record<string, unknown> | undefined
      if (constant && typeof constant === 'object' && typeof constant.location === 'number' && byOffset.has(constant.location)) {
        // A second constant at a literal's offset (the grammar shares one row among the columns of
        // SET (a, b) = (1, 2)) would sit unguarded: such a text is no template.
        if (seen.has(constant.location)) this.spoiled = true
        else guarded += this.guard(constant, byOffset.get(constant.location)!) ? 1 : 0
        seen.add(constant.location)
        return
      }
      for (const key of Object.keys(record)) visit(record[key])
    }
    visit(stmts)
    if (guarded !== this.literals.length) this.spoiled = true
  }

  scanned(): void {
    this.spoiled = true
  }

  /**
   * Puts the constant's value behind a guard: an object whose `ival` (and toJSON) are non-enumerable, so a
   * generic walk over the tree (Object.values, which visits every child) passes it without reading the value,
   * and any real read (constText, JSON.stringify) marks the normalization as value-dependent. False when the
   * constant is not this literal's integer.
   */
  private guard(constant: Record<string, unknown>, literal: Literal): boolean {
    const ival = constant.ival as Record<string, unknown> | undefined
    if (Object.keys(constant).length !== 2 || !ival || typeof ival !== 'object') return false
    const inner = Object.keys(ival)
    const value = inner.length === 0 ? 0 : inner.length === 1 && typeof ival.ival === 'number' ? ival.ival : NaN
    if (value !== literal.value) return false
    const read = () => {
      this.spoiled = true
      return value
    }
    const guarded = {}
    Object.defineProperty(guarded, 'ival', { enumerable: false, get: read })
    Object.defineProperty(guarded, 'toJSON', { enumerable: false, value: () => ({ ival: read() }) })
    constant.ival = guarded
    return true
  }

  /** Where the one statement's text sits in the text, when `normalized` can stand for every text of the template. */
  reusable(normalized: Normalized): { start: number; end: number } | undefined {
    const sql = normalized.command.sql
    if (this.spoiled || this.parses !== 1 || !sql || sql.parse_error !== undefined || sql.statements.length !== 1) return undefined
    const [statement] = sql.statements
    if (statement!.nested) return undefined
    const start = this.text.length - this.text.trimStart().length
    const end = start + statement!.text.length
    return this.text.slice(start, end) === statement!.text ? { start, end } : undefined
  }
}

type Command = Normalized['command']

/** A command of a template with its text, digest and statement text put in (the only parts an instance changes). */
function commandWith(command: Command, raw: string, digest: string, statementText: string): Command {
  const sql = command.sql!
  return { ...command, raw, digest, sql: { ...sql, statements: [{ ...sql.statements[0]!, text: statementText }] } }
}

/** A template command's JSON text cut where its three strings go: [text before, which string, …, text after]. */
interface JsonCuts {
  pieces: string[]
  order: (0 | 1 | 2)[]
}

const MARKS = ['\u0000warden-raw\u0000', '\u0000warden-digest\u0000', '\u0000warden-text\u0000'] as const
const cutsByCommand = new WeakMap<Command, JsonCuts | null>()

/**
 * The JSON of the template's command with marks for the three strings, cut at them. Null when a mark is not there
 * exactly once (then instances are stringified whole).
 */
function jsonCuts(command: Command): JsonCuts | null {
  let cuts = cutsByCommand.get(command)
  if (cuts !== undefined) return cuts
  const json = JSON.stringify(commandWith(command, MARKS[0], MARKS[1], MARKS[2]))
  const marks = MARKS.map((m) => JSON.stringify(m))
  const at = marks.map((m) => json.indexOf(m))
  cuts = null
  if (at.every((i, k) => i >= 0 && json.indexOf(marks[k]!, i + 1) < 0)) {
    const order = ([0, 1, 2] as const).slice().sort((a, b) => at[a]! - at[b]!)
    const pieces: string[] = []
    let from = 0
    for (const k of order) {
      pieces.push(json.slice(from, at[k]))
      from = at[k]! + marks[k]!.length
    }
    pieces.push(json.slice(from))
    cuts = { pieces, order }
  }
  cutsByCommand.set(command, cuts)
  return cuts
}

/** The template's normalized form for another text of the same template (frozen, sharing the template's parts). */
export function instantiate(template: Normalized, text: string, at: { start: number; end: number }): Normalized {
  const statementText = text.slice(at.start, at.end)
  const digest = sqlDigest(text)
  // The template's parts are frozen already: this freezes the four new objects.
  const command = deepFreeze(commandWith(template.command, text, digest, statementText))
  // Its JSON is the template's with the three strings put in: the decision cache then need not stringify it.
  const cuts = jsonCuts(template.command)
  if (cuts) {
    const values = [JSON.stringify(text), JSON.stringify(digest), JSON.stringify(statementText)]
    let json = cuts.pieces[0]!
    cuts.order.forEach((k, i) => (json += values[k]! + cuts.pieces[i + 1]!))
    knownJson(command, json)
  }
  return deepFreeze({ command, risk: template.risk, ...(template.newer && { newer: template.newer }) })
}
