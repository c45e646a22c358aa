// PostgreSQL text → SqlCommand. Never throws: whatever cannot be parsed or walked becomes `parse_error`
// with no statements, which the policy denies (fail closed).
import { Builder, type SqlContext } from './builder.ts'
import { fingerprintPostgres } from './parse.ts'
import { errorMessage, parseErrorResult, type NormalizedSql } from './result.ts'
import { wellFormed } from './source-text.ts'

/**
 * Normalizes a PostgreSQL query string (one or more statements). Empty or comment-only text gives no
 * statements and no parse_error: nothing will run.
 */
export function normalizePostgres(text: string, ctx: SqlContext = {}): NormalizedSql {
  try {
    const clean = wellFormed(text)
    const nul = clean.indexOf('\u0000')
    if (nul >= 0) {
      // libpg-query reads a C string: anything after a NUL would go unseen.
      return parseErrorResult('postgres', text, `NUL character in query text at position ${nul}`)
    }
    const builder = new Builder(ctx)
    builder.program(clean, undefined, 0)
    const fingerprint = fingerprintPostgres(clean.trim() === '' ? ' ' : clean)
    return { sql: { dialect: 'postgres', statements: builder.statements }, fingerprint, ...(builder.newer && { newer: builder.newer }) }
  } catch (error) {
    return parseErrorResult('postgres', text, errorMessage(error))
  }
}
