// The settings the server reports in ParameterStatus (application_name, TimeZone, session_authorization …) are
// session state the client reads back (ParameterStatus, SHOW, current_setting, pg_stat_activity) unmasked. A function
// or trigger the policy could not see into can put any value into one (`set_config('application_name', <a password>,
// false)`), so a value of free text is let through only with a known origin: one the client was told before (at
// startup, or since: RESET, ROLLBACK and a function's SET clause return to such a value), or one set by a SET or RESET
// of that setting judged since the last ReadyForQuery (the server reports changes just before it): any value when
// nothing in that time could run a function or trigger, else only the value the SET wrote.
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
/**
 * Statements that run no code of the database's own (functions, triggers, rules): settings and transaction control.
 * Not COMMIT or SET CONSTRAINTS (a `set` named `constraints`), which fire the transaction's deferred triggers.
 */
const NO_ROUTINES = new Set(['set', 'reset', 'set_role', 'show', 'begin', 'rollback', 'savepoint', 'release'])

const statementsOf = (run: StatementRun) => run.verdict.judgement.input.command?.sql?.statements ?? []

/** The values a run's statements set its settings to, by name (SET, SET LOCAL, SET … TO DEFAULT, RESET, SET SESSION AUTHORIZATION). */
function settingsSetBy(run: StatementRun): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const s of statementsOf(run)) {
    if (!SETTING_TYPES.has(s.type) || typeof s.detail.name !== 'string') continue
    const key = s.detail.name.toLowerCase()
    const values = out.get(key) ?? []
    if (Array.isArray(s.detail.values) && s.detail.values.length) values.push(s.detail.values.map(String).join(', '))
    out.set(key, values)
  }
  return out
}

/** Whether a run may run a function or trigger, which can set any setting to anything (set_config). */
const runsRoutines = (run: StatementRun) =>
  statementsOf(run).some((s) => !NO_ROUTINES.has(s.type) || s.detail.name === 'constraints')

/** A UTC offset in hours as PostgreSQL names it (`SET TIME ZONE -7` is `<-07>+07`, 5.5 is `<+05:30>-05:30`). */
function offsetZone(hours: number): string {
  let rest = Math.round(Math.abs(hours) * 3600)
  const two = (n: number) => String(n).padStart(2, '0')
  let text = two(Math.floor(rest / 3600))
  rest %= 3600
  if (rest) {
    text += `:${two(Math.floor(rest / 60))}`
    if (rest % 60) text += `:${two(rest % 60)}`
  }
  return hours < 0 ? `<-${text}>+${text}` : `<+${text}>-${text}`
}

/**
 * Whether `value` is what the server reports for `literal` as set: application_name keeps printable ASCII only,
 * each other byte shown as `?` (PostgreSQL 15 pg_clean_ascii); TimeZone is named in the zone database's case
 * (`utc` is `UTC`, `america/new_york` `America/New_York`), and a number of hours as an offset zone; others as written.
 */
function reportedAs(name: string, literal: string, value: string): boolean {
  if (name === 'application_name') {
    let out = ''
    for (const b of Buffer.from(literal, 'utf8')) out += b >= 32 && b <= 126 ? String.fromCharCode(b) : '?'
    return out === value
  }
  if (name === 'timezone') {
    if (literal.toLowerCase() === value.toLowerCase()) return true
    return /^[+-]?(?:\d+\.?\d*|\.\d+)$/.test(literal.trim()) && offsetZone(Number(literal)) === value
  }
  return literal === value
}

/**
 * Values kept per setting past its startup value, the most recently reported last: a session that sets
 * application_name per request would otherwise keep every value it ever had. One older than these is unknown
 * again (a ROLLBACK to it ends the session with a clear error), which fails closed.
 */
const MAX_SEEN = 256

export class ReportedSettings {
  /** Values reported at startup, by lower-case name: RESET returns to them at any time. */
  private readonly atStart = new Map<string, string>()
  /** Values reported to the client since, by lower-case name, oldest first (at most MAX_SEEN each). */
  private readonly seen = new Map<string, Set<string>>()
  /**
   * Settings set by runs answered since the last ReadyForQuery, with the values they were set to: names and values,
   * not runs (a pipeline may run a million).
   */
  private readonly setSinceReady = new Map<string, Set<string>>()
  /** Whether a run answered since the last ReadyForQuery may have run a function or trigger. */
  private routinesSinceReady = false

  constructor(atStart: ReadonlyMap<string, string>) {
    for (const [name, value] of atStart) this.atStart.set(name.toLowerCase(), value)
  }

  /**
   * Whether `value` of `name` has a known origin; `running`: a run the server is still answering. A judged SET of
   * the setting vouches for any value it is reported with (the server rewrites some: `SET TIME ZONE -5` is
   * `<-05>+05`) only when nothing since the last ReadyForQuery could have run a function or trigger; otherwise
   * (`SET application_name = 'x'; SELECT f()`, both reported at the ReadyForQuery) only for the value it wrote.
   */
  known(name: string, value: string, running?: StatementRun): boolean {
    const key = name.toLowerCase()
    if (CLOSED_VALUES.has(key) || this.atStart.get(key) === value || this.seen.get(key)?.has(value)) return true
    const byRunning = running ? settingsSetBy(running).get(key) : undefined
    if (!byRunning && !this.setSinceReady.has(key)) return false
    if (!this.routinesSinceReady && !(running && runsRoutines(running))) return true
    const literals = [...(this.setSinceReady.get(key) ?? []), ...(byRunning ?? [])]
    return literals.some((l) => reportedAs(key, l, value))
  }

  /** A value reported to the client. */
  note(name: string, value: string): void {
    const key = name.toLowerCase()
    if (this.atStart.get(key) === value) return
    const values = this.seen.get(key) ?? new Set()
    values.delete(value)
    if (values.size >= MAX_SEEN) values.delete(values.values().next().value!)
    values.add(value)
    this.seen.set(key, values)
  }

  /** A run was answered. */
  answered(run: StatementRun): void {
    for (const [name, values] of settingsSetBy(run)) {
      const set = this.setSinceReady.get(name) ?? new Set()
      for (const v of values) set.add(v)
      this.setSinceReady.set(name, set)
    }
    if (runsRoutines(run)) this.routinesSinceReady = true
  }

  /** A ReadyForQuery: the server has reported every change made before it. */
  ready(): void {
    this.setSinceReady.clear()
    this.routinesSinceReady = false
  }
}
