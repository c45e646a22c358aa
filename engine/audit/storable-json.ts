// One pass over a redacted event that yields what JSON.parse(JSON.stringify(value)) would (undefined dropped,
// NaN and Infinity null, toJSON applied) with lone surrogates replaced by U+FFFD, and its RFC 8785 canonical
// text (keys sorted by UTF-16 code units, strings and numbers as JSON.stringify writes them). The same result as
// stringify, parse, then canonicalize, which walked the event three times; storable-json.test.ts holds them equal.
import { types } from 'node:util'
import { hasLoneSurrogate, wellFormed } from '../well-formed.ts'
import { AuditError } from './errors.ts'

/** Past this depth the value is refused (redaction already cuts events at 64 levels). */
const MAX_DEPTH = 200

export interface StorableJson {
  plain: unknown
  text: string
}

/**
 * What JSON.stringify does with a value before writing it: toJSON(key) of any object, a function or a BigInt
 * included, then a boxed primitive read as its primitive (by its internal slot, as the spec does: not by
 * instanceof, which an object made from Number.prototype passes and a boxed value of another realm fails).
 */
function prepared(value: unknown, key: string): unknown {
  const t = typeof value
  if ((value !== null && t === 'object') || t === 'function' || t === 'bigint') {
    const toJSON = (value as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function') value = toJSON.call(value, key)
  }
  if (value === null || typeof value !== 'object' || !types.isBoxedPrimitive(value)) return value
  if (types.isNumberObject(value)) return Number(value)
  if (types.isStringObject(value)) return String(value)
  if (types.isBooleanObject(value)) return Boolean.prototype.valueOf.call(value)
  if (types.isBigIntObject(value)) throw new TypeError('Do not know how to serialize a BigInt')
  return value
}

const skipped = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol'

export function storableJson(value: unknown): StorableJson {
  const out = walk(prepared(value, ''), 0)
  if (out === undefined) throw new AuditError('audit.not_canonical', 'encode audit record: the value has no JSON form (undefined or a function)')
  return out
}

function walk(value: unknown, depth: number): StorableJson | undefined {
  if (skipped(value)) return undefined
  if (value === null) return { plain: null, text: 'null' }
  switch (typeof value) {
    case 'string': {
      const s = wellFormed(value)
      return { plain: s, text: JSON.stringify(s) }
    }
    case 'number':
      // -0 reads back as 0.
      return Number.isFinite(value) ? { plain: value === 0 ? 0 : value, text: JSON.stringify(value) } : { plain: null, text: 'null' }
    case 'boolean':
      return { plain: value, text: value ? 'true' : 'false' }
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt')
  }
  if (depth >= MAX_DEPTH) throw new AuditError('audit.not_canonical', `encode audit record: nested deeper than ${MAX_DEPTH} levels`)
  if (Array.isArray(value)) {
    const plain = new Array<unknown>(value.length)
    const parts = new Array<string>(value.length)
    for (let i = 0; i < value.length; i++) {
      const item = walk(prepared(value[i], String(i)), depth + 1)
      plain[i] = item ? item.plain : null
      parts[i] = item ? item.text : 'null'
    }
    return { plain, text: `[${parts.join(',')}]` }
  }
  const obj = value as Record<string, unknown>
  const plain: Record<string, unknown> = {}
  const texts = new Map<string, string>()
  for (const key of Object.keys(obj)) {
    const item = walk(prepared(obj[key], key), depth + 1)
    if (item === undefined) continue
    // RFC 8785 has no form for a key with a lone surrogate.
    if (hasLoneSurrogate(key)) throw new AuditError('audit.not_canonical', 'encode audit record: a key holds a lone UTF-16 surrogate')
    if (key === '__proto__') Object.defineProperty(plain, key, { value: item.plain, enumerable: true, writable: true, configurable: true })
    else plain[key] = item.plain
    texts.set(key, item.text)
  }
  const keys = [...texts.keys()].sort()
  let text = '{'
  for (let i = 0; i < keys.length; i++) text += `${i ? ',' : ''}${JSON.stringify(keys[i])}:${texts.get(keys[i]!)}`
  return { plain, text: `${text}}` }
}
