// The one error result masking throws: the caller ends the statement with it instead of sending a value.
import { CodedError } from '../../engine/errors.ts'

export class MaskingError extends CodedError<'pg.masking_failed'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('pg.masking_failed', message, options)
  }
}

export const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err))
