// `warden audit export --format jsonl`: each decision in the trail as an OPA decision log entry
// (https://www.openpolicyagent.org/docs/management-decision-logs), so tools that read OPA's logs read ours.
// Fields that overlap are mapped:
//   decision_id  the record's decision_id (a UUID the frontend made), else one derived from the record's hash
//   path         warden/decision, the one entrypoint
//   input        the input document as recorded: redacted before it was stored, and only its parts the record
//                keeps (identity, session, target, command); `erased` lists the parts it does not keep
//   result       effect, reasons (and the approval that released it)
//   timestamp    when the decision was made
//   labels       app, the gateway's id and the Warden version (stamped on the record, or for a PostgreSQL
//                statement on its session's connection record), the store, the route
//   bundles      {warden: {revision}}: the policy bundle's revision, or its digest
//   masked       input paths whose values were replaced before storing (the literals of SQL, secrets in URLs)
// Decision records: statements (PostgreSQL), requests (HTTP, Kubernetes, cloud, MCP), and server requests an
// MCP policy denied. A statement released to the server has a `release` record before its outcome record;
// the two share a decision_id and make one entry, unless the outcome never made it into the trail (the
// gateway stopped in between): such a release is exported after the rest, with no response. The chain's seq
// and hashes ride along under `warden`, so an exported entry can be checked against the trail, and so does the
// dry-run policy's decision (`warden.dry_run`, see engine/diff/dry-run.ts) when one was recorded.
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
  warden: { seq: number; hash: string; prev_hash: string; session_id?: string; type: string; response?: Record<string, unknown>; dry_run?: Record<string, unknown> }
}

type Ev = Record<string, any>

/** A UUID-shaped id derived from the record's hash: stable across exports, unique per record. */
const idOf = (hash: string) => `${hash.slice(0, 8)}-${hash.slice(8, 12)}-${hash.slice(12, 16)}-${hash.slice(16, 20)}-${hash.slice(20, 32)}`

const DECIDED = new Set(['statement', 'release', 'request'])
// What the records never keep of the input document: the parsed command and request bodies (they hold the
// values the redaction removes), the risk computation, the grants in force.
const ERASED_SQL = ['/input/command/sql', '/input/risk', '/input/session/grants']
const ERASED_HTTP = ['/input/command/http/headers', '/input/command/http/body', '/input/risk', '/input/session/grants']

const ERASED_MCP = ['/input/risk', '/input/session/grants']

// A release record without a decision_id (written before they had one) cannot be paired with its outcome
// record, which is the entry then.
const isDecision = (e: Ev) =>
  (DECIDED.has(e.type) && typeof e.decision === 'string' && (e.type !== 'release' || typeof e.decision_id === 'string')) ||
  (e.type === 'mcp' && e.event === 'server_request_denied')

function commandOf(e: Ev): Record<string, unknown> {
  if (e.type === 'mcp') return { protocol: 'mcp', mcp: { server: e.server, direction: 'server', method: e.method } }
  if (e.type !== 'request') return { protocol: e.protocol, raw: e.statement, fingerprint: e.fingerprint }
  const { kubernetes, cloud, mcp } = e
  return {
    protocol: e.protocol,
    raw: e.url,
    fingerprint: e.fingerprint,
    ...(e.method ? { http: { method: e.method } } : {}),
    ...(kubernetes ? { kubernetes } : {}),
    ...(cloud ? { cloud } : {}),
    ...(mcp ? { mcp } : {}),
  }
}

function responseOf(e: Ev): Record<string, unknown> | undefined {
  const error = e.error ? { error: e.error } : {}
  switch (e.type) {
    case 'statement': return { effect: e.effect, rows: e.rows, masked: e.masked, duration_ms: e.duration_ms, ...error }
    case 'request': return { status: e.status, bytes_in: e.bytes_in, bytes_out: e.bytes_out, masked: e.masked, duration_ms: e.duration_ms, ...error }
    default: return undefined
  }
}

function labelsOf(e: Ev, extra: Record<string, string>): Record<string, string> {
  const stamped = e.labels && typeof e.labels === 'object' ? Object.entries(e.labels as Ev).filter(([, v]) => typeof v === 'string') : []
  return { app: 'warden', ...Object.fromEntries(stamped), ...extra, ...(e.via ? { via: String(e.via) } : {}) }
}

/** The entry for a decision record; undefined for events that carry no decision. */
export function toDecisionLog(r: StoredRecord, labels: Record<string, string> = {}): DecisionLogEntry | undefined {
  return entryOf(r, JSON.parse(r.event) as Ev, labels)
}

function entryOf(r: StoredRecord, e: Ev, labels: Record<string, string>): DecisionLogEntry | undefined {
  if (!isDecision(e)) return undefined
  const revision = e.bundle_revision ?? e.revision
  const recordedInput = e.input && typeof e.input === 'object' ? (e.input as Record<string, unknown>) : undefined
  const response = responseOf(e)
  const decisionId = e.type === 'mcp' ? e.server_request_decision_id : e.decision_id
  return {
    decision_id: typeof decisionId === 'string' ? decisionId : idOf(r.hash),
    path: 'warden/decision',
    input: recordedInput ?? {
      identity: e.identity,
      session: { id: e.session_id },
      target: { name: e.target },
      command: commandOf(e),
    },
    result: { effect: e.type === 'mcp' ? 'deny' : e.decision, reasons: e.reasons ?? [], ...(e.approval_id ? { approval_id: e.approval_id } : {}) },
    timestamp: e.time ?? r.time,
    labels: labelsOf(e, labels),
    ...(typeof revision === 'string' ? { bundles: { warden: { revision } } } : {}),
    // SQL is stored with its literals replaced (engine/audit/sql.ts); URLs with credential-like values replaced.
    ...(e.type === 'mcp' ? {} : { masked: ['/input/command/raw'] }),
    ...(recordedInput ? {} : { erased: e.type === 'request' ? ERASED_HTTP : e.type === 'mcp' ? ERASED_MCP : ERASED_SQL }),
    warden: {
      seq: r.seq, hash: r.hash, prev_hash: r.prev_hash, session_id: e.session_id, type: e.type, ...(response ? { response } : {}),
      ...(e.dry_run && typeof e.dry_run === 'object' ? { dry_run: e.dry_run as Record<string, unknown> } : {}),
    },
  }
}

function trackSession(e: Ev, open: Map<string, Record<string, string>>): void {
  if (typeof e.session_id !== 'string') return
  if (e.type === 'disconnect') open.delete(e.session_id)
  else if (e.labels && typeof e.labels === 'object') open.set(e.session_id, Object.fromEntries(Object.entries(e.labels as Ev).filter(([, v]) => typeof v === 'string')))
}

/**
 * Every decision in the records, in chain order, one entry per decision: a release is folded into the outcome
 * record with its decision_id; releases whose outcome is missing follow the rest.
 */
export async function* decisionLog(records: AsyncIterable<StoredRecord>, labels: Record<string, string> = {}): AsyncGenerator<DecisionLogEntry> {
  const released = new Map<string, DecisionLogEntry>()
  // The labels of each open session, from its records that carry them, until it disconnects.
  const sessionLabels = new Map<string, Record<string, string>>()
  for await (const r of records) {
    const e = JSON.parse(r.event) as Ev
    const entry = entryOf(r, e, labels)
    if (!entry) {
      trackSession(e, sessionLabels)
      continue
    }
    const inherited = entry.warden.session_id === undefined ? undefined : sessionLabels.get(entry.warden.session_id)
    if (inherited) entry.labels = { ...inherited, ...entry.labels }
    if (entry.warden.type === 'release') {
      released.set(entry.decision_id, entry)
      continue
    }
    released.delete(entry.decision_id)
    yield entry
  }
  yield* released.values()
}
