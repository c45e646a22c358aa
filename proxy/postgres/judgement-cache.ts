// A session's recent `allow` judgements, by exact statement text, reused only while they would provably come
// out the same. A judgement is a function of identity, session and target (fixed for the session), the
// session's grants, the prepared statements an EXECUTE resolves to, the policy, and the clock (policies may read
// time.now_ns). So an entry is used only while the grants are those its input document saw, never past the
// earliest expiry of those grants, and for at most `ttlMs` (which also bounds how long a policy reload takes
// to apply); judgements that resolved an EXECUTE are never kept. Drivers re-send the same text constantly
// (an unnamed Parse per query, BEGIN / COMMIT, health checks): each hit saves a full normalize and decide.
import type { Judgement } from '../../engine/gateway.ts'
import type { Grant } from '../../engine/types.ts'

export interface JudgementCacheOptions {
  /** The session's grants in force now (the approval store's grantsFor). */
  grants(): Grant[]
  ttlMs?: number
  maxEntries?: number
  /** Longer texts are judged every time. */
  maxTextLength?: number
  now?: () => number
}

interface Entry {
  judgement: Judgement
  /** The grants the judgement saw, serialized. */
  grants: string
  /** Date.now() after which the entry is stale. */
  until: number
}

const TTL_MS = 1000
const MAX_ENTRIES = 128
const MAX_TEXT_LENGTH = 8 * 1024

/** True when the normalizer resolved an EXECUTE against the session's prepared statements. */
function usesPrepared(j: Judgement): boolean {
  return (j.input.command?.sql?.statements ?? []).some((s) => s.type === 'execute' || s.detail?.resolved !== undefined)
}

export class JudgementCache {
  private readonly entries = new Map<string, Entry>()
  private readonly ttlMs: number
  private readonly maxEntries: number
  private readonly maxTextLength: number
  private readonly now: () => number

  constructor(private readonly opts: JudgementCacheOptions) {
    this.ttlMs = opts.ttlMs ?? TTL_MS
    this.maxEntries = opts.maxEntries ?? MAX_ENTRIES
    this.maxTextLength = opts.maxTextLength ?? MAX_TEXT_LENGTH
    this.now = opts.now ?? Date.now
  }

  get(text: string): Judgement | undefined {
    const entry = this.entries.get(text)
    if (!entry) return undefined
    if (this.now() >= entry.until || JSON.stringify(this.opts.grants()) !== entry.grants) {
      this.entries.delete(text)
      return undefined
    }
    // Most recently used last: eviction takes the Map's first entry.
    this.entries.delete(text)
    this.entries.set(text, entry)
    return entry.judgement
  }

  /** Keeps an `allow` judgement of `text` for reuse; anything else is judged afresh every time. */
  set(text: string, judgement: Judgement): void {
    if (judgement.decision.effect !== 'allow' || text.length > this.maxTextLength || usesPrepared(judgement)) return
    const seen = judgement.input.session?.grants
    if (!Array.isArray(seen)) return
    let until = this.now() + this.ttlMs
    for (const g of seen) until = Math.min(until, Math.floor(g.expires_at_ns / 1e6))
    this.entries.delete(text)
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(text, { judgement, grants: JSON.stringify(seen), until })
  }

  get size(): number {
    return this.entries.size
  }
}
