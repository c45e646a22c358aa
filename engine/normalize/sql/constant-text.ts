// The text a constant string expression of a PostgreSQL parse tree evaluates to: literals joined with `||`,
// concat(), chr(), repeat(), lpad() and rpad() of constants, casts of them. `'[em' || 'ail]'` writes `[email]` as
// surely as the literal does. Anything else (a column, a parameter, another function) is no constant.
// Longer texts and deeper expressions are not folded: their literals are still read one by one.
import { count, MAX_CHARS, MAX_DEPTH, pad, repeat } from './constant-functions.ts'

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
    // concat() skips NULL arguments.
    if (name === 'concat' && (arg as { A_Const?: { isnull?: unknown } }).A_Const?.isnull === true) continue
    const text = constantText(arg, failed, depth)
    chars += text?.length ?? 0
    if (text === undefined || chars > MAX_CHARS) return undefined
    args.push(text)
  }
  return apply(name, args)
}

const join = (left: string, right: string | undefined) =>
  right === undefined || left.length + right.length > MAX_CHARS ? undefined : left + right

function apply(name: string, args: string[]): string | undefined {
  if (name === 'concat') return args.join('')
  if (name === 'chr') {
    const code = args.length === 1 ? count(args[0]) : undefined
    return code === undefined || code === 0 ? undefined : String.fromCodePoint(code)
  }
  if (name === 'repeat') return args.length === 2 ? repeat(args[0]!, args[1]) : undefined
  // lpad(text, length[, fill]) and rpad: the fill defaults to a blank; an empty one leaves a shorter text as it is.
  if (args.length !== 2 && args.length !== 3) return undefined
  const side = name === 'lpad' ? 'left' : 'right'
  if (args[2] !== '') return pad(side, args[0]!, args[1], args[2] ?? ' ')
  const n = count(args[1])
  return n === undefined ? undefined : Array.from(args[0]!).slice(0, n).join('')
}
