// The parser is PostgreSQL 18's (libpg-query); the server may be older. Some newer syntax is text an older server
// reads another way, not as an error: `merge_action()` and `json_value(x, '$')` call whatever function of that
// name it finds (a PostgreSQL 17 server has them built in), `system_user` names a column. Statements using syntax
// newer than the server are refused (gateway-engine.ts) rather than judged as the newer server would run them.
import { eachEntry, isObject, names } from './ast.ts'

export interface NewerSyntax {
  /** The PostgreSQL major version that introduced it. */
  version: number
  what: string
}

/** SQL/JSON (taken out of 15 before its release): 16 has the constructors and IS JSON, 17 the rest. */
const JSON_17 = new Set(['JsonParseExpr', 'JsonScalarExpr', 'JsonSerializeExpr', 'JsonFuncExpr', 'JsonTable', 'JsonTableColumn', 'JsonTablePathSpec', 'JsonArgument', 'JsonBehavior'])

/** Words every such construct is written with: a text without any of them holds none (keywords are not escaped). */
const WORDS = /json|system_user|merge_action|returning/i

function since(key: string, body: unknown): NewerSyntax | undefined {
  if (key.startsWith('Json')) return { version: JSON_17.has(key) ? 17 : 16, what: `SQL/JSON syntax (${key})` }
  if (key === 'MergeSupportFunc') return { version: 17, what: 'merge_action()' }
  if (!isObject(body)) return undefined
  if (key === 'FuncCall' && body.funcformat === 'COERCE_SQL_SYNTAX' && names(body.funcname).join('.') === 'pg_catalog.system_user') {
    return { version: 16, what: 'SYSTEM_USER' }
  }
  if (key === 'returningClause' && Array.isArray(body.options) && body.options.length) return { version: 18, what: 'RETURNING WITH (OLD/NEW AS …)' }
  if (key === 'MergeStmt' && body.returningClause !== undefined) return { version: 17, what: 'MERGE … RETURNING' }
  return undefined
}

/** The newest syntax the parse trees of `text` use beyond PostgreSQL 15, if any. */
export function newerSyntax(text: string, trees: readonly unknown[]): NewerSyntax | undefined {
  if (!WORDS.test(text)) return undefined
  let newest: NewerSyntax | undefined
  eachEntry(trees, (key, value) => {
    const found = since(key, value)
    if (found && (!newest || found.version > newest.version)) newest = found
  })
  return newest
}

/** The newer of two. */
export const newest = (a: NewerSyntax | undefined, b: NewerSyntax | undefined) => (!a || (b && b.version > a.version) ? b : a)

/**
 * Why a text with `newer` syntax is refused on a server of major version `server` (undefined: not known, as in
 * `warden eval`: judged as written), or undefined when the server has it.
 */
export function olderServerRefusal(newer: NewerSyntax | undefined, server: number | undefined): string | undefined {
  if (!newer || server === undefined || server >= newer.version) return undefined
  return `the statement uses ${newer.what}, syntax of PostgreSQL ${newer.version}; the server runs PostgreSQL ${server || '(version not reported)'}, ` +
    'which reads this text otherwise (a call of a function of that name, or a column), not as it was judged. Write it in the server\'s syntax'
}
