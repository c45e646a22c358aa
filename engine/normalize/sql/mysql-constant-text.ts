// The text a constant string expression of node-sql-parser's MySQL tree evaluates to: string literals, hex and bit
// literals (0x5b…, X'5b…', b'0101…': bytes, read as UTF-8), numbers, and CONCAT(), CHAR(), REPEAT(), LPAD() and
// RPAD() of constants. `CONCAT('[em', 'ail]')` writes `[email]` as surely as the literal does.
// Masks are short: longer texts are not folded, their literals are still read one by one (constant-text.ts).
import { chainPieces, count, MAX_CHARS, MAX_DEPTH, pad, repeat } from './constant-functions.ts'

type Node = { type?: unknown; value?: unknown; name?: unknown; args?: unknown }

const FUNCTIONS = new Set(['CONCAT', 'CHAR', 'REPEAT', 'LPAD', 'RPAD'])

function functionName(node: Node): string | undefined {
  if (node.type !== 'function') return undefined
  const parts = (node.name as { name?: Array<{ value?: unknown }> } | undefined)?.name
  const last = parts?.length === 1 ? parts[0]?.value : undefined
  return typeof last === 'string' ? last.toUpperCase() : undefined
}

/** Whether a node is one of the functions folded here (a literal is read on its own). */
export function isMysqlFoldable(node: Node): boolean {
  return FUNCTIONS.has(functionName(node) ?? '')
}

/** The arguments of a CONCAT() call, or undefined. */
const concatArgs = (node: Node): unknown[] | undefined => {
  if (functionName(node) !== 'CONCAT') return undefined
  const list = node.args as { type?: unknown; value?: unknown } | undefined
  return list?.type === 'expr_list' && Array.isArray(list.value) ? list.value : undefined
}

/** The pieces nested CONCAT() calls join, in order, found without recursion; undefined for other nodes. */
export function mysqlJoinedPieces(node: unknown): unknown[] | undefined {
  return chainPieces(node, concatArgs)
}

const bytesText = (bytes: Buffer) => bytes.toString('utf8')

function bitBytes(bits: string): Buffer {
  const padded = bits.padStart(Math.ceil(bits.length / 8) * 8, '0')
  return Buffer.from(Array.from({ length: padded.length / 8 }, (_, i) => parseInt(padded.slice(i * 8, i * 8 + 8), 2)))
}

/** The constant text, or undefined. */
export function mysqlConstantText(node: unknown, depth = 0): string | undefined {
  if (node === null || typeof node !== 'object' || depth > MAX_DEPTH) return undefined
  const n = node as Node
  const text = fold(n, depth + 1)
  return text === undefined || text.length > MAX_CHARS ? undefined : text
}

function fold(node: Node, depth: number): string | undefined {
  const { type, value } = node
  if (type === 'hex_string' || type === 'full_hex_string') {
    return typeof value === 'string' && /^(?:[0-9A-Fa-f]{2})*$/.test(value) && value.length <= 2 * MAX_CHARS ? bytesText(Buffer.from(value, 'hex')) : undefined
  }
  if (type === 'bit_string') return typeof value === 'string' && /^[01]*$/.test(value) && value.length <= 8 * MAX_CHARS ? bytesText(bitBytes(value)) : undefined
  if (typeof type === 'string' && /(^|_)string$/.test(type)) return typeof value === 'string' ? value : undefined
  if (type === 'number') return typeof value === 'number' || typeof value === 'string' ? String(value) : undefined
  const name = functionName(node)
  if (name === undefined || !FUNCTIONS.has(name)) return undefined
  const list = (node.args as { type?: unknown; value?: unknown } | undefined)
  const argNodes = list?.type === 'expr_list' && Array.isArray(list.value) ? list.value : undefined
  if (!argNodes) return undefined
  const args: string[] = []
  let chars = 0
  for (const arg of argNodes) {
    const text = mysqlConstantText(arg, depth)
    chars += text?.length ?? 0
    if (text === undefined || chars > MAX_CHARS) return undefined
    args.push(text)
  }
  return apply(name, args)
}

function apply(name: string, args: string[]): string | undefined {
  if (name === 'CONCAT') return args.join('')
  if (name === 'CHAR') {
    // CHAR(n, …) gives each n's bytes, most significant first, up to four (CHAR(91) is `[`, CHAR(1550609761)
    // `[ema`); the text is read as UTF-8.
    const bytes: number[] = []
    for (const arg of args) {
      const code = count(arg)
      if (code === undefined || code < 0 || code > 0xffffffff) return undefined
      const own: number[] = []
      for (let rest = code; own.length === 0 || rest > 0; rest = Math.floor(rest / 256)) own.unshift(rest % 256)
      bytes.push(...own)
    }
    return bytesText(Buffer.from(bytes))
  }
  if (name === 'REPEAT') return args.length === 2 ? repeat(args[0]!, args[1]) : undefined
  // LPAD(text, length, fill) and RPAD: a longer text is cut to the length.
  return args.length === 3 ? pad(name === 'LPAD' ? 'left' : 'right', args[0]!, args[1], args[2]!) : undefined
}
