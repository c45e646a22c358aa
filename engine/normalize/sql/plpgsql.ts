// The SQL embedded in a PL/pgSQL body. PostgreSQL's PL/pgSQL parser (via libpg-query) gives every
// embedded query or expression as a PLpgSQL_expr with its text and parse mode; this module lists them
// as SQL texts and notes dynamic SQL (EXECUTE of a computed string), whose text cannot be known here.
import { isObject, unwrap } from './ast.ts'
import { parsePlpgsql, scanPostgres } from './parse.ts'
import { SourceText } from './source-text.ts'
import { assignmentValue, tokensIn } from './tokens.ts'

export interface EmbeddedSql {
  /** SQL text: a statement, or `SELECT <expression>` for an expression. */
  text: string
  kind: 'statement' | 'expression'
  /** The string an EXECUTE runs (its value is only known at run time unless it is a literal). */
  dynamic: boolean
}

export interface PlpgsqlBody {
  queries: EmbeddedSql[]
  dynamic: boolean
  /** A `DECLARE x ALIAS FOR new` (or old): the trigger's row under a name of the body's choosing. */
  aliasesTriggerRow: boolean
}

/** Whether a function's ALIAS declarations name its NEW or OLD record (by their datum number). */
function aliasesTriggerRow(fn: Record<string, unknown>): boolean {
  const datums = Array.isArray(fn.datums) ? fn.datums : []
  const aliases = Array.isArray(fn.aliases) ? fn.aliases : []
  return aliases.some((a) => {
    const alias = unwrap(a)?.[1]
    const varno = typeof alias?.varno === 'number' ? alias.varno : 0
    const datum = unwrap(datums[varno])
    // An alias whose datum cannot be read counts as one of the row (fail closed).
    if (!alias || !datum) return true
    const name = typeof datum[1].refname === 'string' ? datum[1].refname.toLowerCase() : ''
    return datum[0] === 'PLpgSQL_rec' && (name === 'new' || name === 'old')
  })
}

/** PL/pgSQL statements whose expression in the given field is a query string run with EXECUTE. */
const DYNAMIC_FIELDS: Record<string, string> = {
  PLpgSQL_stmt_dynexecute: 'query',
  PLpgSQL_stmt_dynfors: 'query',
  PLpgSQL_stmt_open: 'dynquery',
  PLpgSQL_stmt_return_query: 'dynquery',
}

// RawParseMode values: 0 a whole statement, 2 an expression, 3-5 an assignment `target := expression`.
const MODE_STATEMENT = 0
const MODE_EXPRESSION = 2

function assignmentExpression(query: string): string {
  const src = new SourceText(query)
  const range = assignmentValue(tokensIn(scanPostgres(query), 0, src.byteLength))
  return range ? src.slice(range.start, range.end) : query
}

function embedded(expr: Record<string, unknown>, dynamic: boolean): EmbeddedSql | undefined {
  const query = typeof expr.query === 'string' ? expr.query : undefined
  if (query === undefined || query.trim() === '') return undefined
  const mode = typeof expr.parseMode === 'number' ? expr.parseMode : MODE_STATEMENT
  if (mode === MODE_STATEMENT && !dynamic) return { text: query, kind: 'statement', dynamic }
  const expression = mode === MODE_EXPRESSION || mode === MODE_STATEMENT ? query : assignmentExpression(query)
  return { text: `SELECT ${expression}`, kind: 'expression', dynamic }
}

/** Embedded SQL of a `CREATE FUNCTION|PROCEDURE … LANGUAGE plpgsql` statement, in body order. */
export function plpgsqlBody(createFunctionText: string): PlpgsqlBody {
  const tree = parsePlpgsql(createFunctionText)
  const queries: EmbeddedSql[] = []
  let dynamic = false
  let aliased = false
  const visit = (value: unknown, inDynamic: boolean): void => {
    if (Array.isArray(value)) return value.forEach((v) => visit(v, inDynamic))
    if (!isObject(value)) return
    const node = unwrap(value)
    if (node && node[0] === 'PLpgSQL_function' && aliasesTriggerRow(node[1])) aliased = true
    if (node && node[0] === 'PLpgSQL_expr') {
      const found = embedded(node[1], inDynamic)
      if (found) queries.push(found)
      return
    }
    const dynamicField = node ? DYNAMIC_FIELDS[node[0]] : undefined
    for (const [key, child] of Object.entries(node ? node[1] : value)) {
      const isDynamic = key === dynamicField && child !== undefined
      if (isDynamic) dynamic = true
      visit(child, isDynamic)
    }
  }
  visit(tree, false)
  return { queries, dynamic, aliasesTriggerRow: aliased }
}

/** `CREATE FUNCTION` wrapper for a DO block's body, dollar-quoted with a tag the body does not contain. */
export function doBlockFunction(body: string): string {
  let tag = '$warden$'
  for (let n = 1; body.includes(tag); n++) tag = `$warden${n}$`
  return `CREATE FUNCTION warden_do() RETURNS void LANGUAGE plpgsql AS ${tag}${body}${tag}`
}
