// Asks the engine about one SQL text and turns the answer into allow or deny, holding the statement for a
// human when the policy says approve. The frontend decides nothing itself: it only enforces the engine's answer.
import type { BoundValues } from '../../engine/approvals/review-text.ts'
import { redactSql } from '../../engine/audit/index.ts'
import type { GatewayEngine, JudgeRequest, Judgement, SessionState } from '../../engine/gateway.ts'
import { type HoldAbort, judgeAndHold, reasonsText } from '../../engine/hold.ts'
import type { SchemaCatalog } from '../../engine/normalize/sql/index.ts'
import type { Decision, Grant } from '../../engine/types.ts'
import { type ErrorFields, PgError, pgErrors } from './errors.ts'

export type Verdict =
  | { allow: true; judgement: Judgement; approvalId?: string }
  | { allow: false; judgement: Judgement; error: PgError; approvalId?: string; deferred?: true }

/** How one judgement is made: the text a reviewer sees, or defer the hold to the caller. */
export interface JudgeOptions {
  /** Shown to the reviewer instead of the text: the statement with its bound values. */
  reviewText?: string
  /** The values bound to the text's `$n` parameters: judged with the text, so a grant covers these values only. */
  bound?: BoundValues
  /**
   * Return an approve as a refusal marked `deferred` instead of holding now: the extended protocol holds
   * at Bind, where the values are known. Anything that does not look at `deferred` refuses it.
   */
  defer?: boolean
}

export type { HoldAbort }

export interface JudgeContext {
  engine: GatewayEngine
  session: SessionState
  prepared: ReadonlyMap<string, string>
  /** The target's catalog as cached (stars, views): lineage of result columns. */
  catalog?: SchemaCatalog
  /** The server's PostgreSQL major version: syntax newer than it is refused by the engine. */
  serverVersion: number
  holdMs: number
  approvalHint?: (approvalId: string) => string
  /** Sends a NoticeResponse to the client right away. */
  notice(fields: ErrorFields): void
  /** Starts a hold; the signal is aborted (with a HoldAbort reason) to stop waiting for a reviewer. */
  startHold(): AbortSignal
}

const rulesText = (d: Decision) => [...new Set(d.reasons.map((r) => r.rule))].join(', ')

function denial(d: Decision): PgError {
  const rules = rulesText(d)
  return pgErrors.denied(reasonsText(d), rules ? `Refused by policy rule ${rules}. Ask a Warden administrator if you need this.` : undefined)
}

const approveCommand = (ctx: JudgeContext, id: string) => ctx.approvalHint?.(id) ?? `npx warden approvals approve ${id}`

const sqlRequest = (ctx: JudgeContext, text: string, bound?: BoundValues): JudgeRequest =>
  ({ kind: 'sql', session: ctx.session, text, prepared: ctx.prepared, catalog: ctx.catalog, serverVersion: ctx.serverVersion, ...(bound ? { bound } : {}) })

/** Holds through the engine's one judge-and-hold path, and says the outcome the PostgreSQL way. */
async function hold(text: string, first: Judgement, ctx: JudgeContext, reviewText: string, bound?: BoundValues): Promise<Verdict> {
  const outcome = await judgeAndHold(ctx.engine, sqlRequest(ctx, text, bound), {
    judgement: first,
    holdMs: ctx.holdMs,
    summary: redactSql(text),
    reviewText,
    signal: ctx.startHold(),
    onHeld: (request) => {
      const approvers = first.decision.obligations.approval?.approvers ?? []
      ctx.notice({
        severity: 'NOTICE',
        code: '00000',
        message: `warden: held for approval ${request.id}; approve with: ${approveCommand(ctx, request.id)}`,
        detail: `Why: ${reasonsText(first.decision)}. Waiting up to ${Math.round(ctx.holdMs / 1000)} s.`,
        ...(approvers.length ? { hint: `Approvers: members of ${approvers.join(', ')}.` } : {}),
      })
    },
  })
  if (outcome.allow) return outcome
  if (outcome.why === 'unavailable') {
    const error = pgErrors.denied(`could not hold the statement for approval${outcome.approvalId ? ` ${outcome.approvalId}` : ''}: ${outcome.message}`)
    return { allow: false, judgement: outcome.judgement, error, approvalId: outcome.approvalId }
  }
  const id = outcome.approvalId!
  switch (outcome.why) {
    case 'cancel':
    case 'disconnect':
      return { allow: false, judgement: outcome.judgement, error: pgErrors.queryCanceled(), approvalId: id }
    case 'still_denied':
      return {
        allow: false,
        judgement: outcome.judgement,
        approvalId: id,
        error: pgErrors.denied(`approval ${id} was granted but the statement is still not allowed: ${reasonsText(outcome.judgement.decision)}`),
      }
    case 'rejected': {
      const by = outcome.approval?.decided_by ? ` by ${outcome.approval.decided_by}` : ''
      const note = outcome.approval?.note ? ` (${outcome.approval.note})` : ''
      const error = pgErrors.denied(`approval ${id} was rejected${by}${note}`, `To try again, run the statement again and ask an approver to run: ${approveCommand(ctx, id)}`)
      return { allow: false, judgement: outcome.judgement, error, approvalId: id }
    }
    default: {
      const error = pgErrors.denied(
        `approval ${id} expired after ${Math.round(ctx.holdMs / 1000)} s without a decision`,
        'It can no longer be approved. Run the statement again: it is held as a new request (its notice names it), for an approver to approve while it waits.',
      )
      return { allow: false, judgement: outcome.judgement, error, approvalId: id }
    }
  }
}

/**
 * Judges one SQL text (the engine never throws: any failure is a deny), or enforces `made`, the engine's judgement
 * of this same request just now; holds it when approval is required.
 */
export async function judgeSql(text: string, ctx: JudgeContext, opts: JudgeOptions = {}, made?: Judgement): Promise<Verdict> {
  const judgement = made ?? ctx.engine.judge(sqlRequest(ctx, text, opts.bound))
  switch (judgement.decision.effect) {
    case 'allow':
      return { allow: true, judgement }
    case 'approve':
      if (opts.defer) return { allow: false, judgement, deferred: true, error: pgErrors.denied(`the statement needs approval: ${reasonsText(judgement.decision)}`) }
      return hold(text, judgement, ctx, opts.reviewText ?? text, opts.bound)
    default:
      return { allow: false, judgement, error: denial(judgement.decision) }
  }
}

/**
 * When an allow stops holding because a grant it depended on expires (ms since the epoch), or undefined
 * when it depended on none. The policy library (policies/warden/grants.rego) decides which grants cover a
 * command and names each in a `warden.grant` reason ("… (grant <id>, scope …)"); those grants count. An
 * allow that cites grants none of which can be found depends on all of them, and on none left: now.
 */
export function grantDeadline(j: Judgement): number | undefined {
  const used = grantsUsed(j)
  if (!used) return undefined
  return used.length ? Math.min(...used.map((g) => Math.floor(g.expires_at_ns / 1e6))) : Date.now()
}

/** The grants an allow depended on (see grantDeadline); undefined when it depended on none. */
function grantsUsed(j: Judgement): Grant[] | undefined {
  if (j.decision.effect !== 'allow') return undefined
  const cited = j.decision.reasons.filter((r) => r.rule === 'warden.grant')
  if (!cited.length) return undefined
  const grants = j.input.session?.grants ?? []
  const named = grants.filter((g) => cited.some((r) => r.message.includes(`(grant ${g.id},`)))
  return named.length ? named : grants
}

/**
 * Whether every grant an allow depended on is still in force (`inForce`: the holder's grants now). A revoked
 * grant ends at once: a statement prepared under it is judged again, as at its expiry.
 */
export function grantsStillHeld(j: Judgement, inForce: () => readonly Grant[]): boolean {
  const used = grantsUsed(j)
  if (!used) return true
  const ids = new Set(inForce().map((g) => g.id))
  return used.length > 0 && used.every((g) => ids.has(g.id))
}
