// Values read out of a document by name: a json/jsonb key or path (`prefs->>'api_key'`, `prefs #>> '{db,password}'`,
// `jsonb_extract_path_text(prefs, 'api_key')`, `prefs['api_key']`) and a composite field (`(c).secret`). The value
// under a key is what a column of that name would hold, so the key is read as a column of the document's
// relation: sensitive-column masks then apply to `prefs->>'password'` as to a column `password`, by the same rules.
// A literal jsonpath (jsonb_path_query(prefs, '$.db.password')) reads its member keys. A key that is not a literal
// (a parameter, another column, an expression), a jsonpath reading any key (`$.*`, `$.**`, `.keyvalue()`) and the
// functions giving back every value apart from its key (jsonb_each, jsonb_to_record …) could read any key: the value
// is untraceable when the document is read from a relation. Array indexes (integer literals) and slices name no key.
import type { PgObject } from './ast.ts'
import { isObject, list, names, str, unwrap } from './ast.ts'
import { Acc, type Lin, plain } from './lineage-value.ts'

/** pg_catalog's json/jsonb extraction operators: `->` and `->>` take one key, `#>` and `#>>` a text[] path. */
const KEY_OPERATORS: ReadonlyMap<string, 'key' | 'path'> = new Map([['->', 'key'], ['->>', 'key'], ['#>', 'path'], ['#>>', 'path']])

/** pg_catalog functions taking a document then its path as variadic text arguments. */
const PATH_FUNCTIONS = new Set(['json_extract_path', 'json_extract_path_text', 'jsonb_extract_path', 'jsonb_extract_path_text'])

/** pg_catalog functions taking a document then a jsonpath (then variables, which a path can return as they are). */
const JSONPATH_FUNCTIONS = new Set([
  'jsonb_path_query', 'jsonb_path_query_array', 'jsonb_path_query_first', 'jsonb_path_query_tz', 'jsonb_path_query_array_tz', 'jsonb_path_query_first_tz',
])

/**
 * pg_catalog functions giving back every value of a document apart from its key (as rows, or as the fields of a
 * record whose column list the caller writes): nothing ties a value to its key any more.
 */
const EVERY_KEY_FUNCTIONS = new Set([
  'json_each', 'json_each_text', 'jsonb_each', 'jsonb_each_text', 'json_populate_record', 'jsonb_populate_record', 'json_populate_recordset',
  'jsonb_populate_recordset', 'json_to_record', 'jsonb_to_record', 'json_to_recordset', 'jsonb_to_recordset',
])

/**
 * A member accessor of a jsonpath: `.key`, of every character PostgreSQL's jsonpath scanner reads into an unquoted
 * key, or `."key"` (a method call such as `.size()` reads as a key too: harmless). Paths with escapes are not read.
 */
const JSONPATH_MEMBER = /\.\s*(?:"([^"\\]*)"|([^?%$.[\]{}()|&!=<>@#,*:\-+/\\" \t\n\r\f]+))/g
/** Member wildcards (`.*`, `.**`) and `.keyvalue()` read every key. */
const JSONPATH_ANY_KEY = /\.\s*\*|\.\s*keyvalue\s*\(/i

/** Keys named by a literal key or path, [] for an array index; undefined when the key is not a literal. */
export type Keys = string[] | undefined

/** How an operator expression reads a document, when it is a built-in extraction. */
export function extractionOperator(body: PgObject): 'key' | 'path' | undefined {
  if (str(body.kind) !== 'AEXPR_OP') return undefined
  const parts = names(body.name)
  if (parts.length > 2 || (parts.length === 2 && parts[0] !== 'pg_catalog')) return undefined
  return KEY_OPERATORS.get(parts[parts.length - 1] ?? '')
}

/** How a call (unqualified or in pg_catalog) reads a document given as its first argument, if it does by key. */
export function documentFunction(parts: readonly string[]): 'path' | 'jsonpath' | 'every-key' | undefined {
  if (parts.length > 2 || (parts.length === 2 && parts[0] !== 'pg_catalog')) return undefined
  const name = parts[parts.length - 1] ?? ''
  if (PATH_FUNCTIONS.has(name)) return 'path'
  if (JSONPATH_FUNCTIONS.has(name)) return 'jsonpath'
  return EVERY_KEY_FUNCTIONS.has(name) ? 'every-key' : undefined
}

/** Keys a literal jsonpath reads (`'$.db.password'`); undefined when not a literal or when it reads any key (`$.*`, `.keyvalue()`). */
export function jsonpathOf(node: unknown): Keys {
  const c = constant(node)
  if (c === undefined || c.kind !== 'string') return c?.kind === 'null' ? [] : undefined
  // An escape (`\u0061`, `\x61`, `\"`), quoted or not, spells a key otherwise than it is written: any key may be read.
  if (JSONPATH_ANY_KEY.test(c.text) || c.text.includes('\\')) return undefined
  return [...c.text.matchAll(JSONPATH_MEMBER)].map((m) => m[1] ?? m[2]!)
}

const KEYS_ONLY_PATH = /^\s*(?:(?:strict|lax)\s+)?\$(?:\s*\.\s*(?:"[^"\\]*"|[A-Za-z_][A-Za-z0-9_]*)|\s*\[\s*(?:\d+|\*)\s*\])*\s*$/i

/** A literal jsonpath of member keys and array indexes only (`$.db.password`, `strict $."k"[0]`, `$.items[*].name`): no filter, method or arithmetic. */
export function keysOnlyPath(node: unknown): boolean {
  const c = constant(node)
  return c?.kind === 'string' && KEYS_ONLY_PATH.test(c.text)
}

/** Keys of a `->` / `->>` operand or a subscript: a string literal is a key, an integer literal an index. */
export function keyOf(node: unknown): Keys {
  const c = constant(node)
  if (c === undefined) return undefined
  return c.kind === 'string' ? [c.text] : []
}

/** Keys of a `#>` / `#>>` operand: a text[] literal (`'{db,password}'`) or ARRAY['db', 'password']. */
export function pathOf(node: unknown): Keys {
  const n = unwrap(node)
  if (n?.[0] === 'TypeCast') return pathOf(n[1].arg)
  if (n?.[0] === 'A_ArrayExpr') return keysOf(list(n[1].elements))
  const c = constant(node)
  if (c === undefined) return undefined
  return c.kind === 'string' ? arrayLiteral(c.text) : []
}

/** Keys of a list of key operands (extract_path arguments, ARRAY[…] elements): undefined when any is not literal. */
export function keysOf(nodes: readonly unknown[]): Keys {
  const out: string[] = []
  for (const node of nodes) {
    const n = unwrap(node)
    // VARIADIC ARRAY['db', 'password']
    const keys = n?.[0] === 'A_ArrayExpr' ? keysOf(list(n[1].elements)) : keyOf(node)
    if (keys === undefined) return undefined
    out.push(...keys)
  }
  return out
}

/** The lineage of what `keys` read out of a document of lineage `doc`: the document, and each key as a column of each of its relations. */
export function readKeys(doc: Lin, keys: readonly string[]): Lin {
  const acc = new Acc()
  // A value read by its key is masked by that key's name; it may itself be a document (`prefs->>'db'` holding a
  // password), masked by its keys only while it stays one: computed on, it is untraceable like a whole document.
  acc.add({ ...doc, document: false, documentText: false, documentRow: false }, false)
  for (const s of doc.sources) for (const key of keys) acc.add(plain(s.table, key), false)
  const lin = acc.lin()
  return doc.document && !doc.documentRow && lin.kind !== 'unknown' ? { ...lin, document: true } : lin
}

interface Constant {
  kind: 'string' | 'number' | 'null'
  text: string
}

/** A literal, possibly cast (`'api_key'::text`); undefined for anything computed or bound. */
function constant(node: unknown): Constant | undefined {
  const n = unwrap(node)
  if (!n) return undefined
  const [name, body] = n
  if (name === 'TypeCast') return constant(body.arg)
  if (name !== 'A_Const') return undefined
  if (body.isnull === true) return { kind: 'null', text: '' }
  // An empty string arrives as `sval: {}`, a zero as `ival: {}`.
  if (isObject(body.sval)) return { kind: 'string', text: str(body.sval.sval) ?? '' }
  if (body.ival !== undefined || body.fval !== undefined || body.boolval !== undefined || body.bsval !== undefined) return { kind: 'number', text: '' }
  return undefined
}

/**
 * Elements of a one-dimensional array literal (`{db,"pass word",x\,y}`), as PostgreSQL's array_in reads them;
 * undefined for anything else (nested or malformed), which is then read as not literal.
 */
export function arrayLiteral(text: string): string[] | undefined {
  const s = text.trim()
  if (!s.startsWith('{') || !s.endsWith('}')) return undefined
  const out: string[] = []
  let i = 1
  const end = s.length - 1
  if (s.slice(1, end).trim() === '') return out
  while (i <= end) {
    while (i < end && /\s/.test(s[i]!)) i++
    let item = ''
    let quoted = false
    if (s[i] === '"') {
      quoted = true
      i++
      while (i < end && s[i] !== '"') {
        if (s[i] === '\\') i++
        item += s[i] ?? ''
        i++
      }
      if (s[i] !== '"') return undefined
      i++
      while (i < end && /\s/.test(s[i]!)) i++
    } else {
      while (i < end && s[i] !== ',') {
        if (s[i] === '{' || s[i] === '}' || s[i] === '"') return undefined
        if (s[i] === '\\') i++
        item += s[i] ?? ''
        i++
      }
      item = item.trim()
    }
    // An unquoted NULL is a null element, which names no key.
    if (quoted || item.toUpperCase() !== 'NULL') out.push(item)
    if (i === end) return out
    if (s[i] !== ',') return undefined
    i++
  }
  return undefined
}
