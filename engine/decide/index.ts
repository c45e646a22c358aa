export { readBundle, type PolicyBundle } from './bundle.ts'
export { type Clock, systemClock } from './builtins.ts'
export { type Decider, type DeciderOptions, decisionEntrypoint, policyErrorDecision, type PreparedDecider, prepareDecider } from './decider.ts'
export { DecideError, type DecideErrorCode } from './errors.ts'
