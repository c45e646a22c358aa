// Start keys the gateway handed out. A Scan or Query that stops early answers LastEvaluatedKey, and the client
// pages on by sending it back as ExclusiveStartKey. A start key the client makes up is a guess the server answers
// (the items after it, in sort key order: dynamodb-filters.ts refuses it under masks), but one this gateway gave
// this session for this table, as the client read it (masked), is no guess: it is accepted again.
import canonicalize from 'canonicalize'
import { KeyedLru } from '../../engine/keyed-lru.ts'

/** Start keys kept at once across every session; the oldest go first (paging from one again is refused). */
const MAX_KEYS = 10_000
/** Their summed length: an answer's key is at most a partition and a sort key (2 KB and 1 KB in DynamoDB). */
const MAX_CHARS = 8 * 1024 * 1024

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

export class StartKeys {
  private readonly keys = new KeyedLru<true>(MAX_KEYS, MAX_CHARS)

  private static id(session: string, table: unknown, key: unknown): string | undefined {
    if (typeof table !== 'string' || !isObject(key)) return undefined
    const text = canonicalize(key)
    return text === undefined ? undefined : `${session}\u0000${table}\u0000${text}`
  }

  /** Keeps the LastEvaluatedKey of a masked DynamoDB answer (its bytes as the client gets them) for `request`'s table. */
  remember(session: string, request: unknown, answer: Uint8Array): void {
    if (!isObject(request)) return
    // Most answers are one page: their bytes are not parsed a second time. A key written escaped is missed, and
    // paging on from it is refused, as a made-up start key is.
    const bytes = Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength)
    if (!bytes.includes('"LastEvaluatedKey"')) return
    let doc: unknown
    try {
      doc = JSON.parse(bytes.toString('utf8'))
    } catch {
      return
    }
    if (!isObject(doc)) return
    const id = StartKeys.id(session, request.TableName, doc.LastEvaluatedKey)
    if (id !== undefined) this.keys.set(id, true)
  }

  /** Whether `request`'s ExclusiveStartKey is one this gateway answered this session for the same table. */
  handedOut(session: string, request: unknown): boolean {
    if (!isObject(request)) return false
    const id = StartKeys.id(session, request.TableName, request.ExclusiveStartKey)
    return id !== undefined && this.keys.get(id) !== undefined
  }
}
