// Shared helpers for the SQL normalizer tests: normalize, then pick statements and assert their shape
// against the input document schema.
import { readFileSync } from 'node:fs'
import { Ajv2020 } from 'ajv/dist/2020.js'
import * as assert from 'uvu/assert'
import type { SqlCommand, SqlStatement } from '../../types.ts'
import type { SqlContext } from './builder.ts'
import { normalizePostgres } from './postgres.ts'

const schema = JSON.parse(readFileSync(new URL('../../../schemas/input.schema.json', import.meta.url), 'utf8')) as { $id: string }

function sqlValidator() {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false })
  ajv.addSchema(schema)
  const validate = ajv.getSchema(`${schema.$id}#/$defs/sql`)
  if (!validate) throw new Error('schemas/input.schema.json has no $defs/sql')
  return validate
}

const validateSql = sqlValidator()

/** Fails the test when the command does not match schemas/input.schema.json#/$defs/sql. */
export function assertValidSql(sql: SqlCommand): void {
  const ok = validateSql(sql)
  assert.ok(ok, `SqlCommand does not match the schema: ${JSON.stringify(validateSql.errors)}`)
}

/** Normalizes PostgreSQL text, checks the result against the schema and that it parsed. */
export function pg(text: string, ctx?: SqlContext): SqlStatement[] {
  const { sql } = normalizePostgres(text, ctx)
  assertValidSql(sql)
  assert.is(sql.parse_error, undefined, `unexpected parse_error for ${JSON.stringify(text.slice(0, 200))}`)
  return sql.statements
}

/** The single statement of `text` (fails when there is not exactly one entry). */
export function one(text: string, ctx?: SqlContext): SqlStatement {
  const statements = pg(text, ctx)
  assert.is(statements.length, 1, `expected one statement for ${text}, got ${statements.map((s) => s.type).join(', ')}`)
  return statements[0] as SqlStatement
}

/** `schema.name:access` strings, for compact table assertions. */
export function tablesOf(s: SqlStatement): string[] {
  return s.tables.map((t) => `${t.full_name}:${t.access}`)
}

/** `table.column:access` strings (`?` for an unknown table). */
export function columnsOf(s: SqlStatement): string[] {
  return s.columns.map((c) => `${c.table ?? '?'}.${c.name}:${c.access}`)
}

export function functionsOf(s: SqlStatement): string[] {
  return s.functions.map((f) => f.full_name)
}

/** `type<-via@parent` summary of every entry, e.g. ['select', 'delete<-cte@0']. */
export function shape(statements: readonly SqlStatement[]): string[] {
  return statements.map((s) => (s.nested ? `${s.type}<-${s.nested.via}@${s.nested.parent_index}` : s.type))
}
