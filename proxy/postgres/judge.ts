// Asks the engine about one SQL text and turns the answer into allow or deny, holding the statement for a
// human when the policy says approve. The frontend decides nothing itself: it only enforces the engine's answer.
import type { ApprovalRequest } from '../../engine/approvals/types.ts'
import { redactSql } from '../../engine/audit/index.ts'
import type { GatewayEngine, Judgement, SessionState } from '../../engine/gateway.ts'
import type { Decision } from '../../engine/types.ts'
import { type ErrorFields, PgError, pgErrors } from './errors.ts'
import type { JudgementCache } from './judgement-cache.ts'

export type Verdict =
  | { allow: true; judgement: Judgement; approvalId?: string }
  | { allow: false; judgement: Judgement; error: PgError; approvalId?: string; deferred?: true }

/** How one judgement is made (judgeWith): the text a reviewer sees, or defer the hold to the caller. */
export interface JudgeOptions {
  /** Shown to the reviewer instead of the text: the statement with its bound values. */
  reviewText?: string
  /**
   * Return an approve as a refusal marked `deferred` instead of holding now: the extended protocol holds
   * at Bind, where the values are known. Anything that does not look at `deferred` refuses it.
   */
  defer?: boolean
}

/** Why a hold was aborted: the client sent a CancelRequest, or went away. */
export type HoldAbort = 'cancel' | 'disconnect'

export interface JudgeContext {
  engine: GatewayEngine
  session: SessionState
  prepared: ReadonlyMap<string, string>
  /** Recent allow judgements of this session, reused while provably unchanged. */
  cache?: JudgementCache
  holdMs: number
  approvalHint?: (approvalId: string) => string
  /** Sends a NoticeResponse to the client right away. */
  notice(fields: ErrorFields): void
  /** Starts a hold; the signal is aborted (with a HoldAbort reason) to stop waiting for a reviewer. */
  startHold(): AbortSignal
}

const reasonsText = (d: Decision) => d.reasons.map((r) => r.message).join('; ') || 'no reason given'
const rulesText = (d: Decision) => [...new Set(d.reasons.map((r) => r.rule))].join(', ')

function denial(d: Decision): PgError {
  const rules = rulesText(d)
  return pgErrors.denied(reasonsText(d), rules ? `Refused by policy rule ${rules}. Ask a Warden administrator if you need this.` : undefined)
}

const approveCommand = (ctx: JudgeContext, id: string) => ctx.approvalHint?.(id) ?? `npx warden approvals approve ${id}`

function waitForReviewer(ctx: JudgeContext, id: string): Promise<ApprovalRequest | HoldAbort> {
  const signal = ctx.startHold()
  if (signal.aborted) return Promise.resolve(signal.reason as HoldAbort)
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(signal.reason as HoldAbort)
    signal.addEventListener('abort', onAbort, { once: true })
    ctx.engine.approvals.wait(id, ctx.holdMs, signal).then(
      (r) => {
        signal.removeEventListener('abort', onAbort)
        resolve(r)
      },
      (err) => {
        signal.removeEventListener('abort', onAbort)
        if (signal.aborted) resolve(signal.reason as HoldAbort)
        else reject(err)
      },
    )
  })
}

async function hold(text: string, first: Judgement, ctx: JudgeContext, reviewText: string): Promise<Verdict> {
  const request = ctx.engine.approvals.request(first.input, first.decision, redactSql(text), reviewText)
  const id = request.id
  const approvers = first.decision.obligations.approval?.approvers ?? []
  ctx.notice({
    severity: 'NOTICE',
    code: '00000',
    message: `warden: held for approval ${id}; approve with: ${approveCommand(ctx, id)}`,
    detail: `Why: ${reasonsText(first.decision)}. Waiting up to ${Math.round(ctx.holdMs / 1000)} s.`,
    ...(approvers.length ? { hint: `Approvers: members of ${approvers.join(', ')}.` } : {}),
  })
  const outcome = await waitForReviewer(ctx, id)
  if (outcome === 'cancel' || outcome === 'disconnect') {
    return { allow: false, judgement: first, error: pgErrors.queryCanceled(), approvalId: id }
  }
  if (outcome.status === 'approved') {
    // The grant is now in the session's grants: judge again, and enforce whatever the engine says now.
    const again = ctx.engine.judgeSql({ session: ctx.session, text, prepared: ctx.prepared })
    if (again.decision.effect === 'allow') return { allow: true, judgement: again, approvalId: id }
    return {
      allow: false,
      judgement: again,
      approvalId: id,
      error: pgErrors.denied(`approval ${id} was granted but the statement is still not allowed: ${reasonsText(again.decision)}`),
    }
  }
  const by = outcome.decided_by ? ` by ${outcome.decided_by}` : ''
  const note = outcome.note ? ` (${outcome.note})` : ''
  const error = outcome.status === 'rejected'
    ? pgErrors.denied(`approval ${id} was rejected${by}${note}`, `To try again, run the statement again and ask an approver to run: ${approveCommand(ctx, id)}`)
    : pgErrors.denied(
      `approval ${id} ${outcome.status === 'expired' ? 'expired' : `ended as ${outcome.status}`} after ${Math.round(ctx.holdMs / 1000)} s without a decision`,
      `Run the statement again and ask an approver to run: ${approveCommand(ctx, id)}`,
    )
  return { allow: false, judgement: first, error, approvalId: id }
}

// Options for the next judgement of a session. QueryLoop.judge(text) takes no options, so a frontend step
// sets them here (judgeWith) just before calling it; judgeSql takes them synchronously on entry.
const nextOptions = new WeakMap<SessionState, JudgeOptions>()

/** Judges `text` through the loop's judge (its hold can be cancelled) with these options. */
export function judgeWith(loop: { session: SessionState; judge(text: string): Promise<Verdict> }, text: string, opts: JudgeOptions): Promise<Verdict> {
  nextOptions.set(loop.session, opts)
  try {
    return loop.judge(text)
  } finally {
    nextOptions.delete(loop.session)
  }
}

/** Judges one SQL text (the engine never throws: any failure is a deny); holds it when approval is required. */
export async function judgeSql(text: string, ctx: JudgeContext): Promise<Verdict> {
  const opts = nextOptions.get(ctx.session) ?? {}
  nextOptions.delete(ctx.session)
  let judgement = ctx.cache?.get(text)
  if (!judgement) {
    judgement = ctx.engine.judgeSql({ session: ctx.session, text, prepared: ctx.prepared })
    ctx.cache?.set(text, judgement)
  }
  switch (judgement.decision.effect) {
    case 'allow':
      return { allow: true, judgement }
    case 'approve':
      if (opts.defer) return { allow: false, judgement, deferred: true, error: pgErrors.denied(`the statement needs approval: ${reasonsText(judgement.decision)}`) }
      return hold(text, judgement, ctx, opts.reviewText ?? text)
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
  if (j.decision.effect !== 'allow') return undefined
  const cited = j.decision.reasons.filter((r) => r.rule === 'warden.grant')
  if (!cited.length) return undefined
  const grants = j.input.session?.grants ?? []
  const named = grants.filter((g) => cited.some((r) => r.message.includes(`(grant ${g.id},`)))
  const used = named.length ? named : grants
  return used.length ? Math.min(...used.map((g) => Math.floor(g.expires_at_ns / 1e6))) : Date.now()
}
