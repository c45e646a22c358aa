// Tables, columns and functions of one node-sql-parser MySQL AST. Tables come from the parser's own
// tableList (`mode::db::table`); columns and functions are read from the AST, because the parser's
// columnList reports string literals as columns.
import type { SqlColumn, SqlFunction, SqlTable } from '../../types.ts'
import { isObject, type PgObject } from './ast.ts'

type Access = 'read' | 'write'

export function text(value: unknown): string {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (isObject(value) && 'value' in value) return text(value.value)
  if (isObject(value) && 'expr' in value) return text(value.expr)
  return ''
}

export function tablesOf(list: readonly string[]): SqlTable[] {
  const found = new Map<string, SqlTable>()
  for (const entry of list) {
    const [mode = '', db = 'null', name = 'null'] = entry.split('::')
    if (name === 'null' || name === '') continue
    const schema = db === 'null' ? null : db
    const full = schema === null ? name : `${schema}.${name}`
    const access: Access = mode.toLowerCase() === 'select' ? 'read' : 'write'
    found.set(`${full}\u0000${access}`, { schema, name, full_name: full, access })
  }
  return [...found.values()]
}

/** Every `{db, table, as}` table reference in the AST, by alias and by name → full name. */
function aliasesOf(ast: unknown): Map<string, string> {
  const out = new Map<string, string>()
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit)
    if (!isObject(value)) return
    if (typeof value.table === 'string' && 'db' in value) {
      const full = typeof value.db === 'string' && value.db !== '' ? `${value.db}.${value.table}` : value.table
      out.set(value.table, full)
      if (typeof value.as === 'string' && value.as !== '') out.set(value.as, full)
    }
    Object.values(value).forEach(visit)
  }
  visit(ast)
  return out
}

export function columnsOf(ast: PgObject, tables: readonly SqlTable[]): SqlColumn[] {
  const found = new Map<string, SqlColumn>()
  const add = (table: string | null, name: string, access: Access): void => {
    if (name !== '') found.set(`${table ?? ''}\u0000${name}\u0000${access}`, { table, name, access })
  }
  const aliases = aliasesOf(ast)
  const distinct = [...new Set(tables.map((t) => t.full_name))]
  const sole = distinct.length === 1 ? (distinct[0] as string) : null
  const resolve = (qualifier: unknown): string | null =>
    typeof qualifier === 'string' && qualifier !== '' ? (aliases.get(qualifier) ?? qualifier) : sole
  const targets = (Array.isArray(ast.table) ? ast.table : []).filter(isObject).map((t) => resolve(t.table))

  const type = String(ast.type ?? '')
  if (type === 'insert' || type === 'replace') {
    const columns = Array.isArray(ast.columns) ? ast.columns.map(text) : []
    for (const column of columns.length > 0 ? columns : ['*']) add(targets[0] ?? null, column, 'write')
  }
  if (type === 'delete') for (const target of targets) add(target, '*', 'write')
  if (type === 'update' && Array.isArray(ast.set)) {
    for (const item of ast.set.filter(isObject)) add(resolve(item.table) ?? targets[0] ?? null, text(item.column), 'write')
  }

  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit)
    if (!isObject(value)) return
    if (value.type === 'column_ref') add(resolve(value.table), text(value.column), 'read')
    Object.values(value).forEach(visit)
  }
  visit(ast)
  return [...found.values()]
}

export function functionsOf(ast: unknown): SqlFunction[] {
  const found = new Map<string, SqlFunction>()
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit)
    if (!isObject(value)) return
    let parts: string[] = []
    if (value.type === 'function' && isObject(value.name)) {
      const schema = text(value.name.schema)
      parts = [...(schema === '' ? [] : [schema]), ...(Array.isArray(value.name.name) ? value.name.name : []).map(text)]
    }
    else if (value.type === 'aggr_func') parts = [text(value.name)]
    const name = parts[parts.length - 1]?.toLowerCase()
    if (name) {
      const schema = parts.length > 1 ? (parts[parts.length - 2] as string).toLowerCase() : null
      const full = schema === null ? name : `${schema}.${name}`
      if (!found.has(full)) found.set(full, { schema, name, full_name: full })
    }
    Object.values(value).forEach(visit)
  }
  visit(ast)
  return [...found.values()]
}
