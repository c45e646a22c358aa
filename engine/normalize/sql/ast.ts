// Small readers over libpg-query's JSON parse tree. Nodes arrive either wrapped (`{ "RangeVar": {…} }`, in
// lists and polymorphic fields) or bare (`relation: {…}` where the field has one fixed type); these helpers
// read both shapes without trusting either.

export type PgObject = Record<string, unknown>

export function isObject(value: unknown): value is PgObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** `{ Name: {…} }` → [Name, {…}]; anything else → undefined. Field names are lower/camel case, node names are not. */
export function unwrap(value: unknown): [string, PgObject] | undefined {
  if (!isObject(value)) return undefined
  // A key loop instead of Object.keys + a regex: this runs for every node of every tree walk (measured
  // ~5 % of normalizing a typical SELECT).
  let name: string | undefined
  for (const key in value) {
    if (name !== undefined) return undefined
    name = key
  }
  if (name === undefined) return undefined
  const first = name.charCodeAt(0)
  const body = value[name]
  if (first < 65 || first > 90 || !isObject(body)) return undefined
  return [name, body]
}

/**
 * Calls `visit` with every key and value of every object in the trees (node names with their bodies, fields with
 * their values), each before what it holds; a `visit` returning true ends the walk. No recursion: depth is the
 * input's.
 */
export function eachEntry(trees: readonly unknown[], visit: (key: string, value: unknown) => boolean | void): void {
  const stack: unknown[] = [...trees]
  while (stack.length) {
    const node = stack.pop()
    if (Array.isArray(node)) stack.push(...node)
    else if (isObject(node)) {
      for (const key in node) {
        const value = node[key]
        if (visit(key, value) === true) return
        if (typeof value === 'object' && value !== null) stack.push(value)
      }
    }
  }
}

/** The body of a node that may or may not be wrapped in `{ Name: … }`. */
export function bodyOf(value: unknown, name: string): PgObject | undefined {
  const node = unwrap(value)
  if (node && node[0] === name) return node[1]
  return isObject(value) && !node ? value : undefined
}

export function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value
  const node = unwrap(value)
  if (node && node[0] === 'List') return list(node[1].items)
  return []
}

export function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** The text of a String / A_Const / Integer / Float / Boolean node, or undefined. */
export function constText(value: unknown): string | undefined {
  const node = unwrap(value)
  if (!node) return undefined
  const [name, body] = node
  switch (name) {
    case 'String': return str(body.sval) ?? ''
    case 'Integer': return String(body.ival ?? 0)
    case 'Float': return str(body.fval) ?? '0'
    case 'Boolean': return String(body.boolval === true)
    case 'A_Const': {
      if (body.isnull === true) return 'NULL'
      for (const key of ['sval', 'ival', 'fval', 'boolval', 'bsval'] as const) {
        const inner = body[key]
        if (isObject(inner)) {
          const v = inner[key]
          if (key === 'ival') return String(v ?? 0)
          if (key === 'boolval') return String(v === true)
          return str(v) ?? ''
        }
      }
      return undefined
    }
    case 'TypeCast': return constText(body.arg)
    default: return undefined
  }
}

/** `[{String:{sval:'a'}}, {String:{sval:'b'}}]` → ['a', 'b'] (non-strings skipped). */
export function names(value: unknown): string[] {
  const out: string[] = []
  for (const item of list(value)) {
    const node = unwrap(item)
    if (node && node[0] === 'String') out.push(str(node[1].sval) ?? '')
  }
  return out
}

/** PostgreSQL enum text without its prefix, lower-cased: OBJECT_TABLE → table. */
export function enumName(value: unknown, prefix: string): string | undefined {
  const text = str(value)
  if (text === undefined) return undefined
  return (text.startsWith(prefix) ? text.slice(prefix.length) : text).toLowerCase()
}

/** DefElem list → Map of defname → DefElem body (last one wins, as in PostgreSQL). */
export function defElems(value: unknown): Map<string, PgObject> {
  const out = new Map<string, PgObject>()
  for (const item of list(value)) {
    const def = bodyOf(item, 'DefElem')
    const name = def && str(def.defname)
    if (def && name !== undefined) out.set(name, def)
  }
  return out
}
