// A judged request as the audit trail keeps it, read from the trail's decision log (engine/audit/decision-log.ts:
// one entry per PostgreSQL statement or HTTP request, whoever reads it, the store directly or the admin API).
// The readers `warden audit diff-dry-run` and `warden diff --corpus audit` take these views. The trail is
// redacted: SQL literals are $1, $2 …, bodies are not kept.
import type { DecisionLogEntry } from '../audit/decision-log.ts'
import type { Effect, McpCommand, Reason } from '../types.ts'
import type { DryRunRecord } from './dry-run.ts'

export interface RecordedRequest {
  seq: number
  /** When it was decided. */
  time: string
  kind: 'sql' | 'http'
  session_id?: string
  target?: string
  identity?: { sub?: string; issuer?: string; kind?: string; groups?: string[] }
  /** SQL text (literals redacted), or `METHOD URL` of an HTTP request. */
  command: string
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
/** Statements and requests; a `release` entry is a released statement whose outcome record is missing. */
const JUDGED = new Set(['statement', 'request', 'release'])
const SQL = new Set(['postgres', 'mysql'])

const isObject = (v: unknown): v is Ev => v !== null && typeof v === 'object' && !Array.isArray(v)

/** The judged request of a decision-log entry, or undefined for other decisions (an MCP server's request) or outside the filter. */
export function recordedRequest(entry: DecisionLogEntry, filter: RecordFilter = {}): RecordedRequest | undefined {
  if (!JUDGED.has(entry.warden.type) || !EFFECTS.has(entry.result.effect as string)) return undefined
  const input = entry.input as Ev
  const target = isObject(input.target) && typeof input.target.name === 'string' ? input.target.name : undefined
  if (filter.since !== undefined && entry.timestamp < filter.since) return undefined
  if (filter.target !== undefined && target !== filter.target) return undefined
  const command = isObject(input.command) ? input.command : {}
  const dryRun = (entry.warden as { dry_run?: unknown }).dry_run
  return {
    seq: entry.warden.seq,
    time: entry.timestamp,
    kind: SQL.has(command.protocol) ? 'sql' : 'http',
    ...(entry.warden.session_id !== undefined ? { session_id: entry.warden.session_id } : {}),
    ...(target !== undefined ? { target } : {}),
    ...(isObject(input.identity) ? { identity: input.identity } : {}),
    command: typeof command.raw === 'string' ? command.raw : '',
    ...(isObject(command.mcp) ? { mcp: command.mcp } : {}),
    decision: entry.result.effect as Effect,
    reasons: Array.isArray(entry.result.reasons) ? entry.result.reasons as Reason[] : [],
    ...(isObject(dryRun) ? { dry_run: dryRun as unknown as DryRunRecord } : {}),
  }
}

/** Where a recorded request is in the trail, for a report. */
export const recordOrigin = (r: RecordedRequest) => `audit #${r.seq}${r.session_id ? ` (session ${r.session_id})` : ''}`
