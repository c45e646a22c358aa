// Where the audit chain lives. One interface, a file per implementation (sqlite.ts, postgres.ts), one shared
// test suite (store.case.ts). Appends are linked onto the head read inside the same transaction, so several
// writers on one store still build one linear chain.
import type { Checkpoint } from '../chain/checkpoint.ts'
import { canonicalJson, type ChainHead, type ChainRecord } from '../chain/record.ts'
import { AuditError } from '../errors.ts'
import type { StoredRecord } from '../chain/verify.ts'
import { type IndexColumns, indexColumns } from '../chain/columns.ts'

export interface PendingRecord {
  /** The redacted event, plain JSON. */
  event: Record<string, unknown>
  /** When it was appended (ISO 8601); the chain's `time`. */
  time: string
  /** canonicalJson(event), when the caller has it (storableEvent): hashed and stored as it is. */
  text?: string
}

export interface SessionFilter {
  /** Only sessions with a record at or after this ISO time. */
  since?: string
  /** Only sessions of this identity (`sub`). */
  identity?: string
  target?: string
}

export interface SessionSummary {
  session_id: string
  identity?: string
  target?: string
  first_time: string
  last_time: string
  records: number
  statements: number
  denied: number
}

export interface AuditStore {
  readonly kind: 'sqlite' | 'postgres'
  /** Appends the batch in one transaction; resolves once it is committed (durable). */
  append(batch: readonly PendingRecord[]): Promise<ChainRecord[]>
  head(): Promise<ChainHead>
  addCheckpoint(c: Checkpoint): Promise<void>
  checkpoints(): Promise<Checkpoint[]>
  /** Every record in storage order (not sorted by seq, so that reordering shows). */
  records(): AsyncIterable<StoredRecord>
  has(seq: number): Promise<boolean>
  /** The `limit` most recent sessions (by their first record) matching the filter, in chain order. */
  sessions(filter: SessionFilter | undefined, limit: number): Promise<SessionSummary[]>
  /** The first `limit` records of one session, in chain order. */
  sessionRecords(sessionId: string, limit: number): Promise<StoredRecord[]>
  close(): Promise<void>
}

/** The columns the readers search by, taken from the event when it is appended (not part of the hash). */
export { indexColumns } from '../chain/columns.ts'

/** A record as the SQLite file (and its thread) takes it: the event's canonical text and its index columns. */
export interface EncodedRecord {
  time: string
  text: string
  columns: IndexColumns
}

export const encodeRecord = (r: PendingRecord): EncodedRecord =>
  ({ time: r.time, text: r.text ?? canonicalJson(r.event), columns: indexColumns(r.event) })

/**
 * Throws unless the last record this store appended is still there as it wrote it (`hashThere`: the hash stored now
 * at its seq): records cut off the end, or the end rewritten (and perhaps added to), under the running gateway.
 * Appending would reuse or build on them and bury the cut, and a checkpoint would sign it. Other writers only
 * ever add records after it.
 */
export function refuseCut(last: ChainHead | undefined, hashThere: string | undefined, head: ChainHead, where: string): void {
  if (!last || hashThere === last.hash) return
  const what = hashThere === undefined ? `now ends at record ${head.seq}` : `holds another record ${last.seq}`
  throw new AuditError('audit.trail_cut', `the audit trail in ${where} ${what}, but this gateway appended up to record ${last.seq}: records were cut off or rewritten while it ran. It appends and signs nothing more onto it, which would bury the cut; run warden audit verify, and restart the gateway once the trail is put back`)
}
