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

  /**
   * The input schema's issues with `input`, built around `normalized` (its command and risk). `basis` is the
   * template `normalized` was made from (sql-template.ts): it differs only in strings the schema leaves free
   * (raw, digest, a statement's text), so it passes exactly when its template did.
   */
  issues(input: InputDocument, normalized: Normalized, basis: Normalized = normalized): SchemaIssue[] {
    const shared = input.command === normalized.command && input.risk === normalized.risk
    if (shared && this.valid.has(basis)) return context.issues(input)
    const issues = whole.issues(input)
    if (shared && !issues.length && Object.isFrozen(normalized) && Object.isFrozen(normalized.command) && Object.isFrozen(normalized.risk)) {
      this.valid.add(normalized)
    }
    return issues
  }
}
