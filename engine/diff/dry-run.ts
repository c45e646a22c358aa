// The dry-run rollout: a second policy judges every request beside the enforced one. Its decision is recorded
// in the audit event (`dry_run`) with the flips against the enforced decision, and never applied. Judging it
// is deferred to the first read of the record, which the frontends do when they write the audit event, after
// the enforced decision has been acted on. Nothing here throws: a failure is recorded as `error`.
import { policyErrorDecision } from '../decide/decider.ts'
import type { Decider } from '../decide/index.ts'
import type { ApprovalObligation, Decision, Effect, MaskObligation, Reason } from '../types.ts'
import { compareDecisions, type Flip } from './compare.ts'

export interface DryRunRecord {
  /** The dry-run policy's decision; absent when it could not be judged at all (see error). */
  decision?: Effect
  reasons?: Reason[]
  mask?: MaskObligation[]
  approval?: ApprovalObligation
  /** The dry-run policy failed: not loaded, or a policy error on this input (then decision is the deny it would enforce). */
  error?: string
  /** How the dry-run decision differs from the enforced one; empty when they agree. */
  flips: Flip[]
}

/** The dry-run policy as the gateway holds it: prepared, or the reason it could not be. */
export type DryRunPolicy = { decider: Decider; error?: undefined } | { decider?: undefined; error: string }

const POLICY_ERROR = 'warden.policy_error'

export function dryRunRecord(enforced: Decision, dryRun: Decision): DryRunRecord {
  const failed = dryRun.reasons.find((r) => r.rule === POLICY_ERROR)
  return {
    decision: dryRun.effect,
    reasons: dryRun.reasons,
    mask: dryRun.obligations.mask,
    ...(dryRun.obligations.approval ? { approval: dryRun.obligations.approval } : {}),
    ...(failed ? { error: failed.message } : {}),
    flips: compareDecisions(enforced, dryRun),
  }
}

/**
 * A function that judges the dry-run policy on its first call and returns the same record afterwards.
 * `decide` judges the input the enforced policy saw (or returns the engine's own refusal of it).
 */
export function deferDryRun(enforced: Decision, policy: DryRunPolicy, decide: (decider: Decider) => Decision): () => DryRunRecord {
  let record: DryRunRecord | undefined
  return () => {
    if (record) return record
    if (!policy.decider) return (record = { error: policy.error, flips: [] })
    try {
      record = dryRunRecord(enforced, decide(policy.decider))
    } catch (err) {
      // decide() never throws by contract; a bug here must still never fail the request.
      const message = err instanceof Error ? err.message : String(err)
      record = dryRunRecord(enforced, policyErrorDecision(`dry-run: ${message}`))
    }
    return record
  }
}
