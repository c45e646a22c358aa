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

/**
 * SHA-256 over canonicalJson({event, prev_hash, seq, time}), built around the event's canonical text: the
 * keys are already in RFC 8785 order, and strings and integers encode as JSON.stringify encodes them. Building
 * it this way canonicalizes the event once (for the hash and the stored text) instead of twice, and lets
 * verify hash the stored bytes themselves, so even a change canonicalization would undo (a space) shows.
 */
export function hashOf(seq: number, time: string, prevHash: string, eventText: string): string {
  return createHash('sha256').update(`{"event":${eventText},"prev_hash":${JSON.stringify(prevHash)},"seq":${seq},"time":${JSON.stringify(time)}}`).digest('hex')
}

export function recordHash(r: Pick<ChainRecord, 'seq' | 'time' | 'prev_hash' | 'event'>): string {
  return hashOf(r.seq, r.time, r.prev_hash, canonicalJson(r.event))
}

/** A record with its event's canonical text: what a store writes. */
export interface LinkedRecord extends ChainRecord {
  eventText: string
}

/** The chain fields of the record that follows `head`, for an event whose canonical text is `eventText`. */
export function nextLink(head: ChainHead, eventText: string, time: string): Omit<ChainRecord, 'event'> {
  const seq = head.seq + 1
  return { seq, time, prev_hash: head.hash, hash: hashOf(seq, time, head.hash, eventText) }
}

/** The record that follows `head`. `event` must already be redacted and canonicalizable (storableEvent). */
export function nextRecord(head: ChainHead, event: Record<string, unknown>, time: string, eventText = canonicalJson(event)): LinkedRecord {
  return { ...nextLink(head, eventText, time), event, eventText }
}

/** Links a batch onto `head`, in order; an entry's `text`, when given, is canonicalJson(event), not computed again. */
export function linkBatch(head: ChainHead, events: ReadonlyArray<{ event: Record<string, unknown>; time: string; text?: string }>): LinkedRecord[] {
  const out: LinkedRecord[] = []
  let at = head
  for (const e of events) {
    const r = nextRecord(at, e.event, e.time, e.text)
    out.push(r)
    at = r
  }
  return out
}
