// Result values that are JSON documents, masked by their keys where column masking applies. A key names its value
// as a column names its values: {"api_key": …} read whole (SELECT prefs, prefs::text, prefs->'db') has the value
// under api_key masked by the rule for columns named like it, as a NOTIFY payload is (message-screen.ts); the
// detectors then scan the rest (engine/obligations/mask/json.ts). The column's origin is harmless, so nothing else
// would: the detectors know a card or an email by its shape, not a password.
import { compileRules, type JsonMasker, jsonMasker } from '../../engine/obligations/mask/index.ts'
import type { MaskObligation } from '../../engine/types.ts'
import { mapArrayBinary, mapArrayText } from './array-values.ts'
import type { Encoding, MaskedValue, MaskString } from './binary-values.ts'

/** json, jsonb, and the text types a document is read as (`prefs::text`, a text column holding JSON, unknown). */
const DOCUMENT_TYPES: ReadonlySet<number> = new Set([114, 3802, 25, 1043, 1042, 705])
/**
 * Arrays of those (json[], jsonb[], text[], varchar[], bpchar[]) by their element type: array_agg(prefs),
 * ARRAY[prefs] or array_fill(prefs, …) hold whole documents, each masked by its keys as one read alone.
 */
const DOCUMENT_ARRAYS: ReadonlyMap<number, number> = new Map([[199, 114], [3807, 3802], [1009, 25], [1015, 1043], [1014, 1042]])
const JSONB = 3802
/**
 * tsvector: to_tsvector(prefs) (or jsonb_to_tsvector) keeps a document's words and drops its keys, so nothing says
 * which word stood under a masked key. Where column rules apply, one computed from a column is withheld whole.
 */
const TSVECTOR = 3614

/** The key masker for one set of obligations, compiled once per gateway key. */
export class DocumentMasks {
  private readonly byKey = new WeakMap<Uint8Array, JsonMasker>()

  private constructor(private readonly obligations: readonly MaskObligation[]) {}

  /** Defined only where some column rule applies: detectors alone scan a document as text already. */
  static of(obligations: readonly MaskObligation[]): DocumentMasks | undefined {
    return compileRules([...obligations]).columns.length > 0 ? new DocumentMasks(obligations) : undefined
  }

  /** Whether values of a column of this type may be documents, or arrays of them. */
  static holds(typeOid: number): boolean {
    return DOCUMENT_TYPES.has(typeOid) || DOCUMENT_ARRAYS.has(typeOid)
  }

  /** Whether a value of this type computed from a column may hold a document's values without their keys. */
  static keyless(typeOid: number): boolean {
    return typeOid === TSVECTOR
  }

  /** Whether values of a column of this type are arrays that may hold documents. */
  static isArray(typeOid: number): boolean {
    return DOCUMENT_ARRAYS.has(typeOid)
  }

  private masker(key: Uint8Array): JsonMasker {
    let m = this.byKey.get(key)
    if (!m) this.byKey.set(key, (m = jsonMasker(this.obligations, key, { memo: true })))
    return m
  }

  /**
   * `text` masked by keys when it is a JSON object or array; anything else goes to `otherwise` (the detectors).
   * A masked document is written back compactly (JSON.stringify): its formatting, and the digits of integers past
   * 2^53, may change; an unmasked one goes out as it came.
   */
  mask(text: string, key: Uint8Array, otherwise: MaskString): ReturnType<MaskString> {
    const doc = parseDocument(text)
    if (doc === undefined) return otherwise(text)
    const out = this.masker(key).mask(doc)
    return out.masked ? { value: JSON.stringify(out.doc), masked: true } : { value: text, masked: false }
  }

  /**
   * An array of documents (DOCUMENT_ARRAYS), each element masked as `mask` masks a value of the element type, in
   * text or binary format. An array that cannot be read, or a jsonb element of an unknown binary version, is
   * withheld: the elements were not looked at.
   */
  maskArray(value: Buffer, typeOid: number, format: number, key: Uint8Array, encoding: Encoding, otherwise: MaskString): MaskedValue {
    let masked = false
    const element = (text: string): string | null => {
      const r = this.mask(text, key, otherwise)
      if (r.masked) masked = true
      return r.value
    }
    if (format === 0) {
      const out = mapArrayText(value.toString(encoding), element)
      if (out === undefined) return { value: null, masked: true }
      return masked ? { value: Buffer.from(out, encoding), masked: true } : { value, masked: false }
    }
    const jsonb = DOCUMENT_ARRAYS.get(typeOid) === JSONB
    let unreadable = false
    const out = mapArrayBinary(value, (bytes) => {
      if (jsonb && bytes[0] !== 1) {
        unreadable = true
        return null
      }
      const text = element(bytes.toString(jsonb ? 'utf8' : encoding, jsonb ? 1 : 0))
      if (text === null) return null
      const body = Buffer.from(text, jsonb ? 'utf8' : encoding)
      return jsonb ? Buffer.concat([Buffer.from([1]), body]) : body
    })
    if (out === undefined || unreadable) return { value: null, masked: true }
    return masked ? { value: out, masked: true } : { value, masked: false }
  }
}

function parseDocument(text: string): object | undefined {
  const start = text.trimStart()[0]
  if (start !== '{' && start !== '[') return undefined
  try {
    const doc: unknown = JSON.parse(text)
    return typeof doc === 'object' && doc !== null ? doc : undefined
  } catch {
    return undefined
  }
}
