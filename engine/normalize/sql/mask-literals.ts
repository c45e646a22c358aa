// Whether a statement's string literals hold mask output (`UPDATE customers SET email = '************.com'`).
import { isMaskOutput } from '../mask-output.ts'

/**
 * Walks the parse tree with Object.values, which passes the guarded integer constants of a template
 * (sql-template.ts) without reading them; only string constants (`A_Const.sval.sval`) are read.
 */
export function literalsCarryMaskOutput(node: unknown): boolean {
  const stack: unknown[] = [node]
  while (stack.length > 0) {
    const v = stack.pop()
    if (v === null || typeof v !== 'object') continue
    const constant = (v as { A_Const?: { sval?: { sval?: unknown } } }).A_Const
    const text = constant?.sval?.sval
    if (typeof text === 'string' && isMaskOutput(text)) return true
    for (const child of Object.values(v)) stack.push(child)
  }
  return false
}

/** The same for node-sql-parser's MySQL tree: string literals are `{type: 'single_quote_string' …, value}`. */
export function mysqlLiteralsCarryMaskOutput(ast: unknown): boolean {
  const stack: unknown[] = [ast]
  while (stack.length > 0) {
    const v = stack.pop()
    if (v === null || typeof v !== 'object') continue
    const { type, value } = v as { type?: unknown; value?: unknown }
    if (typeof type === 'string' && /(^|_)string$/.test(type) && typeof value === 'string' && isMaskOutput(value)) return true
    for (const child of Object.values(v)) stack.push(child)
  }
  return false
}
