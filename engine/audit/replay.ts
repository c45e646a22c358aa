// `warden audit show`: a session's records replayed in chain order as steps (connection, statements with
// their decisions and response summaries, approvals, errors, disconnect) plus totals.
import { oneLine } from '../printable.ts'
import type { StoredRecord } from './chain/verify.ts'
import { AuditError } from './errors.ts'

export interface ReplayStep {
  seq: number
  time: string
  type: string
  /** One line for the text view. */
  summary: string
  /** Lines under it: reasons, errors, approval outcomes. */
  notes: string[]
  event: Record<string, unknown>
}

export interface SessionReplay {
  session_id: string
  identity?: string
  target?: string
  steps: ReplayStep[]
  /** Totals of the steps shown. */
  totals: { statements: number; allowed: number; denied: number; held: number; rows: number; masked: number }
  /** The session has more records than the replay read: only its first steps are shown. */
  truncated?: true
}

type Ev = Record<string, any>

const reasonLines = (e: Ev): string[] =>
  Array.isArray(e.reasons) ? e.reasons.map((r: Ev) => `reason: ${r?.rule ?? r?.code ?? '?'}: ${r?.message ?? r?.msg ?? ''}`.trimEnd()) : []

function describe(e: Ev): { summary: string; notes: string[] } {
  if (e.redaction_failed) return { summary: `${e.type ?? 'event'} (content withheld: it could not be redacted)`, notes: [] }
  switch (e.type) {
    case 'connection':
      return { summary: `connected as ${e.identity?.sub ?? '?'}${e.identity?.kind ? ` (${e.identity.kind})` : ''} to ${e.target ?? '?'} from ${e.client?.address ?? '?'}${e.client?.tls ? ' over TLS' : ''}${e.application_name ? `, application ${e.application_name}` : ''}`, notes: [] }
    case 'statement': {
      // A statement released by an approval carries approval_id and the allow of the re-judged decision.
      const outcome = e.effect === 'deny' ? (e.decision === 'approve' ? 'held, not run' : 'denied') : e.approval_id ? 'approved' : 'allowed'
      const response = e.effect === 'deny' ? `error ${e.error ?? ''}`.trim() : `${e.rows ?? 0} rows, ${e.masked ?? 0} masked${e.duration_ms !== undefined ? `, ${e.duration_ms} ms` : ''}${e.error ? `, error ${typeof e.error === 'string' ? e.error : JSON.stringify(e.error)}` : ''}`
      const notes = [...reasonLines(e)]
      if (e.approval_id) notes.push(`approval: ${e.approval_id}`)
      return { summary: `${outcome.padEnd(13)} ${e.statement ?? ''}  → ${response}`, notes }
    }
    case 'approval':
      return { summary: `approval ${e.approval_id ?? '?'}: ${e.action ?? '?'} by ${e.reviewer?.sub ?? '?'} → ${e.outcome ?? '?'}`, notes: [...(e.note ? [`note: ${e.note}`] : []), ...(e.error?.message ? [`error: ${e.error.message}`] : [])] }
    case 'disconnect':
      return { summary: `disconnected after ${e.statements ?? 0} statements, ${e.duration_ms ?? '?'} ms (${e.reason ?? 'closed'})`, notes: [] }
    case 'error':
      return { summary: `error ${e.code ?? ''}: ${e.message ?? ''}`, notes: [] }
    default:
      return { summary: String(e.type ?? 'event'), notes: [] }
  }
}

export function replaySession(sessionId: string, records: readonly StoredRecord[], opts: { more?: boolean } = {}): SessionReplay {
  const totals = { statements: 0, allowed: 0, denied: 0, held: 0, rows: 0, masked: 0 }
  let identity: string | undefined
  let target: string | undefined
  const steps = records.map((r): ReplayStep => {
    const event = JSON.parse(r.event) as Ev
    // The store finds a session's records by a column beside them, which the hash does not cover.
    if (event.session_id !== sessionId) {
      throw new AuditError('audit.tampered', `record ${r.seq} is filed under session ${JSON.stringify(sessionId)} but belongs to ${JSON.stringify(event.session_id ?? null)}: the trail was edited, so its replay would mislead; run warden audit verify`)
    }
    identity ??= event.identity?.sub
    target ??= event.target
    if (event.type === 'statement') {
      totals.statements++
      if (event.effect === 'deny') event.decision === 'approve' ? totals.held++ : totals.denied++
      else if (event.effect === 'allow') totals.allowed++
      totals.rows += typeof event.rows === 'number' ? event.rows : 0
      totals.masked += typeof event.masked === 'number' ? event.masked : 0
    }
    // The time the event happened; the chain's own time (when it was appended) stays in the record.
    return { seq: r.seq, time: typeof event.time === 'string' ? event.time : r.time, type: String(event.type), ...describe(event), event }
  })
  return { session_id: sessionId, identity, target, steps, totals, ...(opts.more ? { truncated: true as const } : {}) }
}

/**
 * The replay as text, one line a step and one a note: what others wrote (a statement, an application name, a
 * note) is shown on its line with control characters escaped, so it cannot add, erase or rewrite lines.
 */
export function formatReplay(replay: SessionReplay): string {
  const t = replay.totals
  const lines = [
    `session ${oneLine(replay.session_id)}  ${oneLine(replay.identity ?? '?')} → ${oneLine(replay.target ?? '?')}`,
    ...replay.steps.flatMap((s) => [`  #${s.seq}  ${oneLine(s.time)}  ${oneLine(s.summary)}`, ...s.notes.map((n) => `        ${oneLine(n)}`)]),
    ...(replay.truncated ? [`  … the session has more records than these first ${replay.steps.length}; warden audit export has every one`] : []),
    `  ${t.statements} statements${replay.truncated ? ' in the steps shown' : ''}: ${t.allowed} allowed, ${t.denied} denied, ${t.held} held; ${t.rows} rows returned, ${t.masked} values masked`,
  ]
  return `${lines.join('\n')}\n`
}
