// Reuses a decision for an input document that is byte for byte one already decided. The decision is a
// function of the input's JSON text (what the policy reads: the SDK stringifies the input; here that text is
// handed over itself), the loaded policy and data, and the answers of host builtins. So a decision is kept only
// when its evaluation called no host builtin (time.now_ns: the default policy calls it only when a grant
// matches) and did not fail, and it is used only while the same policy is loaded (a swap replaces it). Grants,
// identity, session and the command are all in the text, so a change in any of them is another key.
import { deepFreeze } from '../deep-freeze.ts'
import { frozenJson } from '../json-text.ts'
import type { Decision, InputDocument } from '../types.ts'
import type { Decider } from './decider.ts'

export interface DecisionCacheOptions {
  maxEntries?: number
  /** Bound on the summed length of the input texts kept (they are the keys). */
  maxChars?: number
  /** Longer input texts are decided every time. */
  maxInputLength?: number
}

interface Entry {
  decision: Decision
  policy: object
}

const MAX_ENTRIES = 4096
/** About 8 MB of keys at most (one byte a character for the usual Latin-1 texts, two otherwise). */
const MAX_CHARS = 8 * 1024 * 1024
const MAX_INPUT_LENGTH = 128 * 1024

export interface CachingDecider extends Decider {
  /** True when the decision for this input text is kept (for the policy loaded now). */
  holds(json: string): boolean
  /**
   * Keeps a decision evaluated elsewhere (a decide thread) for this input text, when `policy` is still the one
   * loaded. The caller vouches that it is what decideJson(json) gives and that it was repeatable.
   */
  remember(json: string, decision: Decision, policy: object): void
  readonly hits: number
  readonly misses: number
  readonly size: number
}

const PARTS = ['identity', 'session', 'target', 'command', 'risk'] as const

/**
 * JSON.stringify(input), byte for byte, with the text of a frozen command and risk computed once: an object's
 * JSON is its keys' JSON in order, so when the document has exactly the five parts, in order, all objects
 * without toJSON, the text is the parts' texts joined. Anything else is stringified whole. Measured: the
 * command is most of the document, and its stringify most of the cost of a cache hit.
 */
export function inputJson(input: InputDocument): string {
  const doc = input as unknown as Record<string, unknown>
  const keys = Object.keys(doc)
  if (keys.length !== PARTS.length || keys.some((k, i) => k !== PARTS[i])) return JSON.stringify(input)
  const texts: string[] = []
  let frozen = true
  for (const key of PARTS) {
    const value = doc[key]
    if (typeof value !== 'object' || value === null || typeof (value as { toJSON?: unknown }).toJSON === 'function') return JSON.stringify(input)
    if (!Object.isFrozen(value)) frozen = false
  }
  // Five frozen parts stringify the same every time (as each part alone does, frozenJson): their joined text is
  // kept for the five together. The same string object every time also keeps its hash, so the decision cache's
  // lookups by it neither copy a joined text flat nor hash its kilobytes again.
  const parts = PARTS.map((k) => doc[k] as object)
  const known = frozen ? joinedTexts.get(parts) : undefined
  if (known !== undefined) return known
  for (const value of parts) texts.push(Object.isFrozen(value) ? frozenJson(value) : JSON.stringify(value))
  const text = `{"identity":${texts[0]},"session":${texts[1]},"target":${texts[2]},"command":${texts[3]},"risk":${texts[4]}}`
  if (frozen) joinedTexts.set(parts, text)
  return text
}

/** Texts by a tuple of objects, held weakly: an entry goes when any of its objects does. */
class TupleMemo {
  private readonly root = new WeakMap<object, unknown>()

  get(keys: readonly object[]): string | undefined {
    let level: unknown = this.root
    for (const key of keys) {
      level = (level as WeakMap<object, unknown>).get(key)
      if (level === undefined) return undefined
    }
    return level as string
  }

  set(keys: readonly object[], value: string): void {
    let level = this.root
    for (let i = 0; i < keys.length - 1; i++) {
      let next = level.get(keys[i]!) as WeakMap<object, unknown> | undefined
      if (next === undefined) level.set(keys[i]!, (next = new WeakMap()))
      level = next
    }
    level.set(keys[keys.length - 1]!, value)
  }
}

const joinedTexts = new TupleMemo()

/** A decider that answers repeated inputs from memory; a decider without decideJson is used as it is. */
export function withDecisionCache(decider: Decider, opts: DecisionCacheOptions = {}): CachingDecider {
  const maxEntries = opts.maxEntries ?? MAX_ENTRIES
  const maxInputLength = opts.maxInputLength ?? MAX_INPUT_LENGTH
  const maxChars = opts.maxChars ?? MAX_CHARS
  const entries = new Map<string, Entry>()
  let chars = 0
  const evict = (key: string) => {
    entries.delete(key)
    chars -= key.length
  }
  let hits = 0
  let misses = 0

  function decide(input: InputDocument): Decision {
    if (!decider.decideJson) return decider.decide(input)
    let json: string
    try {
      json = inputJson(input)
    } catch {
      // Not JSON (a cycle, a BigInt): the decider reports it exactly as it always has.
      return decider.decide(input)
    }
    if (json.length > maxInputLength) return decider.decideJson(json).decision
    const entry = entries.get(json)
    if (entry) {
      if (entry.policy === decider.policy) {
        hits++
        // Most recently used last: eviction takes the Map's first entry.
        entries.delete(json)
        entries.set(json, entry)
        return entry.decision
      }
      evict(json)
    }
    misses++
    const { decision, repeatable, policy } = decider.decideJson(json)
    if (repeatable) keep(json, decision, policy)
    return decision
  }

  function keep(json: string, decision: Decision, policy: object): void {
    if (entries.has(json)) evict(json)
    while (entries.size && (entries.size >= maxEntries || chars + json.length > maxChars)) evict(entries.keys().next().value!)
    entries.set(json, { decision: deepFreeze(decision), policy })
    chars += json.length
  }

  return {
    decide,
    holds: (json) => entries.get(json)?.policy === decider.policy,
    remember(json, decision, policy) {
      if (json.length <= maxInputLength && decider.decideJson && policy === decider.policy) keep(json, decision, policy)
    },
    decideJson: decider.decideJson && ((json) => decider.decideJson!(json)),
    swap: async (bundle) => {
      await decider.swap(bundle)
      entries.clear()
      chars = 0
    },
    get revision() {
      return decider.revision
    },
    get policy() {
      return decider.policy
    },
    get recipe() {
      return decider.recipe
    },
    get hits() {
      return hits
    },
    get misses() {
      return misses
    },
    get size() {
      return entries.size
    },
  }
}
