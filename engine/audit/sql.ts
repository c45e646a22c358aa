// SQL text as the audit log may keep it: literals become $1, $2 … (libpg-query's normalize), then the
// scrubber removes comments and any literal normalization left; text that does not parse is scrubbed
// alone, quoted identifiers included. Nothing here returns the raw text when in doubt.
import { loadModule, normalizeSync, parseSync } from 'libpg-query'
import { integerLiterals, templateKey } from '../normalize/sql-template.ts'
import { StringMemo } from './memo.ts'
import { scrubSql } from './sql-scrub.ts'

export const UNREDACTABLE_SQL = '[sql withheld: could not be redacted]'

let loaded: Promise<void> | undefined
let ready = false

/** Loads the parser's WASM module; redactSql uses the scrubber alone until this has resolved. */
export function loadAuditRedaction(): Promise<void> {
  loaded ??= loadModule().then(() => {
    ready = true
  })
  return loaded
}

// Parsing and normalizing cost ~20 µs a statement, and a statement is redacted at least twice on its way to
// the log (the event's text, then the sink's pass over the event); applications also repeat statements.
// Only results computed with the parser loaded are kept: before that the scrubber alone answers.
const memo = new StringMemo(256, 4096)
// Texts that differ only in integer literals (engine/normalize/sql-template.ts) share one redaction when none of
// those literals survived it: every character around them is the same, so the redacted text is too.
const shapes = new StringMemo(256, 4096)
const NOT_SHARED = '\u0000'
const survives = (redacted: string) => /[0-9]/.test(redacted.replace(/\$[0-9]+/g, ''))

export interface RedactSqlOptions {
  /**
   * The caller knows libpg-query parsed exactly this text without error (the normalizer's judgement of it has
   * statements and no parse_error), so the parse check is skipped (~10 µs); normalizing and scrubbing are not.
   */
  parsed?: boolean
}

export function redactSql(text: string, opts?: RedactSqlOptions): string {
  if (typeof text !== 'string') return UNREDACTABLE_SQL
  if (!ready) return redactUncached(text, false)
  const compute = opts?.parsed === true ? redactParsed : redactChecked
  const literals = integerLiterals(text)
  if (literals) {
    // Computed through the per-text memo: a shape that cannot be shared finds its first text there below.
    const shared = shapes.get(templateKey(text, literals), () => {
      const redacted = memo.get(text, compute)
      return survives(redacted) ? NOT_SHARED : redacted
    })
    if (shared !== NOT_SHARED) return shared
  }
  return memo.get(text, compute)
}

const redactParsed = (text: string) => redactUncached(text, true)
const redactChecked = (text: string) => redactUncached(text, false)

function redactUncached(text: string, parsed: boolean): string {
  try {
    let normalized: string | undefined
    try {
      // normalizeSync returns some parse errors (e.g. an unterminated string, quoting the raw text) as if
      // they were its result; parseSync throws on every error, so only parsed text is normalized.
      if (!parsed) parseSync(text)
      normalized = normalizeSync(text)
    } catch {
      normalized = undefined // not loaded yet, or not PostgreSQL: scrub the raw text
    }
    return normalized === undefined ? scrubSql(text, { strict: true }) : scrubSql(normalized, { strict: false })
  } catch {
    return UNREDACTABLE_SQL
  }
}
