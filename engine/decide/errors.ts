// Coded errors of the decide layer. Any of them reaching a caller of decide() becomes a deny decision.
import { CodedError } from '../errors.ts'

export type DecideErrorCode =
  | 'policy.bundle_invalid'
  | 'policy.load_failed'
  | 'policy.builtin_unsupported'
  | 'policy.entrypoint_missing'
  | 'policy.eval_failed'
  | 'policy.memory_exhausted'
  | 'policy.result_invalid'

export class DecideError extends CodedError<DecideErrorCode> {}
