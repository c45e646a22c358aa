// The normalizer's result, and the fail-closed result for text that could not be understood.
import { createHash } from 'node:crypto'
import type { SqlCommand } from '../../types.ts'
import { SqlParseError } from './parse.ts'
import type { NewerSyntax } from './syntax-since.ts'

export interface NormalizedSql {
  sql: SqlCommand
  /** Shape of the text with literals removed, or `parse-error:<sha256 of the text>`. */
  fingerprint: string
  /** Syntax newer than PostgreSQL 15 the text uses (refused on an older server). */
  newer?: NewerSyntax
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex')
}

/** A parse_error result: no statements, fingerprint bound to the exact text. */
export function parseErrorResult(dialect: SqlCommand['dialect'], text: string, message: string): NormalizedSql {
  return { sql: { dialect, statements: [], parse_error: message }, fingerprint: `parse-error:${sha256Hex(text)}` }
}

export function errorMessage(error: unknown): string {
  if (error instanceof SqlParseError) return error.message
  // Anything else is a bug or a resource limit (e.g. a stack overflow on absurd nesting): still fail closed.
  const message = error instanceof Error ? error.message : String(error)
  return `could not analyse statement: ${message}`
}
