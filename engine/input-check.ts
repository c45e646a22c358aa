// Schema checks of input documents. What the normalizer made from the request (command, risk) is checked once
// per normalized object when that object is shared and immutable (engine/normalize/sql-cache.ts and
// http-cache.ts freeze the ones they keep): checked again it would give the same answer. The rest (identity,
// session with its grants, target) is checked every time. The issues are exactly those of the whole input
// schema: the command and risk of a remembered object had none, and the context schema checks everything else
// as the input schema does.
import type { Normalized } from './normalize/index.ts'
import { type SchemaIssue, validator } from './schema/validate.ts'
import type { InputDocument } from './types.ts'

const whole = validator<InputDocument>('input')
const context = validator<InputDocument>('input-context')

export class InputCheck {
  private readonly valid = new WeakSet<Normalized>()
  /** Frozen identity → frozen session part → frozen targets the context schema passed with them. */
  private readonly validContexts = new WeakMap<object, WeakMap<object, WeakSet<object>>>()

  /**
   * The input schema's issues with `input`, built around `normalized` (its command and risk). `basis` is the
   * template `normalized` was made from (sql-template.ts): it differs only in strings the schema leaves free
   * (raw, digest, a statement's text), so it passes exactly when its template did.
   */
  issues(input: InputDocument, normalized: Normalized, basis: Normalized = normalized): SchemaIssue[] {
    const shared = input.command === normalized.command && input.risk === normalized.risk
    if (shared && this.valid.has(basis)) return this.contextIssues(input)
    const issues = whole.issues(input)
    if (shared && !issues.length && Object.isFrozen(normalized) && Object.isFrozen(normalized.command) && Object.isFrozen(normalized.risk)) {
      this.valid.add(normalized)
    }
    return issues
  }

  /**
   * The context schema's issues. Frozen identity, session and target parts are checked once for the three
   * together, in a root of exactly the five parts: checked again they would give the same answer.
   */
  private contextIssues(input: InputDocument): SchemaIssue[] {
    const { identity, session, target } = input
    const parts = [identity, session, target]
    const frozen = plainRoot(input) && parts.every((p) => typeof p === 'object' && p !== null && Object.isFrozen(p) && deepFrozen(p))
    if (frozen && this.validContexts.get(identity)?.get(session)?.has(target)) return []
    const issues = context.issues(input)
    if (frozen && !issues.length) {
      let bySession = this.validContexts.get(identity)
      if (!bySession) this.validContexts.set(identity, (bySession = new WeakMap()))
      let targets = bySession.get(session)
      if (!targets) bySession.set(session, (targets = new WeakSet()))
      targets.add(target)
    }
    return issues
  }
}

const ROOT = ['identity', 'session', 'target', 'command', 'risk']

/** A root object of exactly the five parts, in order (as buildInput makes it): the root checks then hold. */
function plainRoot(input: object): boolean {
  const keys = Object.keys(input)
  return Object.getPrototypeOf(input) === Object.prototype && keys.length === ROOT.length && keys.every((k, i) => k === ROOT[i])
}

/** Whether everything `value` reaches is frozen (remembered per object: a frozen object's answer never changes). */
const frozenThrough = new WeakMap<object, boolean>()
function deepFrozen(value: object): boolean {
  const known = frozenThrough.get(value)
  if (known !== undefined) return known
  let ok = Object.isFrozen(value)
  if (ok) frozenThrough.set(value, false) // a cycle reached again while checking counts as not frozen
  for (const v of ok ? Object.values(value) : []) {
    if (typeof v === 'object' && v !== null && !deepFrozen(v)) {
      ok = false
      break
    }
  }
  frozenThrough.set(value, ok)
  return ok
}
