// MySQL text → SqlCommand with node-sql-parser (MySQL grammar only). Statements are split by our own
// lexer so each keeps its original text and executable comments can be refused; each piece is parsed
// on its own for its AST, tables and columns. Never throws: failures become parse_error.
import nsp from 'node-sql-parser/build/mysql.js'
import type { SqlStatement, StatementType } from '../../types.ts'
import { isObject } from './ast.ts'
import { mysqlLiteralsCarryMaskOutput } from './mask-literals.ts'
import { columnsOf, functionsOf, tablesOf, text } from './mysql-refs.ts'
import { executableComment, lexMysql, mysqlShape, splitMysql, type MysqlPiece } from './mysql-lex.ts'
import { SqlParseError } from './parse.ts'
import { errorMessage, parseErrorResult, sha256Hex, type NormalizedSql } from './result.ts'
import { wellFormed } from './source-text.ts'
import { mysqlWhereLimitsRows } from './mysql-where-limits.ts'

const parser = new nsp.Parser()
const OPTIONS = { database: 'MySQL' }

type Ast = Record<string, unknown>

const TYPES: Record<string, StatementType> = {
  select: 'select', insert: 'insert', replace: 'insert', update: 'update', delete: 'delete', create: 'create',
  drop: 'drop', alter: 'alter', truncate: 'truncate', rename: 'rename', grant: 'grant', revoke: 'revoke',
  set: 'set', show: 'show', desc: 'show', use: 'set', lock: 'lock', call: 'call',
}

const TRANSACTION: Record<string, StatementType> = { begin: 'begin', start: 'begin', commit: 'commit', rollback: 'rollback' }

const READ_ONLY = new Set<StatementType>(['show', 'set', 'begin', 'commit', 'rollback'])

function classify(ast: Ast): { type: StatementType; detail: Record<string, unknown> } {
  const kind = String(ast.type ?? '').toLowerCase()
  if (kind === 'transaction') {
    const action = text((ast.expr as Ast | undefined)?.action).toLowerCase()
    return { type: TRANSACTION[action] ?? 'other', detail: { kind: action } }
  }
  if (kind === 'use') return { type: 'set', detail: { name: 'database', value: text(ast.db), local: false, kind: 'USE' } }
  if (kind === 'set') {
    const assignments = (Array.isArray(ast.expr) ? ast.expr : []).filter(isObject)
    const name = assignments.map((a) => { const left = a.left as Ast | undefined; return [left?.name, ...((left?.members as unknown[]) ?? [])].map(text).join('.') }).join(', ').toLowerCase()
    const scope = text(ast.keyword).toLowerCase()
    const global = scope === 'global' || scope === 'persist' || /(^|, )global\./.test(name)
    const value = assignments.map((a) => text(a.right)).join(', ')
    // SET GLOBAL changes the server for every session: the MySQL counterpart of ALTER SYSTEM.
    return { type: global ? 'alter_system' : 'set', detail: { name, value, local: false, scope: scope || 'session', kind: 'VAR_SET_VALUE' } }
  }
  const type = TYPES[kind] ?? 'other'
  const detail: Record<string, unknown> = {}
  if (kind === 'replace') detail.replace = true
  if (type === 'create' || type === 'drop' || type === 'alter' || type === 'truncate') detail.object_kind = text(ast.keyword).toLowerCase() || 'table'
  if (type === 'create' && isObject(ast.query_expr)) return { type: 'create_table_as', detail }
  if (type === 'show') detail.name = text(ast.keyword ?? ast.table).toLowerCase()
  if (type === 'select') {
    const into = ast.into as Ast | undefined
    detail.locking = ast.locking_read ? [text(ast.locking_read).toLowerCase().replace(/\s+/g, '_')] : []
    if (into && (into.expr !== undefined || into.keyword !== undefined)) return { type: 'select_into', detail }
  }
  return { type, detail }
}

function statement(piece: MysqlPiece): SqlStatement {
  let parsed
  try {
    parsed = parser.parse(piece.text, OPTIONS)
  } catch (error) {
    const location = isObject(error) && isObject(error.location) && isObject(error.location.start) ? error.location.start.offset : undefined
    const message = error instanceof Error ? error.message : String(error)
    if (typeof location !== 'number') throw new SqlParseError('SQL_PARSE_ERROR', message, { cause: error })
    const position = piece.start + location
    throw new SqlParseError('SQL_PARSE_ERROR', `${message} at position ${position}`, { position, cause: error })
  }
  const asts = (Array.isArray(parsed.ast) ? parsed.ast : [parsed.ast]).map((a): unknown => a).filter(isObject)
  const ast = asts[0]
  if (asts.length !== 1 || !ast) throw new SqlParseError('SQL_PARSE_ERROR', `expected one statement at position ${piece.start}, found ${asts.length}`)
  const { type, detail } = classify(ast)
  const tables = tablesOf(parsed.tableList)
  const lockFree = !Array.isArray(detail.locking) || detail.locking.length === 0
  const readOnly = READ_ONLY.has(type) || (type === 'select' && lockFree)
  const functions = functionsOf(ast)
  return {
    type,
    node: String(ast.type ?? 'unknown'),
    text: piece.text,
    read_only: readOnly,
    tables,
    columns: columnsOf(ast, tables),
    functions,
    has_where: (type === 'update' || type === 'delete') && mysqlWhereLimitsRows(ast),
    // As for PostgreSQL (builder.ts): writes, and reads that call functions.
    ...((!readOnly || functions.length > 0) && mysqlLiteralsCarryMaskOutput(ast) ? { carries_mask_output: true as const } : {}),
    detail,
  }
}

export function normalizeMysql(text: string): NormalizedSql {
  try {
    const clean = wellFormed(text)
    const nul = clean.indexOf('\u0000')
    if (nul >= 0) return parseErrorResult('mysql', text, `NUL character in query text at position ${nul}`)
    const tokens = lexMysql(clean)
    const executable = executableComment(tokens)
    if (executable) {
      return parseErrorResult('mysql', text, `executable comment at position ${executable.start}: MySQL runs the content of /*! … */ comments; write the statement without it`)
    }
    const statements = splitMysql(clean, tokens).map(statement)
    return { sql: { dialect: 'mysql', statements }, fingerprint: sha256Hex(mysqlShape(tokens)) }
  } catch (error) {
    return parseErrorResult('mysql', text, errorMessage(error))
  }
}
