// The one judge-and-hold path every protocol frontend uses: judge a request; when the policy says approve, open
// an approval request, tell the client its id at once, wait for a reviewer (or a cancel), and judge again with
// the grant the approval created. The frontend only translates the outcome into its wire format.
import { ApprovalError } from './approvals/errors.ts'
import { withPreparedStatements } from './approvals/prepared-review.ts'
import type { ApprovalRequest } from './approvals/types.ts'
import type { GatewayEngine, JudgeRequest, Judgement } from './gateway.ts'
import type { Decision } from './types.ts'

/** Why a hold ended without a reviewer's decision: the client cancelled, or went away. */
export type HoldAbort = 'cancel' | 'disconnect'

export type HoldOutcome =
  /** Allowed, at once or after an approval (`approvalId`). */
  | { allow: true; judgement: Judgement; approvalId?: string }
  /**
   * Not allowed. `why`: the policy denied; a reviewer rejected; nobody decided in time; the client ended the
   * hold; the approval was granted but the request is still not allowed when judged again; or the approval
   * store could not hold it (full, unreachable, or the gateway is stopping: `message` says which).
   */
  | { allow: false; judgement: Judgement; why: 'denied' | 'rejected' | 'expired' | HoldAbort | 'still_denied'; approvalId?: string; approval?: ApprovalRequest }
  | { allow: false; judgement: Judgement; why: 'unavailable'; message: string; approvalId?: string }

export interface HoldOptions {
  /** Longest wait for a reviewer. */
  holdMs: number
  /** Redacted text of the command, safe for the audit trail and the approvals list. */
  summary: string
  /** What the reviewer sees: the command with the values it will run with (kept out of the audit). */
  reviewText?: string
  /** Called once the request is held, before waiting: the client should see the approval id right away. */
  onHeld(request: ApprovalRequest): void
  /** Aborted (with a HoldAbort reason) to stop waiting. */
  signal?: AbortSignal
  /** A judgement already made for this request (e.g. from a cache); judged here when absent. */
  judgement?: Judgement
  /**
   * The request as it stands once approved, when what it runs against may have changed while it was held (an
   * MCP tool's definition): judged again in place of `request`, so the grant covers it only if it is still
   * what the reviewer saw.
   */
  again?: () => Promise<JudgeRequest>
}

export const reasonsText = (d: Decision) => d.reasons.map((r) => r.message).join('; ') || 'no reason given'

function waitForReviewer(engine: GatewayEngine, id: string, holdMs: number, signal?: AbortSignal): Promise<ApprovalRequest | HoldAbort> {
  if (signal?.aborted) return Promise.resolve(signal.reason as HoldAbort)
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(signal!.reason as HoldAbort)
    signal?.addEventListener('abort', onAbort, { once: true })
    engine.approvals.wait(id, holdMs, signal).then(
      (r) => {
        signal?.removeEventListener('abort', onAbort)
        resolve(r)
      },
      (err) => {
        signal?.removeEventListener('abort', onAbort)
        if (signal?.aborted) resolve(signal.reason as HoldAbort)
        else reject(err)
      },
    )
  })
}

/** Judges `request`, holding it for a reviewer when the policy says approve. Never throws for policy or store reasons. */
export async function judgeAndHold(engine: GatewayEngine, request: JudgeRequest, opts: HoldOptions): Promise<HoldOutcome> {
  const first = opts.judgement ?? engine.judge(request)
  if (first.decision.effect === 'allow') return { allow: true, judgement: first }
  if (first.decision.effect !== 'approve') return { allow: false, judgement: first, why: 'denied' }
  let heldId: string | undefined
  try {
    const reviewText = withPreparedStatements(opts.reviewText ?? opts.summary, first.input.command)
    const held = await engine.approvals.request({ input: first.input, decision: first.decision, summary: opts.summary, reviewText, revision: first.revision })
    heldId = held.id
    opts.onHeld(held)
    const outcome = await waitForReviewer(engine, held.id, opts.holdMs, opts.signal)
    if (outcome === 'cancel' || outcome === 'disconnect') return { allow: false, judgement: first, why: outcome, approvalId: held.id }
    if (outcome.status !== 'approved') {
      return { allow: false, judgement: first, why: outcome.status === 'rejected' ? 'rejected' : 'expired', approvalId: held.id, approval: outcome }
    }
    // The grant is now among the grants the engine sees: judge again, and enforce whatever the engine says now.
    const again = engine.judge(opts.again ? await opts.again() : request)
    if (again.decision.effect === 'allow') return { allow: true, judgement: again, approvalId: held.id }
    return { allow: false, judgement: again, why: 'still_denied', approvalId: held.id, approval: outcome }
  } catch (err) {
    if (!(err instanceof ApprovalError)) throw err
    return { allow: false, judgement: first, why: 'unavailable', message: err.message, ...(heldId ? { approvalId: heldId } : {}) }
  }
}
