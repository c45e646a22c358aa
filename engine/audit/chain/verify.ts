// `warden audit verify`: walks the records in the order they are stored and the signed checkpoints, and
// names the first bad record and why:
//   edited     the record's stored hash is not the hash of its contents (a byte was changed), its stored bytes
//              are not UTF-8 text, or a search column beside it no longer says what its event says
//   rewritten  the record's hash was recomputed after an edit, so the next record or a checkpoint disagrees
//   deleted    a sequence number is missing
//   reordered  a record is stored out of sequence
//   truncated  a signed checkpoint covers records that are no longer there
//   forged     a checkpoint's signature does not verify with a trusted public key
//   checkpoints_missing  the checkpoints kept outside the store, which anchor it, are gone (the rest may be a rewrite)
import type { KeyObject } from 'node:crypto'
import { type Checkpoint, checkpointSignatureValid } from './checkpoint.ts'
import { columnMismatch, type IndexColumns } from './columns.ts'
import { type ChainHead, GENESIS_HASH, hashOf } from './record.ts'

/** A record as read back from a store: the event still as the JSON text that was written. */
export interface StoredRecord {
  seq: number
  time: string
  prev_hash: string
  hash: string
  event: string
  /** The search columns stored beside it, when the store reads them back (columns.ts): checked against the event. */
  columns?: IndexColumns
  /**
   * Set when the stored event is not exactly the text read back (bytes that are not UTF-8, which every reader
   * decodes alike, so two such edits would hash alike): says what is wrong with it.
   */
  unreadable?: string
}

export type TamperReason = 'edited' | 'rewritten' | 'deleted' | 'reordered' | 'truncated' | 'forged' | 'checkpoints_missing'

export interface VerifyFailure {
  /** The first bad record (for forged checkpoints: the seq the checkpoint claims). */
  seq: number
  reason: TamperReason
  message: string
}

export interface VerifyReport {
  ok: boolean
  records: number
  head: ChainHead
  /** When the last record verified was appended. */
  head_time?: string
  checkpoints: number
  /**
   * The last signed checkpoint within the records verified: records up to its seq are vouched for by a signature;
   * records after it are not yet, and a cut there shows only against a checkpoint kept outside the store.
   */
  last_checkpoint?: { seq: number; time: string }
  /** What the auditor should know though the trail verifies (a torn line in the exported checkpoints). */
  warnings?: string[]
  failure?: VerifyFailure
}

export interface VerifySource {
  /** Every record, in storage order (not sorted by seq: reordering must show). */
  records(): AsyncIterable<StoredRecord>
  /** Whether a record with this seq is stored anywhere, to tell a deletion from a reordering. */
  has(seq: number): Promise<boolean>
  checkpoints: Checkpoint[]
  /** Public keys trusted to sign checkpoints. */
  keys: KeyObject[]
  /**
   * Set when the checkpoints that should be kept outside the store are gone (why, for the message): a trail with
   * records then fails, since whoever can rewrite the store can also re-sign checkpoints stored beside it.
   */
  missingCheckpoints?: string
  /** Passed through to the report. */
  warnings?: string[]
}

function parseEvent(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text) as unknown
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

export async function verifyChain(src: VerifySource): Promise<VerifyReport> {
  const bySeq = new Map<number, Checkpoint[]>()
  for (const c of src.checkpoints) bySeq.set(c.seq, [...(bySeq.get(c.seq) ?? []), c])
  const warnings = src.warnings?.length ? { warnings: src.warnings } : {}
  let headTime: string | undefined
  let anchor: Checkpoint | undefined
  const at = () => ({ ...(headTime !== undefined ? { head_time: headTime } : {}), ...(anchor ? { last_checkpoint: { seq: anchor.seq, time: anchor.time } } : {}), ...warnings })
  const fail = (failure: VerifyFailure, head: ChainHead, records: number): VerifyReport =>
    ({ ok: false, records, head, checkpoints: src.checkpoints.length, ...at(), failure })

  for (const c of [...src.checkpoints].sort((a, b) => a.seq - b.seq)) {
    if (!src.keys.some((k) => checkpointSignatureValid(c, k))) {
      return fail({ seq: c.seq, reason: 'forged', message: `checkpoint at record ${c.seq} (${c.time}, key ${c.key_id}) has a signature that does not verify with any trusted public key: it was forged or altered, or signed by a key not passed with --public-key` }, { seq: 0, hash: GENESIS_HASH }, 0)
    }
  }

  let head: ChainHead = { seq: 0, hash: GENESIS_HASH }
  let count = 0
  for await (const r of src.records()) {
    const expected = head.seq + 1
    if (r.seq !== expected) {
      if (r.seq > expected && !(await src.has(expected))) {
        return fail({ seq: expected, reason: 'deleted', message: `record ${expected} is missing: record ${head.seq || '(start)'} is followed by record ${r.seq}` }, head, count)
      }
      return fail({ seq: r.seq, reason: 'reordered', message: `record ${r.seq} is stored where record ${expected} belongs: records were reordered` }, head, count)
    }
    if (r.unreadable !== undefined) {
      return fail({ seq: r.seq, reason: 'edited', message: `record ${r.seq} ${r.unreadable}: a gateway writes only UTF-8 text, so it was changed after it was written` }, head, count)
    }
    // The stored text itself is hashed: any changed byte shows, even one that would not change the parsed event.
    const event = parseEvent(r.event)
    if (!event || hashOf(r.seq, r.time, r.prev_hash, r.event) !== r.hash) {
      return fail({ seq: r.seq, reason: 'edited', message: `record ${r.seq} does not match its hash: its contents were changed after it was written` }, head, count)
    }
    if (r.prev_hash !== head.hash) {
      const at = head.seq || r.seq
      return fail({ seq: at, reason: 'rewritten', message: `record ${r.seq} links to a different record ${head.seq} than the one stored: record ${head.seq} was replaced or rewritten with a recomputed hash` }, head, count)
    }
    for (const c of bySeq.get(r.seq) ?? []) {
      if (c.hash !== r.hash) {
        return fail({ seq: r.seq, reason: 'rewritten', message: `record ${r.seq} does not match checkpoint ${c.seq} signed at ${c.time}: records up to ${r.seq} were rewritten after the checkpoint` }, head, count)
      }
    }
    // Last: a record moved in whole from elsewhere is named for its link first.
    const column = r.columns && columnMismatch(r.columns, event)
    if (column) {
      return fail({ seq: r.seq, reason: 'edited', message: `record ${r.seq} is filed with ${column.name} ${JSON.stringify(column.stored)}, but its event says ${JSON.stringify(column.expected)}: the column was changed after it was written, which misleads warden audit sessions and show` }, head, count)
    }
    head = { seq: r.seq, hash: r.hash }
    headTime = r.time
    for (const c of bySeq.get(r.seq) ?? []) if (!anchor || c.seq > anchor.seq || (c.seq === anchor.seq && c.time > anchor.time)) anchor = c
    count++
  }
  if (src.missingCheckpoints !== undefined && count > 0) {
    return fail({ seq: 1, reason: 'checkpoints_missing', message: src.missingCheckpoints }, head, count)
  }
  const beyond = src.checkpoints.filter((c) => c.seq > head.seq).sort((a, b) => b.seq - a.seq)[0]
  if (beyond) {
    return fail({ seq: head.seq + 1, reason: 'truncated', message: `the trail ends at record ${head.seq} but checkpoint ${beyond.seq} signed at ${beyond.time} covers records up to ${beyond.seq}: records ${head.seq + 1}…${beyond.seq} were cut off` }, head, count)
  }
  return { ok: true, records: count, head, checkpoints: src.checkpoints.length, ...at() }
}

/**
 * The signed checkpoint reaching furthest past `head` (one a trusted key signed), or undefined: records it covers
 * are gone from the end of the trail. What a gateway checks before it appends onto a trail.
 */
export function checkpointPast(head: ChainHead, checkpoints: readonly Checkpoint[], keys: readonly KeyObject[]): Checkpoint | undefined {
  return checkpoints
    .filter((c) => c.seq > head.seq && keys.some((k) => checkpointSignatureValid(c, k)))
    .sort((a, b) => b.seq - a.seq)[0]
}
