// The settings the server reports in ParameterStatus (application_name, TimeZone, session_authorization …) are
// session state the client reads back (ParameterStatus, SHOW, current_setting, pg_stat_activity) unmasked. A function
// or trigger the policy could not see into can put any value into one (`set_config('application_name', <a password>,
// false)`), so a value of free text is let through only with a known origin: one the client was told before (at
// startup, or since: RESET, ROLLBACK and a function's SET clause return to such a value), or one set by a SET or RESET
// of that setting judged since the last ReadyForQuery (the server reports changes just before it).
// @see https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-ASYNC
import type { StatementRun } from './pending.ts'

/**
 * Reported settings whose values are fixed by the server, or one of a few words or a number (booleans, DateStyle,
 * IntervalStyle): no room for a value. client_encoding and standard_conforming_strings are pinned (pinned-settings.ts).
 */
const CLOSED_VALUES = new Set([
  'server_version', 'server_encoding', 'integer_datetimes', 'in_hot_standby', 'is_superuser', 'default_transaction_read_only',
  'datestyle', 'intervalstyle', 'scram_iterations', 'client_encoding', 'standard_conforming_strings',
])

const SETTING_TYPES = new Set(['set', 'reset', 'set_role'])

/** The settings a run's statements set or reset themselves (SET, SET LOCAL, SET … TO DEFAULT, RESET, SET SESSION AUTHORIZATION). */
function settingsSetBy(run: StatementRun): string[] {
  return (run.verdict.judgement.input.command?.sql?.statements ?? []).flatMap((s) =>
    SETTING_TYPES.has(s.type) && typeof s.detail.name === 'string' ? [s.detail.name.toLowerCase()] : [])
}

export class ReportedSettings {
  /** Values reported to the client so far, by lower-case name. */
  private readonly seen = new Map<string, Set<string>>()
  /** Settings set by runs answered since the last ReadyForQuery: names, not runs (a pipeline may run a million). */
  private readonly setSinceReady = new Set<string>()

  constructor(atStart: ReadonlyMap<string, string>) {
    for (const [name, value] of atStart) this.note(name, value)
  }

  /** Whether `value` of `name` has a known origin; `running`: a run the server is still answering. */
  known(name: string, value: string, running?: StatementRun): boolean {
    const key = name.toLowerCase()
    if (CLOSED_VALUES.has(key) || this.seen.get(key)?.has(value) || this.setSinceReady.has(key)) return true
    return running !== undefined && settingsSetBy(running).includes(key)
  }

  /** A value reported to the client. */
  note(name: string, value: string): void {
    const key = name.toLowerCase()
    const values = this.seen.get(key) ?? new Set()
    values.add(value)
    this.seen.set(key, values)
  }

  /** A run was answered. */
  answered(run: StatementRun): void {
    for (const name of settingsSetBy(run)) this.setSinceReady.add(name)
  }

  /** A ReadyForQuery: the server has reported every change made before it. */
  ready(): void {
    this.setSinceReady.clear()
  }
}
