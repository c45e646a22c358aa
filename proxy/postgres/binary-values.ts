// Masking result values so the client can still decode them. A value masked whole (a column rule, or derived
// from a masked column) keeps its type where the replacement is a value of it: text-like types get the masked
// text, json and jsonb a JSON string holding it; every other type (numbers, bytea, arrays, composites, dates …)
// becomes NULL, in text and in binary format alike, because `[redacted]` is not an integer or a bytea, and a
// typed stand-in (0, an empty array) would read as real data. Detectors scan text-like values in both formats
// and the digits of binary numbers; a hit in a binary value that cannot be rewritten makes it NULL.
// @see https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-FORMAT-CODES
import type { ColumnMask } from '../../engine/obligations/mask/index.ts'

/** text, varchar, bpchar, name, json, unknown, xml, "char": binary send format is the text bytes. */
const TEXT_LIKE = new Set([25, 1043, 1042, 19, 114, 705, 142, 18])
const JSONB = 3802
const INT8 = 20
const NUMERIC = 1700
/** Types whose values cannot hold anything a content detector looks for (bool, int2/4, oid, floats, dates, uuid …). */
const NOTHING_TO_DETECT = new Set([16, 21, 23, 26, 700, 701, 1082, 1083, 1114, 1184, 1186, 1266, 2950])

export type MaskString = (text: string) => { value: string | null; masked: boolean }
export type Encoding = 'utf8' | 'latin1'

export interface MaskedValue {
  value: Buffer | null
  masked: boolean
}

function viaText(value: Buffer, encoding: Encoding, mask: MaskString, prefix?: number): MaskedValue {
  const r = mask(value.toString(encoding, prefix === undefined ? 0 : 1))
  if (!r.masked) return { value, masked: false }
  if (r.value === null) return { value: null, masked: true }
  const body = Buffer.from(r.value, encoding)
  return { value: prefix === undefined ? body : Buffer.concat([Buffer.from([prefix]), body]), masked: true }
}

const JSON_TYPE = 114

/** A value masked whole: the masked text in the column's own type where it can be one of its values, else NULL. */
export function maskWholeValue(value: Buffer, typeOid: number, format: number, encoding: Encoding, mask: MaskString): MaskedValue {
  if (TEXT_LIKE.has(typeOid) && typeOid !== JSON_TYPE) return viaText(value, encoding, mask)
  if (typeOid !== JSON_TYPE && typeOid !== JSONB) return { value: null, masked: true }
  const binaryJsonb = typeOid === JSONB && format === 1
  const r = mask(value.toString(binaryJsonb ? 'utf8' : encoding, binaryJsonb ? 1 : 0))
  if (r.value === null) return { value: null, masked: true }
  const body = Buffer.from(JSON.stringify(r.value), binaryJsonb ? 'utf8' : encoding)
  return { value: binaryJsonb ? Buffer.concat([Buffer.from([1]), body]) : body, masked: true }
}

/** A value in text format, scanned by detectors: masked as text in the client's encoding. */
export function maskTextValue(value: Buffer, encoding: Encoding, mask: MaskString): MaskedValue {
  return viaText(value, encoding, mask)
}

export function maskBinaryValue(value: Buffer, typeOid: number, column: ColumnMask, encoding: Encoding, mask: MaskString): MaskedValue {
  if (TEXT_LIKE.has(typeOid)) return viaText(value, encoding, mask)
  if (typeOid === JSONB) {
    // jsonb binary format: version byte 1, then the JSON text. An unknown version cannot be read: withhold it.
    return value[0] === 1 ? viaText(value, 'utf8', mask, 1) : { value: null, masked: true }
  }
  if (column.strategy) return { value: null, masked: true }
  if (NOTHING_TO_DETECT.has(typeOid)) return { value, masked: false }
  // Numbers can hold card numbers or phone numbers: scan their text; a hit cannot be written back, so NULL.
  const digits = typeOid === INT8 && value.length === 8 ? value.readBigInt64BE(0).toString() : typeOid === NUMERIC ? numericText(value) : undefined
  if (digits !== undefined) {
    const r = mask(digits)
    return r.masked ? { value: null, masked: true } : { value, masked: false }
  }
  // numeric, bytea, arrays, composites …: content detectors cannot read them, so fail closed.
  return { value: null, masked: true }
}

/**
 * The decimal text of a binary numeric: ndigits, weight, sign, dscale, then base-10000 digits.
 * @see https://github.com/postgres/postgres/blob/REL_15_STABLE/src/backend/utils/adt/numeric.c (numeric_send)
 */
export function numericText(v: Buffer): string | undefined {
  if (v.length < 8) return undefined
  const ndigits = v.readInt16BE(0)
  const weight = v.readInt16BE(2)
  const sign = v.readUInt16BE(4)
  const dscale = v.readInt16BE(6)
  if (ndigits < 0 || dscale < 0 || v.length !== 8 + 2 * ndigits) return undefined
  if (sign === 0xc000) return 'NaN'
  if (sign === 0xd000) return 'Infinity'
  if (sign === 0xf000) return '-Infinity'
  if (sign !== 0 && sign !== 0x4000) return undefined
  const digit = (k: number) => (k >= 0 && k < ndigits ? v.readInt16BE(8 + 2 * k) : 0)
  let int = ''
  for (let k = 0; k <= weight; k++) int += k === 0 ? String(digit(k)) : String(digit(k)).padStart(4, '0')
  let frac = ''
  for (let k = weight + 1; frac.length < dscale; k++) frac += String(digit(k)).padStart(4, '0')
  const text = (int || '0') + (dscale > 0 ? '.' + frac.slice(0, dscale) : '')
  return sign === 0x4000 ? '-' + text : text
}
