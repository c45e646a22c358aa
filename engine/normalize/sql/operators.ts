// Operators a statement uses that are not built into PostgreSQL. An operator is a function call in
// disguise (CREATE OPERATOR === (FUNCTION = anything)), so each unknown one is reported among the
// statement's functions, where the policy's unknown-function rule sees it.
import type { PgObject } from './ast.ts'
import { list, names, str } from './ast.ts'

/**
 * Operator symbols of pg_catalog (`SELECT DISTINCT oprname FROM pg_operator` in the pg_catalog
 * namespace). `!=` never reaches the tree (the lexer turns it into `<>`); it is listed for readers.
 */
export const BUILTIN_OPERATORS: ReadonlySet<string> = new Set([
  // comparison
  '=', '<>', '!=', '<', '>', '<=', '>=',
  // arithmetic and bitwise
  '+', '-', '*', '/', '%', '^', '|/', '||/', '@', '&', '|', '#', '~', '<<', '>>',
  // strings, LIKE and regular expressions
  '||', '~~', '!~~', '~~*', '!~~*', '~*', '!~', '!~*', '^@', '~<~', '~<=~', '~>=~', '~>~',
  // json / jsonb
  '->', '->>', '#>', '#>>', '@>', '<@', '?', '?|', '?&', '#-', '@?', '@@',
  // arrays, ranges, geometry
  '&&', '&<', '&>', '-|-', '##', '<->', '<^', '>^', '?-', '?#', '?-|', '?||', '@-@', '<<|', '|>>', '&<|', '|&>', '~=',
  // text search
  '@@@', '!!',
  // network
  '<<=', '>>=',
  // record image comparison (*=, *<, …)
  '*=', '*<>', '*<', '*<=', '*>', '*>=',
])

/** BETWEEN and its variants name the construct, not an operator (they expand into >= and <=). */
const KEYWORD_KINDS = new Set(['AEXPR_BETWEEN', 'AEXPR_NOT_BETWEEN', 'AEXPR_BETWEEN_SYM', 'AEXPR_NOT_BETWEEN_SYM'])

/** Built in: a pg_catalog symbol, written bare or qualified by pg_catalog. */
export function isBuiltinOperator(parts: readonly string[]): boolean {
  const symbol = parts[parts.length - 1]
  if (symbol === undefined || !BUILTIN_OPERATORS.has(symbol)) return false
  return parts.length === 1 || (parts.length === 2 && parts[0] === 'pg_catalog')
}

/** The operator name (schema parts then symbol) a node uses, or undefined when it uses none. */
export function operatorOf(name: string, body: PgObject): string[] | undefined {
  let parts: string[]
  switch (name) {
    case 'A_Expr':
      if (KEYWORD_KINDS.has(str(body.kind) ?? '')) return undefined
      parts = names(body.name)
      break
    case 'SubLink': parts = names(body.operName); break // `x op ANY (SELECT …)`; absent for IN (=)
    case 'SortBy': parts = names(body.useOp); break // ORDER BY x USING op
    default: return undefined
  }
  return parts.length > 0 ? parts : undefined
}

/**
 * Operators PostgreSQL looks up by name on the search_path where none is written: `=` for CASE x WHEN y, for
 * x IN (SELECT …) (an ANY sublink with no operator), for JOIN … USING and NATURAL JOIN; `>=` and `<=` for BETWEEN.
 * An operator of that name in another schema can match the argument types better and run instead of the built-in.
 */
export function implicitOperators(name: string, body: PgObject): string[] {
  switch (name) {
    case 'A_Expr': return KEYWORD_KINDS.has(str(body.kind) ?? '') ? ['>=', '<='] : []
    case 'SubLink': return str(body.subLinkType) === 'ANY_SUBLINK' && names(body.operName).length === 0 ? ['='] : []
    case 'CaseExpr': return body.arg !== undefined ? ['='] : []
    case 'JoinExpr': return body.isNatural === true || list(body.usingClause).length > 0 ? ['='] : []
    default: return []
  }
}

/** The operator a node uses when it is not built in (to be reported as a call), else undefined. */
export function customOperator(name: string, body: PgObject): string[] | undefined {
  const parts = operatorOf(name, body)
  return parts && !isBuiltinOperator(parts) ? parts : undefined
}
