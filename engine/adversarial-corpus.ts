// Loads the SQL corpora in testdata/corpora (a YAML list of {sql, why, prepared?}) and describes how one
// entry was judged, so a failure shows whether the normalizer or the policy is at fault.
import { parseDocument } from 'yaml'
import type { Decision, InputDocument } from './types.ts'
import { CodedError } from './errors.ts'

export interface CorpusEntry {
  sql: string
  /** Why the entry must (or may) be allowed; doubles as the test name. */
  why: string
  /** Statements prepared earlier in the session, by name, as the proxy would pass them. */
  prepared?: Record<string, string>
}

export class CorpusError extends CodedError<'corpus.invalid'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('corpus.invalid', message, options)
  }
}

function isStringMap(value: unknown): value is Record<string, string> {
  return !!value && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every((v) => typeof v === 'string')
}

function checkEntry(value: unknown, at: string): CorpusEntry {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new CorpusError(`${at}: an entry must be a map with sql and why`)
  const { sql, why, prepared, ...rest } = value as Record<string, unknown>
  const extra = Object.keys(rest)
  if (extra.length) throw new CorpusError(`${at}: unknown keys ${extra.join(', ')}; an entry has only sql, why and prepared`)
  if (typeof sql !== 'string') throw new CorpusError(`${at}: sql must be a string (quote it when YAML would read a number or null)`)
  if (typeof why !== 'string' || why.trim() === '') throw new CorpusError(`${at}: why must be a non-empty string`)
  if (prepared !== undefined && !isStringMap(prepared)) throw new CorpusError(`${at}: prepared must map statement names to SQL text`)
  return prepared === undefined ? { sql, why } : { sql, why, prepared }
}

/** Parses one corpus file; every `why` must be unique within it, since it names the test. */
export function parseCorpus(text: string, file: string): CorpusEntry[] {
  const doc = parseDocument(text, { prettyErrors: true })
  if (doc.errors.length) {
    const first = doc.errors[0]!
    const at = first.linePos?.[0] ? `${file}:${first.linePos[0].line}:${first.linePos[0].col}` : file
    throw new CorpusError(`${at}: invalid YAML: ${first.message.split('\n')[0]}`)
  }
  const value: unknown = doc.toJS()
  if (!Array.isArray(value)) throw new CorpusError(`${file}: the corpus must be a YAML list of {sql, why, prepared?}`)
  const entries = value.map((v, i) => checkEntry(v, `${file} entry ${i + 1}`))
  const seen = new Set<string>()
  for (const [i, entry] of entries.entries()) {
    if (seen.has(entry.why)) throw new CorpusError(`${file} entry ${i + 1}: duplicate why ${JSON.stringify(entry.why)}; each why names a test`)
    seen.add(entry.why)
  }
  return entries
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text
}

/** Multi-line account of a judged entry: the decision, then each normalized statement. */
export function describeJudgement(input: InputDocument, decision: Decision): string {
  const lines = [`effect ${decision.effect}`]
  for (const r of decision.reasons) lines.push(`  reason ${r.rule}: ${clip(r.message, 200)}`)
  const sql = input.command.sql
  if (!sql) return [...lines, '  no sql command in the input'].join('\n')
  if (sql.parse_error !== undefined) lines.push(`  parse_error: ${clip(sql.parse_error, 200)}`)
  lines.push(`  risk ${input.risk.level} (${input.risk.reasons.join('; ')})`)
  sql.statements.forEach((s, i) => {
    const nested = s.nested ? ` nested via ${s.nested.via} in ${s.nested.parent_index}` : ''
    const functions = s.functions.map((f) => f.full_name).join(', ')
    const tables = s.tables.map((t) => `${t.full_name}:${t.access}`).join(', ')
    lines.push(`  [${i}] ${s.type} (${s.node}) read_only=${s.read_only}${nested} functions=[${functions}] tables=[${tables}] detail=${clip(JSON.stringify(s.detail), 200)}`)
  })
  if (sql.statements.length === 0) lines.push('  no statements')
  return lines.join('\n')
}
