// Whether a statement's string literals hold mask output (`UPDATE customers SET email = '************.com'`).
import { isMaskOutput } from '../mask-output.ts'
import { MAX_CHARS } from './constant-functions.ts'
import { constantText, isFoldable, joinedPieces } from './constant-text.ts'
import { isMysqlFoldable, mysqlConstantText, mysqlJoinedPieces } from './mysql-constant-text.ts'

// A JSON escape in a json or jsonb literal (`'{"e":"\u005bemail]"}'`) is stored as the character it names.
const JSON_ESCAPE = /\\u([0-9A-Fa-f]{4})/g

/** The literal's text as it is and, when it holds JSON escapes, with them undone. */
function literalCarries(text: string): boolean {
  if (isMaskOutput(text)) return true
  return text.includes('\\u') && isMaskOutput(text.replace(JSON_ESCAPE, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))))
}

/**
 * Walks the parse tree with Object.values, which passes the guarded integer constants of a template
 * (sql-template.ts) without reading them; only string constants (`A_Const.sval.sval`), a comment's text, and
 * constant string expressions (`'[em' || 'ail]'`, constant-text.ts) are read. A chain of `||` and concat() is read
 * as its runs of constant pieces, however deep (`b || '[em' || 'ail]'`); a constant piece is not walked into.
 */
export function literalsCarryMaskOutput(node: unknown): boolean {
  const stack: unknown[] = [node]
  const failed = new WeakSet<object>()
  while (stack.length > 0) {
    const v = stack.pop()
    if (v === null || typeof v !== 'object') continue
    const constant = (v as { A_Const?: { sval?: { sval?: unknown } } }).A_Const
    const text = constant?.sval?.sval
    if (typeof text === 'string' && literalCarries(text)) return true
    const comment = (v as { CommentStmt?: { comment?: unknown } }).CommentStmt?.comment
    if (typeof comment === 'string' && literalCarries(comment)) return true
    const pieces = joinedPieces(v)
    if (pieces) {
      if (runsCarry(pieces, (piece) => constantText(piece, failed), literalCarries, stack)) return true
      continue
    }
    if (isFoldable(v as Record<string, unknown>)) {
      const folded = constantText(v, failed)
      if (folded !== undefined) {
        if (literalCarries(folded)) return true
        continue
      }
    }
    for (const child of Object.values(v)) stack.push(child)
  }
  return false
}

// Kept of a run of constant pieces past MAX_CHARS: more than the longest mask marker.
const TAIL = 64

/**
 * Whether a run of constant pieces of a `||` / concat() chain makes mask output; the pieces that are not constant
 * go on the stack to be walked.
 */
function runsCarry(pieces: unknown[], fold: (piece: unknown) => string | undefined, carries: (text: string) => boolean, stack: unknown[]): boolean {
  let run = ''
  for (const piece of pieces) {
    const text = fold(piece)
    if (text === undefined) {
      if (run !== '' && carries(run)) return true
      run = ''
      stack.push(piece)
      continue
    }
    run += text
    if (run.length > MAX_CHARS) {
      if (carries(run)) return true
      run = run.slice(-TAIL)
    }
  }
  return run !== '' && carries(run)
}

/**
 * The same for node-sql-parser's MySQL tree: string literals (`{type: 'single_quote_string' …, value}`), hex and
 * bit literals as the bytes they are, and constant string expressions (mysql-constant-text.ts); CONCAT() read as
 * its runs of constant pieces, as `||` is above.
 */
export function mysqlLiteralsCarryMaskOutput(ast: unknown): boolean {
  const stack: unknown[] = [ast]
  while (stack.length > 0) {
    const v = stack.pop()
    if (v === null || typeof v !== 'object') continue
    const pieces = mysqlJoinedPieces(v)
    if (pieces) {
      if (runsCarry(pieces, (piece) => mysqlConstantText(piece), isMaskOutput, stack)) return true
      continue
    }
    const { type } = v as { type?: unknown }
    if ((typeof type === 'string' && /(^|_)string$/.test(type)) || isMysqlFoldable(v)) {
      const text = mysqlConstantText(v)
      if (text !== undefined) {
        if (isMaskOutput(text)) return true
        continue
      }
    }
    for (const child of Object.values(v)) stack.push(child)
  }
  return false
}
