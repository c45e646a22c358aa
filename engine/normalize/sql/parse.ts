// The one seam over libpg-query (PostgreSQL's own parser compiled to WASM). The module is loaded once,
// asynchronously, at startup; every call after that is synchronous, so normalizing never awaits.
import { fingerprintSync, loadModule, parsePlPgSQLSync, parseSync, scanSync } from 'libpg-query'
import type { PgObject } from './ast.ts'
import { isObject } from './ast.ts'
import { unqualifyGrammarNames } from './grammar-names.ts'
import { withoutQuotedValue } from './parse-error-text.ts'
import { countStatements } from './statement-count.ts'

export type SqlParseErrorCode = 'SQL_PARSE_ERROR' | 'SQL_REFUSED' | 'SQL_PARSER_NOT_LOADED' | 'SQL_PARSER_LOAD_FAILED' | 'SQL_TOO_DEEP' | 'SQL_TOO_MANY_STATEMENTS'

/**
 * Most statements in one text. Checked before parsing (a cheap scan) and right after it, before the tree
 * walk and the policy: judging cost grows with the statement count (20,000 `SELECT 1;` took over 2 s), and
 * one session's judging runs on the thread every session shares. 100 joins judge in about 10 ms.
 */
export const MAX_STATEMENTS = 100

/** Why a text could not be turned into statements; its message becomes `parse_error`. */
export class SqlParseError extends Error {
  readonly code: SqlParseErrorCode
  /** 0-based character offset of the error in the text that was parsed, when the parser gave one. */
  readonly position?: number

  constructor(code: SqlParseErrorCode, message: string, options?: { position?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'SqlParseError'
    this.code = code
    if (options?.position !== undefined) this.position = options.position
  }
}

export interface RawStmt {
  stmt: unknown
  /** Byte offset of the statement in the parsed text (absent for 0). */
  stmt_location?: number
  /** Byte length of the statement (absent or 0: to the end of the text). */
  stmt_len?: number
}

export interface ScanToken {
  start: number
  end: number
  text: string
  tokenName: string
  keywordName: string
}

let loading: Promise<void> | undefined
let loaded = false
let loads = 0

/** Loads the parser module once; later calls return the same promise. */
export function loadSqlParsers(): Promise<void> {
  loading ??= loadModule().then(
    () => {
      loads += 1
      loaded = true
    },
    (error: unknown) => {
      loading = undefined // let a later call retry
      throw new SqlParseError('SQL_PARSER_LOAD_FAILED', 'load SQL parser: the libpg-query WASM module failed to load; check the libpg-query install', { cause: error })
    },
  )
  return loading
}

export function sqlParsersLoaded(): boolean {
  return loaded
}

/** How many times the WASM module was actually loaded in this process (1 after any number of loadSqlParsers). */
export function sqlParserLoadCount(): number {
  return loads
}

function requireLoaded(): void {
  if (!loaded) {
    throw new SqlParseError('SQL_PARSER_NOT_LOADED', 'SQL parser not loaded: await loadSqlParsers() once at startup before normalizing')
  }
}

/** libpg-query reports the cursor in code points (as PostgreSQL does); convert to a JavaScript string index. */
function charPosition(text: string, codePoints: number): number {
  let index = 0
  for (let n = 0; n < codePoints && index < text.length; n++) index += (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1
  return index
}

function parseFailure(text: string, error: unknown): SqlParseError {
  const message = withoutQuotedValue(error instanceof Error ? error.message : String(error))
  const details = isObject(error) && isObject(error.sqlDetails) ? error.sqlDetails : undefined
  const cursor = typeof details?.cursorPosition === 'number' ? details.cursorPosition : undefined
  if (cursor === undefined) return new SqlParseError('SQL_PARSE_ERROR', message, { cause: error })
  const position = charPosition(text, cursor)
  return new SqlParseError('SQL_PARSE_ERROR', `${message} at position ${position}`, { position, cause: error })
}

function semicolonsExceed(text: string, limit: number): boolean {
  let n = 0
  for (let at = text.indexOf(';'); at >= 0; at = text.indexOf(';', at + 1)) if (++n > limit) return true
  return false
}

/** Part of the message of a text refused for its statement count, for callers that must not reparse it. */
export const TOO_MANY_STATEMENTS = 'statements in one text exceed the limit'

const tooManyStatements = (count: string) =>
  new SqlParseError('SQL_TOO_MANY_STATEMENTS', `${count} ${TOO_MANY_STATEMENTS} of ${MAX_STATEMENTS}; send them in smaller batches`)

/** Top-level statements of a non-empty text; throws SqlParseError on a syntax error. */
export function parsePostgres(text: string): RawStmt[] {
  requireLoaded()
  // Most texts have few semicolons: only those with more than the limit are scanned before parsing.
  if (semicolonsExceed(text, MAX_STATEMENTS)) {
    const n = countStatements(text, MAX_STATEMENTS)
    if (n > MAX_STATEMENTS) throw tooManyStatements(`more than ${MAX_STATEMENTS}`)
  }
  let tree: unknown
  try {
    tree = parseSync(text)
  } catch (error) {
    throw parseFailure(text, error)
  }
  const stmts = isObject(tree) && Array.isArray(tree.stmts) ? tree.stmts : []
  if (stmts.length > MAX_STATEMENTS) {
    throw tooManyStatements(String(stmts.length))
  }
  const raw = stmts.filter(isObject) as unknown as RawStmt[]
  unqualifyGrammarNames(text, raw)
  return raw
}

/** Parse tree of a `CREATE FUNCTION … LANGUAGE plpgsql` statement's body. */
export function parsePlpgsql(createFunctionText: string): PgObject {
  requireLoaded()
  try {
    const tree: unknown = parsePlPgSQLSync(createFunctionText)
    if (!isObject(tree)) throw new Error('PL/pgSQL parser returned no tree')
    return tree
  } catch (error) {
    const message = withoutQuotedValue(error instanceof Error ? error.message : String(error))
    throw new SqlParseError('SQL_PARSE_ERROR', `PL/pgSQL: ${message}`, { cause: error })
  }
}

export function fingerprintPostgres(text: string): string {
  requireLoaded()
  try {
    return fingerprintSync(text)
  } catch (error) {
    throw parseFailure(text, error)
  }
}

/** Lexer tokens (comments included) with byte offsets; used to cut the text of nested statements. */
export function scanPostgres(text: string): ScanToken[] {
  requireLoaded()
  try {
    return scanSync(text).tokens
  } catch (error) {
    throw parseFailure(text, error)
  }
}
