// PostgreSQL array values of text-like elements, read and written back element by element, in text format
// (`{a,"b c",NULL}`, nested braces for more dimensions, an optional `[lb:ub]=` prefix) and in binary format
// (ndim, flags, element type, dimensions and lower bounds, then each element's length and bytes). Only the
// element strings are handed to `each`; dimensions, bounds and NULLs are kept as they came.
// @see https://www.postgresql.org/docs/current/arrays.html#ARRAYS-IO
// @see https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/utils/adt/arrayfuncs.c (array_out, array_send)

type Node = string | null | Node[]

/** Elements of an array's text form; undefined when it is not one (the caller then fails closed). */
function parseText(s: string): { prefix: string; root: Node[] } | undefined {
  const m = /^(\s*(?:\[-?\d+:-?\d+\])+\s*=\s*)?\{/.exec(s)
  if (!m) return undefined
  let i = (m[1] ?? '').length
  const prefix = s.slice(0, i)
  const parseList = (): Node[] | undefined => {
    if (s[i] !== '{') return undefined
    i++
    const out: Node[] = []
    if (s[i] === '}') {
      i++
      return out
    }
    for (;;) {
      if (s[i] === '{') {
        const inner = parseList()
        if (!inner) return undefined
        out.push(inner)
      } else if (s[i] === '"') {
        let item = ''
        i++
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\') i++
          item += s[i] ?? ''
          i++
        }
        if (s[i] !== '"') return undefined
        i++
        out.push(item)
      } else {
        const start = i
        while (i < s.length && s[i] !== ',' && s[i] !== '}') {
          if (s[i] === '"' || s[i] === '{' || s[i] === '\\') return undefined
          i++
        }
        const item = s.slice(start, i)
        out.push(item === 'NULL' ? null : item)
      }
      if (s[i] === '}') {
        i++
        return out
      }
      if (s[i] !== ',') return undefined
      i++
    }
  }
  const root = parseList()
  return root && i === s.length ? { prefix, root } : undefined
}

/** An element as array_out writes it: quoted when empty, NULL-like, or holding a delimiter, brace, quote, backslash or space. */
function quote(e: string): string {
  if (e !== '' && !/[{},"\\\s]/.test(e) && e.toUpperCase() !== 'NULL') return e
  return `"${e.replace(/["\\]/g, (c) => `\\${c}`)}"`
}

function writeText(nodes: Node[]): string {
  return `{${nodes.map((n) => (n === null ? 'NULL' : typeof n === 'string' ? quote(n) : writeText(n))).join(',')}}`
}

const mapNodes = (nodes: Node[], each: (e: string) => string | null): Node[] => nodes.map((n) => (n === null ? null : typeof n === 'string' ? each(n) : mapNodes(n, each)))

/** The array text with every element string replaced by `each` of it (null: a NULL); undefined when `text` is not an array. */
export function mapArrayText(text: string, each: (element: string) => string | null): string | undefined {
  const parsed = parseText(text)
  if (!parsed) return undefined
  return parsed.prefix + writeText(mapNodes(parsed.root, each))
}

/** The binary array with every element's bytes replaced by `each` of them (null: a NULL); undefined when malformed. */
export function mapArrayBinary(value: Buffer, each: (element: Buffer) => Buffer | null): Buffer | undefined {
  if (value.length < 12) return undefined
  const ndim = value.readInt32BE(0)
  if (ndim < 0 || ndim > 6 || value.length < 12 + 8 * ndim) return undefined
  let count = ndim === 0 ? 0 : 1
  for (let d = 0; d < ndim; d++) count *= value.readInt32BE(12 + 8 * d)
  let at = 12 + 8 * ndim
  const parts: Buffer[] = [value.subarray(0, at)]
  for (let k = 0; k < count; k++) {
    if (at + 4 > value.length) return undefined
    const len = value.readInt32BE(at)
    at += 4
    if (len === -1) {
      parts.push(Buffer.from([0xff, 0xff, 0xff, 0xff]))
      continue
    }
    if (len < 0 || at + len > value.length) return undefined
    const out = each(value.subarray(at, at + len))
    const head = Buffer.alloc(4)
    head.writeInt32BE(out === null ? -1 : out.length)
    parts.push(...(out === null ? [head] : [head, out]))
    at += len
  }
  return at === value.length ? Buffer.concat(parts) : undefined
}
