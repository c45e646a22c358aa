// One link of the audit chain: {seq, time, prev_hash, hash, event}. The hash is SHA-256 over the RFC 8785
// canonical JSON of {event, prev_hash, seq, time}, so changing any byte of a record, or the order of two,
// changes a hash that the next record (and the next signed checkpoint) has already committed to.
import { createHash } from 'node:crypto'
import canonicalize from 'canonicalize'
import { AuditError } from '../errors.ts'

/** prev_hash of the first record. */
export const GENESIS_HASH = '0'.repeat(64)

export interface ChainRecord {
  seq: number
  time: string
  prev_hash: string
  hash: string
  /** The redacted event, as stored. */
  event: Record<string, unknown>
}

/** The head of the chain: the last record's seq and hash (seq 0 and GENESIS_HASH when empty). */
export interface ChainHead {
  seq: number
  hash: string
}

export const EMPTY_HEAD: ChainHead = { seq: 0, hash: GENESIS_HASH }

/** RFC 8785 canonical JSON: sorted keys, no whitespace, ECMAScript number formatting. */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value)
  if (text === undefined) throw new AuditError('audit.not_canonical', 'encode audit record: the value has no JSON form (undefined or a function)')
  return text
}

export function recordHash(r: Pick<ChainRecord, 'seq' | 'time' | 'prev_hash' | 'event'>): string {
  return createHash('sha256').update(canonicalJson({ seq: r.seq, time: r.time, prev_hash: r.prev_hash, event: r.event })).digest('hex')
}

/** The record that follows `head`. `event` must already be redacted and plain JSON. */
export function nextRecord(head: ChainHead, event: Record<string, unknown>, time: string): ChainRecord {
  const r = { seq: head.seq + 1, time, prev_hash: head.hash, event }
  return { ...r, hash: recordHash(r) }
}

/** Links a batch onto `head`, in order. */
export function linkBatch(head: ChainHead, events: ReadonlyArray<{ event: Record<string, unknown>; time: string }>): ChainRecord[] {
  const out: ChainRecord[] = []
  let at = head
  for (const e of events) {
    const r = nextRecord(at, e.event, e.time)
    out.push(r)
    at = r
  }
  return out
}
