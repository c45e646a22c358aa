// A judged request as the audit trail keeps it: a PostgreSQL `statement` event or an HTTP `request` event
// with its decision. The readers (`warden audit diff-dry-run`, `warden diff --corpus audit`) take these views
// rather than the raw events. The trail is redacted: SQL literals are $1, $2 …, bodies are not kept.
import type { StoredRecord } from '../audit/chain/verify.ts'
import type { Effect, McpCommand, Reason } from '../types.ts'
import type { DryRunRecord } from './dry-run.ts'

export interface RecordedRequest {
  seq: number
  /** When it happened (the event's time). */
  time: string
  kind: 'sql' | 'http'
  session_id?: string
  target?: string
  identity?: { sub?: string; issuer?: string; kind?: string; groups?: string[] }
  /** SQL text (literals redacted), or `METHOD URL` of an HTTP request. */
  command: string
  method?: string
  mcp?: Partial<McpCommand>
  /** The enforced decision. */
  decision: Effect
  reasons: Reason[]
  dry_run?: DryRunRecord
}

export interface RecordFilter {
  /** ISO time: only requests at or after it. */
  since?: string
  target?: string
}

type Ev = Record<string, any>

const EFFECTS = new Set(['allow', 'deny', 'approve'])

/** The judged request a stored record holds, or undefined for any other event (connections, releases …). */
export function recordedRequest(r: StoredRecord, filter: RecordFilter = {}): RecordedRequest | undefined {
  let e: Ev
  try {
    e = JSON.parse(r.event) as Ev
  } catch {
    return undefined
  }
  // `release` is written before a statement runs; its `statement` event follows and is the one counted.
  if (e.type !== 'statement' && e.type !== 'request') return undefined
  if (!EFFECTS.has(e.decision)) return undefined
  const time = typeof e.time === 'string' ? e.time : r.time
  if (filter.since !== undefined && time < filter.since) return undefined
  if (filter.target !== undefined && e.target !== filter.target) return undefined
  const sql = e.type === 'statement'
  const command = sql ? e.statement : typeof e.url === 'string' ? e.url : `${e.method ?? '?'} ?`
  return {
    seq: r.seq,
    time,
    kind: sql ? 'sql' : 'http',
    ...(typeof e.session_id === 'string' ? { session_id: e.session_id } : {}),
    ...(typeof e.target === 'string' ? { target: e.target } : {}),
    ...(e.identity && typeof e.identity === 'object' ? { identity: e.identity } : {}),
    command: typeof command === 'string' ? command : '',
    ...(typeof e.method === 'string' ? { method: e.method } : {}),
    ...(e.mcp && typeof e.mcp === 'object' ? { mcp: e.mcp } : {}),
    decision: e.decision,
    reasons: Array.isArray(e.reasons) ? e.reasons : [],
    ...(e.dry_run && typeof e.dry_run === 'object' ? { dry_run: e.dry_run as DryRunRecord } : {}),
  }
}

/** Where a recorded request is in the trail, for a report. */
export const recordOrigin = (r: RecordedRequest) => `audit #${r.seq}${r.session_id ? ` (session ${r.session_id})` : ''}`
