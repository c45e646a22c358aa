// Result values that are JSON documents, masked by their keys where column masking applies. A key names its value
// as a column names its values: {"api_key": …} read whole (SELECT prefs, prefs::text, prefs->'db') has the value
// under api_key masked by the rule for columns named like it, as a NOTIFY payload is (message-screen.ts); the
// detectors then scan the rest (engine/obligations/mask/json.ts). The column's origin is harmless, so nothing else
// would: the detectors know a card or an email by its shape, not a password.
import { compileRules, type JsonMasker, jsonMasker } from '../../engine/obligations/mask/index.ts'
import type { MaskObligation } from '../../engine/types.ts'
import type { MaskString } from './binary-values.ts'

/** json, jsonb, and the text types a document is read as (`prefs::text`, a text column holding JSON, unknown). */
const DOCUMENT_TYPES: ReadonlySet<number> = new Set([114, 3802, 25, 1043, 1042, 705])

/** The key masker for one set of obligations, compiled once per gateway key. */
export class DocumentMasks {
  private readonly byKey = new WeakMap<Uint8Array, JsonMasker>()

  private constructor(private readonly obligations: readonly MaskObligation[]) {}

  /** Defined only where some column rule applies: detectors alone scan a document as text already. */
  static of(obligations: readonly MaskObligation[]): DocumentMasks | undefined {
    return compileRules([...obligations]).columns.length > 0 ? new DocumentMasks(obligations) : undefined
  }

  /** Whether values of a column of this type may be documents. */
  static holds(typeOid: number): boolean {
    return DOCUMENT_TYPES.has(typeOid)
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
