// Masks a body already read and decoded (its Content-Encoding undone) by the decision's mask obligations, with
// the engine's one JSON masker (engine/obligations/mask/json.ts, shared with PostgreSQL): JSON gets every rule,
// other text the content detectors; the gateway's upstream credential is hidden in what comes out. Pure work
// on bytes, with no stream: mask-response.ts calls it on the socket thread for most bodies, and the mask thread
// (mask-thread.ts) for large ones.
import { KeyedLru } from '../../engine/keyed-lru.ts'
import { type JsonMasker, jsonMasker, maskDetected } from '../../engine/obligations/index.ts'
import { parseJsonText, writeJsonText } from '../../engine/obligations/mask/json-numbers.ts'
import { MaskError } from '../../engine/obligations/errors.ts'
import { compileRules } from '../../engine/obligations/mask/rules.ts'
import type { MaskObligation } from '../../engine/types.ts'
import { HttpGatewayError } from './errors.ts'
import { finishTable, tableIn, type TableForm } from './kube-tables.ts'
import { hideCredentials, SECRET_MASK } from './response-credential.ts'
import { decodeWide, type WideEncoding } from './text-encoding.ts'
import { utf8Text } from './utf8.ts'
import { ValueSearch } from './value-search.ts'

export const failed = (message: string, cause?: unknown) => new HttpGatewayError(502, 'http.mask_failed', `the response must be masked but ${message}; it was withheld`, { cause })

export const isJson = (type: string) => type === 'application/json' || type.endsWith('+json') || type === 'text/json' || type.startsWith('application/x-amz-json')
// Text under an application/ type: configuration (TOML, YAML), scripts (JavaScript, shell, SQL), form data.
const TEXT_APPLICATIONS = new Set([
  'application/xml', 'application/yaml', 'application/x-yaml', 'application/toml', 'application/javascript', 'application/ecmascript',
  'application/x-javascript', 'application/x-sh', 'application/x-shellscript', 'application/sql', 'application/x-www-form-urlencoded',
])
const isText = (type: string) => type.startsWith('text/') || type.endsWith('+xml') || TEXT_APPLICATIONS.has(type)

/** A decoded body to mask: its media type, the one the upstream declared (for messages), and what to apply. */
export interface MaskJob {
  body: Uint8Array
  type: string
  declared: string
  obligations: MaskObligation[]
  key: Uint8Array
  /** The forms of the gateway's upstream credential to hide (response-credential.ts). */
  credentials: readonly string[]
  /**
   * Forms of values masked by origin (a pod's Secret values in its log: pod-secrets.ts), longest first. Hidden
   * before the obligations apply: a detector that masked part of one would leave the rest where no form matches.
   */
  origin?: readonly string[]
  /** A Kubernetes answer: a Table in it is masked by origin and answered in this form (kube-tables.ts). */
  table?: TableForm
  /** A body in UTF-16 or UTF-32 (text-encoding.ts); read as UTF-8 without it. The masked body is UTF-8. */
  encoding?: WideEncoding
}

// The prefixes that keep a JSON answer from running as a script when another site includes it (XSSI): `)]}'`
// (Angular, Google APIs; `)]}',` too), `while(1);` and `for(;;);`. The JSON after one is masked and the prefix kept,
// as its clients strip it; any other text before the JSON leaves the body unparseable, and withheld.
const XSSI_PREFIX = /^(?:\)\]\}',?|while\(1\);|for\(;;\);)[ \t]*(?:\r?\n)?/

/** The masked body and how many values changed; throws http.mask_failed for a body that cannot be masked. */
export function maskDecoded(job: MaskJob): { body: Buffer; masked: number } {
  const { body, type, declared, obligations, key } = job
  const read = job.encoding ? decodeWide(body, job.encoding) : body.includes(0) ? undefined : utf8Text(body)
  if (read === undefined || (job.encoding && read.includes('\0'))) throw binaryRefused(declared, obligations)
  const origin = job.origin?.length ? new ValueSearch(job.origin).hide(read, SECRET_MASK) : undefined
  const text = origin ? origin.text : read
  const prefix = XSSI_PREFIX.exec(text)?.[0] ?? ''
  const rest = prefix ? text.slice(prefix.length) : text
  const looksJson = /^\s*[[{]/.test(rest)
  if (!isJson(type) && !isText(type) && !looksJson) throw failed(`its content type ${type || '(none)'} cannot be scanned`)
  const out = isJson(type) || looksJson ? maskJsonOrText(rest, type, obligations, key, job.table) : maskPlainText(text, obligations, key)
  const masked = prefix && (isJson(type) || looksJson) ? prefix + out.text : out.text
  const clean = hideCredentials(masked, job.credentials)
  return { body: Buffer.from(clean.text, 'utf8'), masked: out.masked + clean.hidden + (origin?.hidden ?? 0) }
}

// One compiled masker per mask key and set of obligations (a decision from the engine's cache brings the same
// obligations for every response to the same request), remembering what the detectors made of each string.
const MAX_MASKERS = 256
const maskers = new WeakMap<Uint8Array, KeyedLru<JsonMasker>>()
// The same, by the obligations list itself when it cannot change (a cached decision's, deep-frozen): no need to
// spell the list out again (JSON) to find its masker, a few µs a response.
const maskersByList = new WeakMap<Uint8Array, WeakMap<readonly MaskObligation[], JsonMasker>>()

/**
 * A list that can never change: frozen, and every obligation in it frozen (their fields are strings). Freezing
 * cannot be undone, so a list found immutable is remembered as such (a cached decision's ~80 obligations were
 * checked twice a response).
 */
const immutableLists = new WeakSet<readonly MaskObligation[]>()
export function immutable(obligations: readonly MaskObligation[]): boolean {
  if (immutableLists.has(obligations)) return true
  if (!Object.isFrozen(obligations) || !obligations.every((o) => Object.isFrozen(o))) return false
  immutableLists.add(obligations)
  return true
}

function maskerFor(obligations: readonly MaskObligation[], key: Uint8Array): JsonMasker {
  const fixed = immutable(obligations)
  let byList = maskersByList.get(key)
  if (fixed) {
    const known = byList?.get(obligations)
    if (known) return known
  }
  let byObligations = maskers.get(key)
  if (!byObligations) maskers.set(key, (byObligations = new KeyedLru(MAX_MASKERS)))
  const id = JSON.stringify(obligations)
  let masker = byObligations.get(id)
  if (!masker) byObligations.set(id, (masker = jsonMasker(obligations, key, { memo: true })))
  if (fixed) {
    if (!byList) maskersByList.set(key, (byList = new WeakMap()))
    byList.set(obligations, masker)
  }
  return masker
}

/**
 * Documents masked lately, by their text, with the masker that masked them. A masker's result is a function of
 * the text alone (parseJsonText, then a walk whose memos are of pure functions, then writeJsonText), so a text met
 * again with the same masker is answered as it was: answers repeat (a list read again unchanged, a tool list,
 * a status), and parsing, walking and writing a small document was a fifth of the gateway's time per answer.
 * Only documents that masked without error are kept; bounded in entries and characters.
 */
const MAX_REMEMBERED_TEXT = 16 * 1024
const documents = new KeyedLru<{ masker: JsonMasker; result: Readonly<{ text: string; masked: number }> }>(256, 1024 * 1024)

/**
 * `table`: a Kubernetes answer, whose Table (if it is or carries one) has its cells masked by origin and its rows'
 * objects turned into the form asked for (kube-tables.ts). Such a document is not remembered: its answer depends
 * on the form too. Most Kubernetes answers are no Table, and are remembered as any other.
 */
export function maskDocument(text: string, obligations: MaskObligation[], key: Uint8Array, table?: TableForm): { text: string; masked: number } {
  const tabled = table !== undefined && text.includes('"Table"')
  let masker: JsonMasker | undefined
  if (!tabled && text.length <= MAX_REMEMBERED_TEXT) {
    try {
      masker = maskerFor(obligations, key)
    } catch {
      // Malformed obligations: reported below, where they always were.
    }
    const known = masker && documents.get(text)
    if (known && known.masker === masker) return known.result
  }
  let doc: unknown
  let exact: boolean
  try {
    ;({ doc, exact } = parseJsonText(text))
  } catch (err) {
    throw failed(err instanceof MaskError ? err.message : 'its body is not valid JSON', err)
  }
  try {
    const out = (masker ?? maskerFor(obligations, key)).mask(doc)
    const sent = tabled ? tableIn(doc) : undefined
    const masked = sent && tableIn(out.doc)
    const cells = sent && masked ? finishTable(sent, masked, table!) : 0
    const result = Object.freeze({ text: writeJsonText(out.doc, exact), masked: out.masked + cells })
    if (masker) documents.set(text, { masker, result })
    return result
  } catch (err) {
    throw failed((err as Error).message, err)
  }
}

/**
 * A body that starts as JSON does: masked as a document. Declared as text (text/plain, YAML, XML) and no JSON
 * document (an INI file's `[default]`, a log line's `[INFO]`), it is masked as the text it says it is, as a client
 * reads it; declared as JSON or as nothing known, it is withheld.
 */
export function maskJsonOrText(text: string, type: string, obligations: MaskObligation[], key: Uint8Array, table?: TableForm): { text: string; masked: number } {
  try {
    return maskDocument(text, obligations, key, table)
  } catch (err) {
    if (isJson(type) || !isText(type) || !(err instanceof HttpGatewayError && err.cause instanceof SyntaxError)) throw err
    return maskPlainText(text, obligations, key)
  }
}

export function maskPlainText(text: string, obligations: MaskObligation[], key: Uint8Array): { text: string; masked: number } {
  const rules = compileRules(obligations)
  if (rules.paths.length || rules.columns.length) throw failed('it is not JSON, and its mask obligations name JSON paths or keys')
  if (!rules.detectors.length) return { text, masked: 0 }
  const out = maskDetected(text, rules.detectors, rules.detectorStrategies, key)
  return { text: out.value ?? '', masked: out.masked ? 1 : 0 }
}

// Media types that are never text (SVG and other +xml types are text).
export const BINARY_FAMILIES = /^(image|audio|video|font|model)\//

export function binaryRefused(type: string, obligations: readonly MaskObligation[]): HttpGatewayError {
  const rules = [...new Set(obligations.map((o) => o.rule).filter(Boolean))].join(', ') || 'the policy'
  return failed(`its body is binary (${type || 'no content type'}): mask obligations (from ${rules}) act on JSON and text, and a binary body cannot be scanned. ` +
    'Content-Type never exempts a body (the client can choose it); to allow this download, the policy must decide it without a mask obligation')
}
