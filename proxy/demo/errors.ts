// Errors of the embedded demo databases: a stable code (demo.*) and a message that says what to do.
import { CodedError } from '../../engine/errors.ts'

export class DemoDatabaseError extends CodedError<string> {}
