// Session-level advisory locks (pg_advisory_lock and its shared and try forms) outlive the transaction that took
// them: the server answers ReadyForQuery idle while the session still holds them, so neither the idle limit nor
// the transaction limit saw them, and one approved call held the lock (a migration tool's, a job queue's) for as
// long as the agent kept the session. The time limits count a session holding them as a transaction open since
// the first one was taken (time-limits.ts), until pg_advisory_unlock_all() or DISCARD ALL releases them all.
// pg_advisory_unlock releases one hold of one key: the gateway cannot count holds (a call per row of a query),
// so only releasing them all counts.
import type { SqlStatement } from '../../engine/types.ts'
import type { StatementRun } from './pending.ts'

const TAKE = new Set(['pg_advisory_lock', 'pg_advisory_lock_shared', 'pg_try_advisory_lock', 'pg_try_advisory_lock_shared'])

const builtin = (schema: string | null) => schema === null || schema.toLowerCase() === 'pg_catalog'

function calls(statements: readonly SqlStatement[], names: ReadonlySet<string> | string): boolean {
  return statements.some((s) => s.functions.some((f) => builtin(f.schema) && (typeof names === 'string' ? f.name.toLowerCase() === names : names.has(f.name.toLowerCase()))))
}

export class SessionLocks {
  /** The session may hold a session-level advisory lock. */
  held = false

  /**
   * A statement of `run` completed on the server. Any statement of its text counts (an Execute of a prepared
   * statement, or one statement of several): taking wins over releasing, so a text that does both still holds.
   */
  completed(run: StatementRun): void {
    const statements = run.verdict.judgement.input.command.sql?.statements ?? []
    if (calls(statements, TAKE)) this.held = true
    else if (calls(statements, 'pg_advisory_unlock_all') || statements.some((s) => s.type === 'discard' && s.detail.target === 'all')) this.held = false
  }
}
