// The text a constant string expression of a PostgreSQL parse tree evaluates to: literals joined with `||`,
// concat(), chr(), repeat(), lpad() and rpad() of constants, casts of them. `'[em' || 'ail]'` writes `[email]` as
// surely as the literal does. Anything else (a column, a parameter, another function) is no constant.
// Longer texts and deeper expressions are not folded: their literals are still read one by one.
import { chainPieces, count, MAX_CHARS, MAX_DEPTH, pad, repeat } from './constant-functions.ts'

type Node = Record<string, unknown>

const lastName = (names: unknown): string | undefined => {
  if (!Array.isArray(names) || names.length === 0 || names.length > 2) return undefined
  if (names.length === 2 && (names[0] as { String?: { sval?: unknown } }).String?.sval !== 'pg_catalog') return undefined
  const last = (names[names.length - 1] as { String?: { sval?: unknown } }).String?.sval
  return typeof last === 'string' ? last : undefined
}

/** Whether a node is an expression this folds (an `||`, or a call of one of the functions above). */
export function isFoldable(node: Node): boolean {
  const expr = node.A_Expr as Node | undefined
  if (expr) return expr.kind === 'AEXPR_OP' && lastName(expr.name) === '||'
  const call = node.FuncCall as Node | undefined
  return call !== undefined && FUNCTIONS.has(lastName(call.funcname) ?? '')
}

const FUNCTIONS = new Set(['concat', 'chr', 'repeat', 'lpad', 'rpad'])

/** The arguments of a plain concat() call (NULLs left out), or the two sides of an `||`; undefined for others. */
function joined(node: Node): unknown[] | undefined {
  const expr = node.A_Expr as Node | undefined
  if (expr) return expr.kind === 'AEXPR_OP' && lastName(expr.name) === '||' ? [expr.lexpr, expr.rexpr] : undefined
  const call = node.FuncCall as Node | undefined
  if (!call || call.agg_star || call.over || call.agg_filter || call.func_variadic || lastName(call.funcname) !== 'concat') return undefined
  return (Array.isArray(call.args) ? call.args : []).filter((arg) => !isNull(arg))
}

/**
 * The pieces a chain of `||` and concat() joins, in order, found without recursion: however long or deep the
 * chain, each run of constant pieces is text of the result. Undefined when the node joins nothing.
 */
export function joinedPieces(node: unknown): unknown[] | undefined {
  return chainPieces(node, joined)
}

/**
 * The constant text, or undefined. `failed` remembers expressions found not constant, so a walk that folds each
 * foldable node it meets does each one's work once.
 */
export function constantText(node: unknown, failed: WeakSet<object>, depth = 0): string | undefined {
  if (node === null || typeof node !== 'object' || failed.has(node) || depth > MAX_DEPTH) return undefined
  const text = fold(node as Node, failed, depth + 1)
  if (text === undefined || text.length > MAX_CHARS) {
    failed.add(node)
    return undefined
  }
  return text
}

function fold(node: Node, failed: WeakSet<object>, depth: number): string | undefined {
  const constant = node.A_Const as { sval?: { sval?: unknown }; ival?: { ival?: unknown }; isnull?: unknown } | undefined
  if (constant) {
    if (typeof constant.sval?.sval === 'string') return constant.sval.sval
    if (constant.ival) return String(constant.ival.ival ?? 0)
    return undefined
  }
  const cast = node.TypeCast as Node | undefined
  if (cast) return constantText(cast.arg, failed, depth)
  const expr = node.A_Expr as Node | undefined
  if (expr) {
    if (expr.kind !== 'AEXPR_OP' || lastName(expr.name) !== '||') return undefined
    const left = constantText(expr.lexpr, failed, depth)
    return left === undefined ? undefined : join(left, constantText(expr.rexpr, failed, depth))
  }
  const call = node.FuncCall as Node | undefined
  if (!call || call.agg_star || call.over || call.agg_filter || call.func_variadic) return undefined
  const name = lastName(call.funcname)
  if (name === undefined || !FUNCTIONS.has(name)) return undefined
  const args: string[] = []
  let chars = 0
  for (const arg of Array.isArray(call.args) ? call.args : []) {
    // concat() skips NULL arguments, cast or not.
    if (name === 'concat' && isNull(arg)) continue
    const text = constantText(arg, failed, depth)
    chars += text?.length ?? 0
    if (text === undefined || chars > MAX_CHARS) return undefined
    args.push(text)
  }
  return apply(name, args)
}

function isNull(node: unknown): boolean {
  let n = node as { A_Const?: { isnull?: unknown }; TypeCast?: { arg?: unknown } } | undefined
  for (let i = 0; n?.TypeCast && i < MAX_DEPTH; i++) n = n.TypeCast.arg as typeof n
  return n?.A_Const?.isnull === true
}

const join = (left: string, right: string | undefined) =>
  right === undefined || left.length + right.length > MAX_CHARS ? undefined : left + right

function apply(name: string, args: string[]): string | undefined {
  if (name === 'concat') return args.join('')
  if (name === 'chr') {
    // Any code point but 0 and the UTF-16 surrogates, which PostgreSQL refuses.
    const code = args.length === 1 ? count(args[0]) : undefined
    if (code === undefined || code < 1 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return undefined
    return String.fromCodePoint(code)
  }
  if (name === 'repeat') return args.length === 2 ? repeat(args[0]!, args[1]) : undefined
  // lpad(text, length[, fill]) and rpad: the fill defaults to a blank; an empty one leaves a shorter text as it is;
  // a negative length gives an empty text.
  if (args.length !== 2 && args.length !== 3) return undefined
  const side = name === 'lpad' ? 'left' : 'right'
  const n = count(args[1])
  if (n === undefined) return undefined
  if (n <= 0) return ''
  if (args[2] !== '') return pad(side, args[0]!, args[1], args[2] ?? ' ')
  return Array.from(args[0]!).slice(0, n).join('')
}
