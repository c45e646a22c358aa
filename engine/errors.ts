// The shape every Warden error shares: a stable code, a message saying what was wrong and how to fix it,
// and the cause it wraps. Subclasses name the error and narrow the code.

export class CodedError<C extends string = string> extends Error {
  readonly code: C
  constructor(code: C, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}
