// Resources a server embeds in an answer: a tool result's or a prompt's `resource` content (the resource's text
// or blob) and `resource_link` (its uri, name and description), and the `contents` of a resources/read answer
// (a server may answer a read with other resources than the one asked for). Each names a uri the caller may
// not read, or may read only once a reviewer approves: masking leaves its text, so such an item is replaced
// by a text item saying it was withheld (in contents[], a text resource of uri warden:withheld) (not quoting the uri, which the settings keep from the caller). A link
// is kept when a read of it would be held, as a listing entry is (listings.ts); embedded content never is.
// What a withheld item held (its text, its blob as base64 and as text, and its uri when a read of it is denied) is gone from the rest of the result
// too: a server may repeat it in structuredContent (a text item then repeats that as JSON, as the SDK does), in
// _meta or in another item's text. Any string of the result holding one of them, as it is or JSON-escaped, is
// replaced by the same notice, and an object key holding one drops its entry (a value from a withheld source
// is withheld wherever it is).
// @see https://modelcontextprotocol.io/specification/2025-06-18/server/tools#embedded-resources
import type { CanRead } from './listings.ts'

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

export interface EmbeddedReads {
  /** Whether the caller may read the uri now, without a hold. */
  canReadNow: CanRead
  /** Whether a read of the uri would not be denied (it may be held). */
  canRead: CanRead
}

const WITHHELD = 'warden: an embedded resource was withheld: the caller may not read it (settings.mcp.resources)'

function allowed(check: CanRead, uri: unknown): boolean {
  if (typeof uri !== 'string') return false
  try {
    return check({ method: 'resources/read', subject: uri })
  } catch {
    // A judge that fails is a deny (fail closed).
    return false
  }
}

/** What withheld items held, and the notices put in their place (left as they are by the scrub). */
interface Withheld {
  count: number
  values: Set<string>
  notices: Set<object>
}

/**
 * Notes the text and blob of a withheld resource (or link) `r`, and its uri when a read of it would be denied
 * (one that would be held is shown, as in a listing); returns its notice.
 */
function withhold<T extends object>(r: Record<string, unknown>, notice: T, w: Withheld, reads: EmbeddedReads): T {
  w.count++
  w.notices.add(notice)
  for (const field of allowed(reads.canRead, r.uri) ? ['text', 'blob'] : ['uri', 'text', 'blob']) {
    const v = r[field]
    if (typeof v !== 'string' || v === '') continue
    w.values.add(v)
    if (field === 'blob') {
      const text = Buffer.from(v, 'base64').toString('utf8')
      if (text !== '' && !text.includes('\uFFFD')) w.values.add(text)
    }
  }
  return notice
}

/** A content item as the caller may see it. */
function contentItem(item: unknown, reads: EmbeddedReads, w: Withheld): unknown {
  if (!isObject(item)) return item
  if (item.type === 'resource' && !(isObject(item.resource) && allowed(reads.canReadNow, item.resource.uri))) {
    return withhold(isObject(item.resource) ? item.resource : {}, { type: 'text', text: WITHHELD }, w, reads)
  }
  if (item.type === 'resource_link' && !allowed(reads.canRead, item.uri)) return withhold(item, { type: 'text', text: WITHHELD }, w, reads)
  return item
}

function contentList(list: unknown, reads: EmbeddedReads, w: Withheld): unknown {
  // One item where a list belongs (malformed, but a lax client may show it) is judged all the same.
  const items = Array.isArray(list) ? list : [list]
  const out = items.map((item) => contentItem(item, reads, w))
  return Array.isArray(list) ? out : out[0]
}

/** `value` with every string holding a withheld value replaced by the notice, and every key holding one dropped. */
function scrub(value: unknown, w: Withheld, needles: string[]): unknown {
  const holds = (text: string) => needles.some((n) => text.includes(n))
  if (typeof value === 'string') return holds(value) ? WITHHELD : value
  if (Array.isArray(value)) return value.map((v) => scrub(v, w, needles))
  if (!isObject(value) || w.notices.has(value)) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (!holds(k)) out[k] = scrub(v, w, needles)
  return out
}

/**
 * A result with the embedded resources the caller may not read replaced (content[], messages[].content,
 * contents[]); `withheld` counts them. `asked`: the uri of the judged resources/read this answers, whose own
 * contents its decision (or a reviewer) already allowed. The input is not modified.
 */
export function withholdEmbedded(result: unknown, reads: EmbeddedReads, asked?: string): { result: unknown; withheld: number } {
  if (!isObject(result)) return { result, withheld: 0 }
  const w: Withheld = { count: 0, values: new Set(), notices: new Set() }
  const out: Record<string, unknown> = { ...result }
  if (Object.hasOwn(result, 'content')) out.content = contentList(result.content, reads, w)
  if (Array.isArray(result.messages)) {
    out.messages = result.messages.map((m) => (isObject(m) && Object.hasOwn(m, 'content') ? { ...m, content: contentList(m.content, reads, w) } : m))
  }
  if (Array.isArray(result.contents)) {
    out.contents = result.contents.map((c) => {
      const uri = isObject(c) ? c.uri : undefined
      if ((asked !== undefined && uri === asked) || allowed(reads.canReadNow, uri)) return c
      return withhold(isObject(c) ? c : {}, { uri: 'warden:withheld', mimeType: 'text/plain', text: WITHHELD }, w, reads)
    })
  }
  if (w.count === 0) return { result: out, withheld: 0 }
  // Each value as it is and as it reads inside a JSON string (a text item repeating structuredContent).
  const needles = [...new Set([...w.values].flatMap((v) => [v, JSON.stringify(v).slice(1, -1)]))]
  return { result: scrub(out, w, needles), withheld: w.count }
}
