// Risk of a SQL command: deterministic, from the normalized statements alone. The policy decides; risk
// is a summary for humans, approval prompts and rules that want a coarse threshold.
//
// Per-statement base scores (the command's score is the maximum over all entries, nested ones included,
// plus 5 for each top-level statement beyond the first, capped at 100):
//
//   parse error                                                              100
//   grant, revoke, create/alter/drop role, set role, reassign/drop owned,
//   alter system, copy to/from a program or server file, do, create function,
//   create extension, load                                                    95
//   drop, truncate                                                            90
//   update / delete without WHERE                                             85
//   execute of a prepared statement that could not be resolved                70
//   alter, rename, lock                                                       70
//   unknown or other statement types, call, merge                             60
//   update / delete with WHERE, create, reindex, cluster, checkpoint          50
//   create table as / select into, insert, copy from the client               40
//   refresh materialized view, vacuum, analyze                                30
//   select with a row lock or writable CTE, comment, notify                   30
//   copy to the client                                                        20
//   read-only statements (select, values, explain, show, cursors, prepare)    10
//   session and transaction control (set, reset, begin, commit …)              5
//
// Function calls raise a statement's score: server file / program / remote access 90, server
// administration 80 (see RISKY_FUNCTIONS).
import type { Risk, RiskLevel, SqlCommand, SqlStatement, StatementType } from '../../types.ts'

const PRIVILEGED: ReadonlySet<StatementType> = new Set<StatementType>([
  'grant', 'revoke', 'create_role', 'alter_role', 'drop_role', 'set_role', 'reassign_owned', 'drop_owned',
  'alter_system', 'do', 'create_function', 'create_extension', 'load',
])

const SESSION: ReadonlySet<StatementType> = new Set<StatementType>([
  'set', 'reset', 'begin', 'commit', 'rollback', 'savepoint', 'release', 'deallocate', 'discard', 'close', 'listen', 'unlisten',
])

const FIXED: Partial<Record<StatementType, number>> = {
  drop: 90, truncate: 90, alter: 70, rename: 70, lock: 70, call: 60, merge: 60, other: 60,
  create: 50, reindex: 50, cluster: 50, checkpoint: 50, create_table_as: 40, select_into: 40, insert: 40,
  refresh_materialized_view: 30, vacuum: 30, analyze: 30, comment: 30, notify: 30,
}

/** Functions that reach outside the database (files, programs, other servers) or administer the server. */
const RISKY_FUNCTIONS: ReadonlyMap<string, number> = new Map([
  ...['pg_read_file', 'pg_read_binary_file', 'pg_ls_dir', 'pg_stat_file', 'lo_import', 'lo_export', 'lo_from_bytea', 'dblink', 'dblink_exec', 'dblink_connect', 'load_file'].map((n): [string, number] => [n, 90]),
  ...['pg_terminate_backend', 'pg_cancel_backend', 'pg_reload_conf', 'pg_rotate_logfile', 'pg_promote', 'pg_switch_wal', 'set_config', 'pg_create_restore_point'].map((n): [string, number] => [n, 80]),
])

interface Scored {
  score: number
  reason: string
}

function tableNames(s: SqlStatement, access?: 'read' | 'write'): string {
  const names = [...new Set(s.tables.filter((t) => access === undefined || t.access === access).map((t) => t.full_name))]
  return names.length > 0 ? names.join(', ') : 'unknown table'
}

function label(type: StatementType): string {
  return type.replace(/_/g, ' ').toUpperCase()
}

function base(s: SqlStatement): Scored {
  const type = s.type
  if (type === 'update' || type === 'delete') {
    return s.has_where
      ? { score: 50, reason: `${type} with WHERE on ${tableNames(s, 'write')}` }
      : { score: 85, reason: `${type} without WHERE on ${tableNames(s, 'write')}` }
  }
  if (type === 'copy') {
    const program = s.detail.program === true
    if (program || s.detail.stdio === false) return { score: 95, reason: `COPY ${String(s.detail.direction).toUpperCase()} ${program ? 'PROGRAM' : 'server file'} ${JSON.stringify(s.detail.filename ?? '')}` }
    return s.detail.direction === 'from' ? { score: 40, reason: `COPY FROM client into ${tableNames(s, 'write')}` } : { score: 20, reason: `COPY TO client from ${tableNames(s)}` }
  }
  if (type === 'drop' || type === 'truncate') {
    const kind = typeof s.detail.object_kind === 'string' ? ` ${s.detail.object_kind.toUpperCase()}` : ''
    const objects = Array.isArray(s.detail.objects) && s.detail.objects.length > 0 ? s.detail.objects.join(', ') : tableNames(s, 'write')
    return { score: 90, reason: `${label(type)}${type === 'drop' ? kind : ''} ${objects}` }
  }
  if (PRIVILEGED.has(type)) return { score: 95, reason: label(type) }
  if (type === 'execute' && s.detail.resolved !== true) return { score: 70, reason: `EXECUTE of unknown prepared statement ${String(s.detail.name ?? '')}` }
  const fixed = FIXED[type]
  if (fixed !== undefined) return { score: fixed, reason: `${label(type)}${s.tables.length > 0 ? ` on ${tableNames(s)}` : ''}` }
  if (s.read_only) return SESSION.has(type) ? { score: 5, reason: `${label(type)} (session)` } : { score: 10, reason: `read-only ${type}` }
  if (type === 'select' || type === 'values') return { score: 30, reason: `${type} that locks rows or writes through a CTE` }
  if (SESSION.has(type)) return { score: 5, reason: `${label(type)} (session)` }
  return { score: 60, reason: `${label(type)} statement` }
}

function statementRisk(s: SqlStatement): Scored {
  let scored = base(s)
  for (const fn of s.functions) {
    const score = RISKY_FUNCTIONS.get(fn.name.toLowerCase()) ?? 0
    if (score > scored.score) scored = { score, reason: `calls ${fn.full_name}()` }
  }
  return scored
}

export function riskLevel(score: number): RiskLevel {
  if (score < 25) return 'low'
  if (score < 50) return 'medium'
  if (score < 75) return 'high'
  return 'critical'
}

export function sqlRisk(sql: SqlCommand): Risk {
  if (sql.parse_error !== undefined) return { level: 'critical', score: 100, reasons: [`parse error: ${sql.parse_error}`] }
  if (sql.statements.length === 0) return { level: 'low', score: 0, reasons: ['no statements'] }
  const scored = sql.statements.map(statementRisk)
  const top = Math.max(...scored.map((s) => s.score))
  const topLevel = sql.statements.filter((s) => s.nested === undefined).length
  const score = Math.min(100, top + 5 * Math.max(0, topLevel - 1))
  const reasons = [...new Set(scored.filter((s) => s.score === top).map((s) => s.reason))]
  if (topLevel > 1) reasons.push(`${topLevel} statements in one request`)
  return { level: riskLevel(score), score, reasons }
}
