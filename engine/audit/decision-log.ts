// `warden audit export --format jsonl`: each decision in the trail as an OPA decision log entry
// (https://www.openpolicyagent.org/docs/management-decision-logs), so tools that read OPA's logs read ours.
// Fields that overlap are mapped: decision_id, path, input, result, timestamp, labels, bundles (revision),
// masked (paths Warden replaced before storing: literals of the SQL text). The chain's seq and hashes ride
// along under `warden`, so an exported entry can be checked against the trail.
import type { StoredRecord } from './chain/verify.ts'

export interface DecisionLogEntry {
  decision_id: string
  path: string
  input: Record<string, unknown>
  result: Record<string, unknown>
  timestamp: string
  labels: Record<string, string>
  bundles?: Record<string, { revision: string }>
  masked?: string[]
  erased?: string[]
  warden: { seq: number; hash: string; prev_hash: string; session_id?: string; type: string; response?: Record<string, unknown> }
}

type Ev = Record<string, any>

/** A UUID-shaped id derived from the record's hash: stable across exports, unique per record. */
const idOf = (hash: string) => `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`

/** The entry for a decision record (statements); undefined for events that carry no decision. */
export function toDecisionLog(r: StoredRecord, labels: Record<string, string> = {}): DecisionLogEntry | undefined {
  const e = JSON.parse(r.event) as Ev
  if (e.type !== 'statement' || typeof e.decision !== 'string') return undefined
  const revision = e.bundle_revision ?? e.revision
  return {
    decision_id: typeof e.decision_id === 'string' ? e.decision_id : idOf(r.hash),
    path: 'warden/decision',
    input: {
      identity: e.identity,
      session: { id: e.session_id },
      target: { name: e.target },
      command: { protocol: e.protocol, raw: e.statement, fingerprint: e.fingerprint },
    },
    result: { effect: e.decision, reasons: e.reasons ?? [], ...(e.approval_id ? { approval_id: e.approval_id } : {}) },
    timestamp: e.time ?? r.time,
    labels: { ...labels, ...(e.via ? { via: String(e.via) } : {}) },
    ...(typeof revision === 'string' ? { bundles: { warden: { revision } } } : {}),
    // The SQL text is stored with its literals replaced (engine/audit/sql.ts).
    masked: ['/input/command/raw'],
    warden: {
      seq: r.seq,
      hash: r.hash,
      prev_hash: r.prev_hash,
      session_id: e.session_id,
      type: e.type,
      response: { effect: e.effect, rows: e.rows, masked: e.masked, duration_ms: e.duration_ms, ...(e.error ? { error: e.error } : {}) },
    },
  }
}
