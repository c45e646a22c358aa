// SQL text as the audit log may keep it: literals become $1, $2 … (libpg-query's normalize), then the
// scrubber removes comments and any literal normalization left; text that does not parse is scrubbed
// alone, quoted identifiers included. Nothing here returns the raw text when in doubt.
import { loadModule, normalizeSync, parseSync } from 'libpg-query'
import { scrubSql } from './sql-scrub.ts'

export const UNREDACTABLE_SQL = '[sql withheld: could not be redacted]'

let loaded: Promise<void> | undefined

/** Loads the parser's WASM module; redactSql uses the scrubber alone until this has resolved. */
export function loadAuditRedaction(): Promise<void> {
  loaded ??= loadModule()
  return loaded
}

export function redactSql(text: string): string {
  if (typeof text !== 'string') return UNREDACTABLE_SQL
  try {
    let normalized: string | undefined
    try {
      // normalizeSync returns some parse errors (e.g. an unterminated string, quoting the raw text) as if
      // they were its result; parseSync throws on every error, so only parsed text is normalized.
      parseSync(text)
      normalized = normalizeSync(text)
    } catch {
      normalized = undefined // not loaded yet, or not PostgreSQL: scrub the raw text
    }
    return normalized === undefined ? scrubSql(text, { strict: true }) : scrubSql(normalized, { strict: false })
  } catch {
    return UNREDACTABLE_SQL
  }
}
