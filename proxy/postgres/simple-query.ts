// Simple Query ('Q') and the legacy FunctionCall ('F'). The whole query string is judged at once (the engine
// judges every statement in it; the strictest wins). A refusal goes upstream as a poison so the server's
// transaction state stays what the client sees.
// @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-SIMPLE-QUERY
import type { JudgedAhead } from './catalog-judge.ts'
import { pgErrors } from './errors.ts'
import type { FunctionCall } from './messages/function-call.ts'
import { poisonQuery } from './poison.ts'
import type { Verdict } from './judge.ts'
import type { QueryLoop } from './query-loop.ts'

/** Answers a refused query string with the refusal, through a poison so the transaction state stays in step. */
export function refuseQuery(loop: QueryLoop, text: string, verdict: Verdict, via: string): void {
  if (verdict.allow) return
  loop.recordDenied(text, verdict, via)
  const wait = { done: false }
  loop.up.write(poisonQuery())
  loop.relay.push({ kind: 'query', replace: verdict.error, wait, boundary: loop.statements.boundary() })
  loop.barrier = { wait }
}

/**
 * Why the statements PREPARE and DECLARE in `verdict`'s text would keep would pass the session's limits (session.ts).
 * Each keeps the judgement of the whole text, so the whole text counts.
 */
function keepsTooMany(loop: QueryLoop, text: string, verdict: Verdict): string | undefined {
  const statements: string[] = []
  const portals: string[] = []
  for (const s of verdict.judgement.input.command?.sql?.statements ?? []) {
    const name = typeof s.detail.name === 'string' ? s.detail.name : ''
    if (name === '' || (s.type !== 'prepare' && s.type !== 'declare_cursor')) continue
    ;(s.type === 'prepare' ? statements : portals).push(name)
  }
  return statements.length || portals.length ? loop.statements.overLimit({ statements, portals }, text.length) : undefined
}

/** `ahead`: the judgement of `text` judgeAhead made in this same step, if any. */
export async function simpleQuery(loop: QueryLoop, text: string, raw: Buffer, ahead?: JudgedAhead): Promise<void> {
  // After an extended-protocol error the server ignores everything up to Sync, Query messages included.
  if (loop.skipUntilSync || loop.relay.serverSkipping) return
  const verdict = await loop.judge(text, {}, ahead)
  if (!verdict.allow) return refuseQuery(loop, text, verdict, 'simple')
  const full = keepsTooMany(loop, text, verdict)
  if (full) return refuseQuery(loop, text, loop.protocolDenial(text, 'warden.postgres.too_many_kept', pgErrors.tooManyKept(full)), 'simple')
  const unrecorded = await loop.release(text, verdict, 'simple')
  if (unrecorded) return refuseQuery(loop, text, { allow: false, judgement: verdict.judgement, error: unrecorded }, 'simple')
  const run = loop.newRun(text, verdict, 'simple')
  const wait = { done: false }
  loop.up.write(raw)
  loop.relay.push({ kind: 'query', run, wait, boundary: loop.statements.boundary() })
  // The next statement is judged once the search_path probe behind this one (if any) has answered too.
  const probe = loop.probeBehind()
  loop.barrier = { wait: probe ? { get done() { return wait.done && probe.done } } : wait }
}

/** Fast-path function calls carry an OID and arguments, no SQL: there is nothing for the policy to judge. */
export function functionCall(loop: QueryLoop, m: FunctionCall): void {
  if (loop.skipUntilSync || loop.relay.serverSkipping) return
  const raw = `FunctionCall oid=${m.functionOid}`
  const error = pgErrors.denied(
    `fast-path FunctionCall (function OID ${m.functionOid}) carries no SQL text to judge`,
    'Call the function with a SELECT statement instead.',
  )
  refuseQuery(loop, raw, loop.protocolDenial(raw, 'warden.postgres.function_call', error), 'function')
}
