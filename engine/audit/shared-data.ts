// Redacted copies of the immutable parts of audit events, kept per object. An event repeats objects the engine
// shares between requests (a normalized command's `kubernetes` or `cloud` part from the normalization cache, a
// cached decision's reasons): frozen, so their redaction gives the same answer every time, and redacting them
// again cost a third of an HTTP request's audit record. Only plain data qualifies (sharedData): any object a
// later read could see differently (not frozen, an accessor, a Date, an Error, a prototype other than Object's
// or Array's, a cycle) or that holds a key the caller rejects is redacted afresh every time.
import { deepFreeze } from '../deep-freeze.ts'

const verdicts = new WeakMap<object, boolean>()

function check(value: object, rejectKey: (key: string) => boolean, onPath: Set<object>): boolean {
  const known = verdicts.get(value)
  if (known !== undefined) return known
  // A cycle makes what a walk returns depend on where it entered (redact.ts writes `[Circular]`).
  if (onPath.has(value) || !Object.isFrozen(value)) return false
  const proto = Object.getPrototypeOf(value)
  let ok = Array.isArray(value) ? proto === Array.prototype : proto === Object.prototype || proto === null
  if (ok) {
    onPath.add(value)
    const descriptors = Object.getOwnPropertyDescriptors(value) as Record<PropertyKey, PropertyDescriptor>
    for (const key of Reflect.ownKeys(descriptors)) {
      const d = descriptors[key]!
      if (!('value' in d) || (typeof key === 'string' && rejectKey(key))) ok = false
      else if (typeof d.value === 'object' && d.value !== null) ok = check(d.value as object, rejectKey, onPath)
      if (!ok) break
    }
    onPath.delete(value)
  }
  // Frozen, so the verdict holds for good (a child frozen later only misses a chance to share).
  verdicts.set(value, ok)
  return ok
}

/**
 * Whether `value` and everything it reaches is frozen plain data (objects and arrays, data properties only, no
 * cycle) with no key `rejectKey` refuses. The verdict for a given rejectKey is remembered per object: callers
 * pass one fixed function.
 */
export function sharedData(value: object, rejectKey: (key: string) => boolean): boolean {
  return check(value, rejectKey, new Set())
}

/** Results per shared object and context (the caller's string naming what else the result depends on). */
export class SharedResults {
  private readonly results = new WeakMap<object, Map<string, unknown>>()

  get(value: object, context: string): unknown {
    return this.results.get(value)?.get(context)
  }

  /** Stores `result` frozen (it is handed to every later caller, so no caller may change it) and returns it. */
  set<T>(value: object, context: string, result: T): T {
    let byContext = this.results.get(value)
    if (!byContext) this.results.set(value, (byContext = new Map()))
    byContext.set(context, deepFreeze(result))
    return result
  }
}
