// Masking fails closed: any failure inside a mask step surfaces as one coded error, so the caller ends the
// statement or response with an error instead of sending the unmasked value.
import { CodedError } from '../errors.ts'

export type MaskErrorCode = 'mask.failed'

export class MaskError extends CodedError<'mask.failed'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('mask.failed', message, options)
  }
}

/** Runs fn; anything it throws becomes a MaskError whose message says which step failed. */
export function failClosed<T>(step: string, fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof MaskError) throw err
    const why = err instanceof Error ? err.message : String(err)
    throw new MaskError(`${step}: ${why}; the value was withheld`, { cause: err })
  }
}
