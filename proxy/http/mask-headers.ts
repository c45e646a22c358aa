// Response headers under a mask obligation: the content detectors run over every value the upstream sent, as
// they run over the body. Stored data comes back in headers too (S3 object metadata as x-amz-meta-*, GCS's
// x-goog-meta-*, a Content-Disposition the writer chose, a Location naming a URL with its password, an error
// header quoting the request), and a HEAD or a 304 brings those headers with no body at all. Digests of the
// document (ETag, which is S3's MD5 of the object, Content-MD5, x-amz-checksum-*, x-goog-hash, Digest) are dropped:
// from a digest and a document known but for the masked part, the masked value can be found offline.
import { maskDetected } from '../../engine/obligations/index.ts'
import { compileRules, type MaskRules } from '../../engine/obligations/mask/rules.ts'
import type { MaskObligation } from '../../engine/types.ts'
import { decodedHeaderValue } from '../../engine/obligations/mask/header-text.ts'
import { headerSafe } from './header-encodings.ts'

// The compiled rules of an obligations list that cannot change (a cached decision's): compiled once.
const compiled = new WeakMap<readonly MaskObligation[], MaskRules>()

function rulesOf(obligations: readonly MaskObligation[]): MaskRules {
  let rules = compiled.get(obligations)
  if (!rules) {
    rules = compileRules(obligations)
    if (Object.isFrozen(obligations)) compiled.set(obligations, rules)
  }
  return rules
}

/**
 * What the masking made of a header name or value, per compiled rules: answers repeat their headers (types,
 * servers, dates within a second), and the outcome is a pure function of the text, the rules and the key (one
 * per gateway; memos are kept per rules and key). A value is remembered with its decoded form's outcome
 * (maskedValue), a name as whether it is dropped: per header, one lookup instead of the decoding and two
 * detector lookups (~10 µs a response of six headers).
 */
interface Memo {
  values: Map<string, Masked>
  names: Map<string, boolean>
}
type Masked = { value: string | null; masked: boolean }
const memos = new WeakMap<MaskRules, WeakMap<Uint8Array, Memo>>()
const MEMO_ENTRIES = 512
const MEMO_MAX_LENGTH = 256

function memoOf(rules: MaskRules, key: Uint8Array): Memo {
  let byKey = memos.get(rules)
  if (!byKey) memos.set(rules, (byKey = new WeakMap()))
  let memo = byKey.get(key)
  if (!memo) byKey.set(key, (memo = { values: new Map(), names: new Map() }))
  return memo
}

function remember<T>(map: Map<string, T>, text: string, compute: () => T): T {
  if (text.length > MEMO_MAX_LENGTH) return compute()
  let out = map.get(text)
  if (out === undefined) {
    out = compute()
    if (map.size >= MEMO_ENTRIES) map.delete(map.keys().next().value!)
    map.set(text, out)
  }
  return out
}

const detect = (text: string, rules: MaskRules, key: Uint8Array): Masked => maskDetected(text, rules.detectors, rules.detectorStrategies, key)

/** A value found only once decoded (percent-escapes, RFC 2047 encoded-words) goes out decoded and masked. */
function maskedValue(value: string, rules: MaskRules, key: Uint8Array): Masked {
  const decoded = decodedHeaderValue(value)
  const hidden = decoded === undefined ? undefined : detect(decoded, rules, key)
  if (hidden?.masked) return { value: hidden.value === null ? null : headerSafe(hidden.value), masked: true }
  const out = detect(value, rules, key)
  return { value: out.value, masked: out.masked }
}

/** Headers that carry a digest of the unmasked document. */
export function isDigestHeader(name: string): boolean {
  return DIGESTS.has(name) || name.startsWith('x-amz-checksum-')
}

const DIGESTS = new Set(['etag', 'content-md5', 'x-goog-hash', 'digest', 'repr-digest', 'content-digest'])

/**
 * Drops the digest headers and those whose name the detectors find something in, and masks, in place, what they
 * find in each header value, as sent or decoded (header-text.ts; the gateway's own x-warden-* aside); a value the `null` strategy blanks drops its header. Returns how many values were masked.
 */
export function maskHeaders(headers: Record<string, string | string[]>, obligations: readonly MaskObligation[], key: Uint8Array): number {
  for (const name of Object.keys(headers)) if (isDigestHeader(name)) delete headers[name]
  const rules = rulesOf(obligations)
  if (!rules.detectors.length) return 0
  const memo = memoOf(rules, key)
  let masked = 0
  for (const name of Object.keys(headers)) {
    if (name.startsWith('x-warden-')) continue
    // Names carry stored data too (S3 metadata keys: x-amz-meta-<anything>); one the detectors find drops its header
    // (a masked name is no header name).
    if (remember(memo.names, name, () => detect(decodedHeaderValue(name) ?? name, rules, key).masked)) {
      masked++
      delete headers[name]
      continue
    }
    const value = headers[name]!
    if (!Array.isArray(value)) {
      const out = remember(memo.values, value, () => maskedValue(value, rules, key))
      if (out.masked) masked++
      if (out.value === null) delete headers[name]
      else headers[name] = out.value
      continue
    }
    const values: string[] = []
    for (const v of value) {
      const out = remember(memo.values, v, () => maskedValue(v, rules, key))
      if (out.masked) masked++
      if (out.value !== null) values.push(out.value)
    }
    if (!values.length) delete headers[name]
    else headers[name] = values
  }
  return masked
}
