// Masks a JSON document (an HTTP body): a node matched by a path rule, or an object key matched by a
// column rule, is masked whole (every scalar leaf under it; `null` replaces the node); detectors then
// scan the remaining string leaves (with their key, for a detector that knows a secret by its name: every
// scalar under a secret name such as DB_PASSWORD, at any depth, is masked whole, strings and numbers as the
// strategy writes them, booleans as null; a base64 string whose text holds what a detector finds is masked
// whole; a string that is itself a JSON document is masked as one), long numbers and every object key. The
// input is never modified.
// jsonMasker compiles the obligations once for many documents (an HTTP gateway masks every response of a
// decision alike) and can remember what the detectors made of a string: detection is a pure function of the
// text, the detectors and their strategies (fixed per masker) and the key (fixed per masker), and documents
// repeat their strings (kinds, names, namespaces, states).
import { KeyedLru } from '../../keyed-lru.ts'
import type { MaskObligation, MaskStrategy } from '../../types.ts'
import { failClosed, MaskError } from '../errors.ts'
import { base64Text } from './base64-text.ts'
import { columnStrategies, NOWHERE, pathTrie, type PathState, step, strategyAt } from './path-match.ts'
import { compileRules, type MaskRules } from './rules.ts'
import { maskSpan, maskWhole, REDACTED, strongest } from './strategy.ts'
import { DETECTORS } from './detectors/index.ts'
import { isExactNumber, parseJsonText, writeJsonText } from './json-numbers.ts'
import { maskDetected, type SpanMaskResult } from './text-spans.ts'

const MAX_DEPTH = 512
const NOWHERE_STRATEGIES: readonly MaskStrategy[] = Object.freeze([])
/** Strings remembered per masker, and the longest one remembered. */
const MEMO_ENTRIES = 2048
const MEMO_MAX_LENGTH = 256

interface Walk {
  rules: MaskRules
  key: Uint8Array
  masked: number
  stack: Set<object>
  /** Some rule masks by path or key: each node is matched against them (path-match.ts). */
  whole: boolean
  /** The strategies of the column rules an object key matches. */
  columnsOf(key: string): readonly MaskStrategy[]
  detect(text: string): SpanMaskResult
  /** The same, for object keys (few and repeated: remembered apart, without the LRU's upkeep). */
  detectKey(text: string): SpanMaskResult
  /** A string value read with its key, for detectors that know a secret by the name it is assigned to. */
  detectAssigned(key: string, value: string): SpanMaskResult | undefined
  /** Whether a detector masks whatever is assigned to this name (DB_PASSWORD). */
  secretName(name: string): boolean
  /** A base64 string masked whole when the text it encodes holds what a detector finds. */
  detectEncoded(value: string): SpanMaskResult | undefined
}

// A variable written as a pair, `{name: DB_PASSWORD, value: …}` (ECS, CodeBuild, Kubernetes env; CloudFormation
// parameters; tags): its value is read as assigned to its name.
const PAIR_NAMES = ['name', 'Name', 'key', 'Key', 'ParameterKey', 'OptionName']
export const PAIR_VALUES: ReadonlySet<string> = new Set(['value', 'Value', 'ParameterValue'])

// DynamoDB's typed values: `{"api_key": {"S": "…"}}` holds the string one level down.
const TYPED_SCALARS = new Set(['S', 'N', 'B'])

/** The name a child is read under: its key, the pair's name for a pair's value, or the name a typed value has. */
function childName(walk: Walk, name: string | undefined, pair: string | undefined, key: string, node: object): string | undefined {
  if (pair !== undefined && PAIR_VALUES.has(key)) return pair
  if (name !== undefined && TYPED_SCALARS.has(key) && Object.keys(node).length === 1 && walk.secretName(name)) return name
  return key
}

/** The secret name a `{name, value}` pair assigns its value to, if it is one. */
function pairName(walk: Walk, node: object): string | undefined {
  if (Array.isArray(node)) return undefined
  for (const field of PAIR_NAMES) {
    const name = (node as Record<string, unknown>)[field]
    if (typeof name === 'string' && Object.hasOwn(node, field) && walk.secretName(name)) return name
  }
  return undefined
}

// A Kubernetes Table (`Accept: …;as=Table;…`): each row's cells are its columns' values by position, away from the
// keys that name them in the object (a custom resource's printer column on .spec.password). Cell i is read as
// assigned to column i's name. A watch of tables sends the columns with its first event only: later events' cells
// have no names here.
type TableAt = { columns: readonly (string | undefined)[]; at: 'rows' | 'row' | 'cells' }

function tableColumns(walk: Walk, node: object): TableAt | undefined {
  if (Array.isArray(node)) return undefined
  const { columnDefinitions: defs, rows } = node as Record<string, unknown>
  if (!Array.isArray(defs) || !Array.isArray(rows)) return undefined
  const columns = defs.map((d) => {
    const name = d !== null && typeof d === 'object' ? (d as Record<string, unknown>).name : undefined
    return typeof name === 'string' && walk.secretName(name) ? name : undefined
  })
  return columns.some((c) => c !== undefined) ? { columns, at: 'rows' } : undefined
}

/** Where a child of a table's part sits: its rows, a row, a row's cells (none past them). */
function tableChild(table: TableAt | undefined, key: string, isKey: boolean): TableAt | undefined {
  if (table === undefined) return undefined
  if (table.at === 'rows') return isKey ? undefined : { ...table, at: 'row' }
  if (table.at === 'row') return isKey && key === 'cells' ? { ...table, at: 'cells' } : undefined
  return undefined
}

// Objects a secret name holds that are references to a secret, not its value: Kubernetes volume sources and
// projections (`"secret": {"secretName": "db", "defaultMode": 420}`, `"serviceAccountToken": {"path": "token",
// "expirationSeconds": 3607}`, in every pod), by their key and their fields. Their members are read under their own
// names, as before: held as secret, the masked numbers broke every typed client (kubectl describe pod failed to
// decode a string, and crashed on a null).
const REFERENCES: Readonly<Record<string, readonly ReadonlySet<string>[]>> = {
  secret: [new Set(['secretName', 'items', 'defaultMode', 'optional']), new Set(['name', 'items', 'optional'])],
  serviceAccountToken: [new Set(['audience', 'expirationSeconds', 'path'])],
}

/** Whether an object under `name` has only the fields of a reference, its path or name among them. */
function isReference(name: string, node: object): boolean {
  if (Array.isArray(node) || !Object.hasOwn(REFERENCES, name)) return false
  const keys = Object.keys(node)
  if (!keys.some((k) => k === 'secretName' || k === 'name' || k === 'path')) return false
  return REFERENCES[name]!.some((fields) => keys.every((k) => fields.has(k)))
}

/** A number: as JavaScript reads it, or as its text where that would change it (json-numbers.ts). */
function isNumber(node: unknown): boolean {
  return typeof node === 'number' || typeof node === 'bigint' || isExactNumber(node)
}

function isScalar(node: unknown): boolean {
  return typeof node === 'string' || typeof node === 'boolean' || isNumber(node)
}

/**
 * The masked copy of an object or array, `map` giving each child's. Loops rather than closures per node and
 * Object.fromEntries: the walk's own overhead was most of the cost of masking a small document.
 */
function children(walk: Walk, node: object, depth: number, map: (child: unknown, key: string, isKey: boolean) => unknown): unknown {
  if (walk.stack.has(node)) throw new MaskError('the document contains a cycle; it cannot be masked')
  if (depth > MAX_DEPTH) throw new MaskError(`the document is nested deeper than ${MAX_DEPTH} levels`)
  walk.stack.add(node)
  try {
    if (Array.isArray(node)) return node.map((child, i) => map(child, String(i), false))
    const entries = Object.entries(node)
    const out: Record<string, unknown> = {}
    for (let i = 0; i < entries.length; i++) {
      const [k, child] = entries[i]!
      const masked = map(child, k, true)
      const name = walk.rules.detectors.length ? maskedKey(walk, k, out) : k
      if (name === null) continue
      // Defined, not assigned, so a `__proto__` key stays an own property, never a prototype (as fromEntries does).
      if (name === '__proto__') Object.defineProperty(out, name, { value: masked, writable: true, enumerable: true, configurable: true })
      else out[name] = masked
    }
    return out
  } finally {
    walk.stack.delete(node)
  }
}

/**
 * An object key as the detectors leave it (a map keyed by email or by access key holds the value in its keys);
 * null when the `null` strategy blanks it (the entry is dropped). Two keys masked alike are kept apart (` #2`),
 * not merged. Rules that match keys (paths, columns) see the key as sent.
 */
function maskedKey(walk: Walk, key: string, out: Record<string, unknown>): string | null {
  const result = walk.detectKey(key)
  if (!result.masked) return key
  walk.masked++
  if (result.value === null) return null
  let name = result.value
  for (let n = 2; Object.hasOwn(out, name); n++) name = `${result.value} #${n}`
  return name
}

function maskWholeNode(walk: Walk, node: unknown, strategy: MaskStrategy, depth: number): unknown {
  if (strategy === 'null') {
    walk.masked++
    return null
  }
  if (typeof node === 'boolean') {
    // Kept to the form every boolean gets: a partial of `false` (`*alse`) or a hash of either told which it was.
    walk.masked++
    return strategy === 'partial' ? '****' : REDACTED
  }
  if (isScalar(node)) {
    walk.masked++
    return maskWhole(String(node), strategy, walk.key)
  }
  if (node !== null && typeof node === 'object') return children(walk, node, depth, (child) => maskWholeNode(walk, child, strategy, depth + 1))
  return node
}

/**
 * `state`: where the node's path leaves the path rules; `key`: the node's own key or index (undefined for the
 * document itself, which no rule masks whole).
 */
function visit(walk: Walk, node: unknown, state: PathState, key: string | undefined, isKey: boolean, depth: number, name?: string, table?: TableAt): unknown {
  const strategy = walk.whole && key !== undefined ? strategyAt(state, key, isKey, walk.columnsOf) : undefined
  if (strategy) return maskWholeNode(walk, node, strategy, depth)
  if (node !== null && typeof node === 'object' && !isExactNumber(node)) {
    const pair = walk.rules.detectors.length ? pairName(walk, node) : undefined
    const own = walk.rules.detectors.length ? tableColumns(walk, node) : undefined
    // Whatever a secret name holds is read under it, at any depth: an array's items (`"password": ["…", 1234]`),
    // an object's members (`"password": {"value": "…"}`, `"token": [{"v": 123}]`).
    const secret = name !== undefined && walk.rules.detectors.length > 0 && walk.secretName(name) && !isReference(name, node) ? name : undefined
    return children(walk, node, depth, (child, childKey, childIsKey) => {
      const cell = table?.at === 'cells' && !childIsKey ? table.columns[Number(childKey)] : undefined
      const under = secret ?? (childIsKey ? childName(walk, name, pair, childKey, node) : cell)
      const inTable = own && childIsKey && childKey === 'rows' ? own : tableChild(table, childKey, childIsKey)
      return visit(walk, child, state.length ? step(state, childKey) : NOWHERE, childKey, childIsKey, depth + 1, under, inTable)
    })
  }
  if (walk.rules.detectors.length === 0) return node
  // A boolean under a secret name becomes null, whatever the strategy: `[secret]`, a partial or a hash of one of
  // two values would still tell which it was, and null reads as unset to a typed client (Go leaves a bool false, a
  // *bool nil), where a string would not decode. Kubernetes sends one in some pods (automountServiceAccountToken).
  // A null under a secret name stays null: it holds no value, and a mask in its place would claim one.
  if (typeof node === 'boolean') {
    if (name === undefined || !walk.secretName(name)) return node
    walk.masked++
    return null
  }
  const number = isNumber(node)
  if (typeof node === 'string' || number) {
    // Read with its name first: a value secret by its name (DB_PASSWORD) is masked whole, not only where it
    // holds something a detector finds alone (an email in the password left the rest of it readable). A number
    // too (`"db_password": 12345678`), with the string a string gets (`[secret]`): a number left in place would be readable,
    // and an invented one would pass for the real value.
    // Then as a JSON document, when it is one (`"{\"password\": …}"` in a log message or a tool result): read
    // as text, a secret under an escaped key (`pass\u0077ord`), in an array or an object under its name passed.
    // Then as the text it encodes, when it is base64 of text: a partial mask of the encoding would hide nothing.
    const text = String(node)
    const assigned = name !== undefined ? walk.detectAssigned(name, text) : undefined
    // Short numbers hold nothing the detectors find (counts, ports, sizes).
    if (number && !assigned?.masked && text.length < 7) return node
    if (!assigned?.masked && typeof node === 'string') {
      const inner = embedded(walk, node, depth)
      if (inner !== undefined) return inner
    }
    const encoded = !assigned?.masked && typeof node === 'string' ? walk.detectEncoded(node) : undefined
    let result = assigned?.masked ? assigned : encoded ?? walk.detect(text)
    // A number kept as its text (json-numbers.ts) is read as JavaScript writes it too, as it was before it was
    // kept: a card number sent as 4242424242424242.0 was found as 4242424242424242.
    if (!result.masked && isExactNumber(node)) result = walk.detect(String(Number(node.value)))
    if (!result.masked) return node
    walk.masked++
    return result.value
  }
  return node
}

// A string that may be a JSON document: an object or an array, or a string holding one (JSON encoded twice).
const EMBEDDED = /^[ \t\r\n]*[[{"]/
const CLOSER: Readonly<Record<string, string>> = { '[': ']', '{': '}', '"': '"' }

/**
 * Whether the string's last character, blanks aside, closes what its first opens: a log line such as `[INFO] …`
 * is not parsed. A parse that throws cost ~6 µs: 50,000 such entries (a page of cloud logs) 300 ms against 30.
 */
function closesAsOpened(text: string): boolean {
  const first = text.trimStart()[0]!
  return text.trimEnd().endsWith(CLOSER[first]!)
}

/**
 * A string that is a JSON document, masked as one and written back (its numbers as they were written); undefined
 * when it is no JSON document or nothing in it was masked (the string is then read as text). Paths do not reach
 * into it (they name the positions of the outer document); keys, names and detectors do.
 */
function embedded(walk: Walk, text: string, depth: number): string | undefined {
  if (text.length < 2 || !EMBEDDED.test(text) || !closesAsOpened(text)) return undefined
  let parsed: { doc: unknown; exact: boolean }
  try {
    parsed = parseJsonText(text)
  } catch {
    return undefined
  }
  if (parsed.doc === null || typeof parsed.doc !== 'object' && typeof parsed.doc !== 'string') return undefined
  const before = walk.masked
  let out: unknown
  try {
    out = visit(walk, parsed.doc, NOWHERE, undefined, false, depth + 1)
  } catch (err) {
    // Nested too deeply to walk: the string is read as text, as any string is.
    if (!(err instanceof MaskError)) throw err
    walk.masked = before
    return undefined
  }
  if (walk.masked === before) return undefined
  return writeJsonText(out, parsed.exact)
}

export interface JsonMasker {
  /** The document with the obligations applied (a copy), and how many values were masked. */
  mask(doc: unknown): { doc: unknown; masked: number }
}

/**
 * Compiles `obligations` once (a malformed one throws MaskError here). With `memo`, each string up to
 * MEMO_MAX_LENGTH characters is run through the detectors once and its result reused (bounded, least recently
 * used first): the same result maskDetected gives for it.
 */
export function jsonMasker(obligations: readonly MaskObligation[], key: Uint8Array, opts: { memo?: boolean } = {}): JsonMasker {
  const rules = failClosed('mask JSON body', () => compileRules(obligations))
  const { detectors, detectorStrategies } = rules
  const detected = (text: string) => maskDetected(text, detectors, detectorStrategies, key)
  const memo = new KeyedLru<SpanMaskResult>(MEMO_ENTRIES)
  const remembered = (text: string): SpanMaskResult => {
    if (text.length > MEMO_MAX_LENGTH) return detected(text)
    let hit = memo.get(text)
    if (!hit) memo.set(text, (hit = detected(text)))
    return hit
  }
  const detect = opts.memo ? remembered : detected
  // Keys repeat far more than values (every item of a list has the same ones): a plain map, emptied when full.
  // Masking a 200-pod list cost 1.42x the walk that skipped keys when keys went through the LRU, 1.03-1.10x
  // with this map (same run, load average about 4 on 2 cores).
  const keys = new Map<string, SpanMaskResult>()
  const rememberedKey = (text: string): SpanMaskResult => {
    if (text.length > MEMO_MAX_LENGTH) return detected(text)
    let hit = keys.get(text)
    if (!hit) {
      if (keys.size >= MEMO_ENTRIES) keys.clear()
      keys.set(text, (hit = detected(text)))
    }
    return hit
  }
  const detectKey = opts.memo ? rememberedKey : detected
  const assigning = detectors.filter((d) => DETECTORS[d].assignedTo)
  const assignedKeys = new Map<string, boolean>()
  const isAssignment = (name: string) => {
    let known = assignedKeys.get(name)
    if (known === undefined) {
      if (assignedKeys.size >= MEMO_ENTRIES) assignedKeys.clear()
      assignedKeys.set(name, (known = assigning.some((d) => DETECTORS[d].assignedTo!(name))))
    }
    return known
  }
  const wholly = assigning.filter((d) => DETECTORS[d].assignedWhole)
  const detectAssigned = (name: string, value: string): SpanMaskResult | undefined => {
    if (!assigning.length || !isAssignment(name)) return undefined
    const whole = wholly.find((d) => DETECTORS[d].assignedTo!(name))
    if (whole !== undefined && value !== '') {
      const strategy = detectorStrategies[whole] ?? 'redact'
      return { value: strategy === 'null' ? null : maskSpan(value, strategy, 'secret', key), masked: true }
    }
    const prefix = `${name}=`
    const out = maskDetected(prefix + value, assigning, detectorStrategies, key)
    if (!out.masked || out.value === null) return out.masked ? out : undefined
    // The name itself changed too (a detector matched across it): the value is masked whole.
    return { value: out.value.startsWith(prefix) ? out.value.slice(prefix.length) : '[redacted]', masked: true }
  }
  const encodedStrategy = strongest(Object.values(detectorStrategies))
  const detectEncoded = (value: string): SpanMaskResult | undefined => {
    const text = base64Text(value)
    if (text === undefined || !detect(text).masked) return undefined
    return { value: encodedStrategy === 'null' ? null : maskSpan(value, encodedStrategy ?? 'redact', 'base64', key), masked: true }
  }
  const secretName = (name: string) => wholly.length > 0 && isAssignment(name) && wholly.some((d) => DETECTORS[d].assignedTo!(name))
  const whole = rules.paths.length > 0 || rules.columns.length > 0
  const root = pathTrie(rules.paths)
  // Object keys repeat (every item of a list has the same ones): their column strategies are kept, emptied when full.
  const columnsByKey = new Map<string, readonly MaskStrategy[]>()
  const columnsOf = (name: string): readonly MaskStrategy[] => {
    if (!rules.columns.length) return NOWHERE_STRATEGIES
    let known = columnsByKey.get(name)
    if (known === undefined) {
      known = columnStrategies(rules.columns, name)
      if (name.length <= MEMO_MAX_LENGTH) {
        if (columnsByKey.size >= MEMO_ENTRIES) columnsByKey.clear()
        columnsByKey.set(name, known)
      }
    }
    return known
  }
  return {
    mask: (doc) => failClosed('mask JSON body', () => {
      const walk: Walk = { rules, key, masked: 0, stack: new Set(), whole, columnsOf, detect, detectKey, detectAssigned, secretName, detectEncoded }
      const out = visit(walk, doc, root, undefined, false, 0)
      return { doc: out, masked: walk.masked }
    }),
  }
}

export function maskJson(doc: unknown, obligations: MaskObligation[], key: Uint8Array): { doc: unknown; masked: number } {
  return jsonMasker(obligations, key).mask(doc)
}
