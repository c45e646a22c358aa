// A request the normalizer refuses outright (normalize/index.ts `refusal`: a Cloud Logging filter longer than the
// API accepts) is denied without evaluating the policy: what it carries is beyond what the upstream accepts, and
// reading it would only cost the socket thread time. The gateway and `warden eval` decide it the same way.
import type { Decision } from './types.ts'

export function refusedDecision(message: string): Decision {
  return { effect: 'deny', reasons: [{ rule: 'warden.request_refused', message: `refused before policy evaluation: ${message}` }], obligations: { mask: [] } }
}
