// Page tokens the gateway handed out. A Cloud Storage listing that stops early answers nextPageToken, and the client
// pages on by sending it back as pageToken. The token names where the next page starts (fake-gcs-server's is the next
// object's name as it is; Google's is that name encoded), so one the client makes up starts the listing at a name of
// its choosing, as startOffset does (listing-filters.ts refuses it under detectors); one this gateway gave this session
// for this listing, as the client read it (masked), is no guess: it is accepted again.
import { KeyedLru } from '../../engine/keyed-lru.ts'

/** Tokens kept at once across every session; the oldest go first (paging from one again is refused). */
const MAX_TOKENS = 10_000
/** Their summed length (an object name is at most 1 KB). */
const MAX_CHARS = 8 * 1024 * 1024

export class PageTokens {
  private readonly tokens = new KeyedLru<true>(MAX_TOKENS, MAX_CHARS)

  /** Keeps the nextPageToken of a masked listing answer (its bytes as the client gets them) for the listing at `path`. */
  remember(session: string, path: string, answer: Uint8Array): void {
    const bytes = Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength)
    if (!bytes.includes('"nextPageToken"')) return
    let doc: unknown
    try {
      doc = JSON.parse(bytes.toString('utf8'))
    } catch {
      return
    }
    const token = doc !== null && typeof doc === 'object' ? (doc as Record<string, unknown>).nextPageToken : undefined
    if (typeof token === 'string' && token !== '') this.tokens.set(`${session}\u0000${path}\u0000${token}`, true)
  }

  /** Whether `token` is one this gateway answered this session for the listing at `path`. */
  handedOut(session: string, path: string, token: string): boolean {
    return this.tokens.get(`${session}\u0000${path}\u0000${token}`) !== undefined
  }
}
