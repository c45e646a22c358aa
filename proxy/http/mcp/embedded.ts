// Resources a server embeds in an answer: a tool result's or a prompt's `resource` content (the resource's text
// or blob) and `resource_link` (its uri, name and description), and the `contents` of a resources/read answer
// (a server may answer a read with other resources than the one asked for). Each names a uri the caller may
// not read, or may read only once a reviewer approves: masking leaves its text, so such an item is replaced
// by a text item saying it was withheld (in contents[], a text resource of uri warden:withheld) (not quoting the uri, which the settings keep from the caller). A link
// is kept when a read of it would be held, as a listing entry is (listings.ts); embedded content never is.
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

/** A content item as the caller may see it, and whether it was withheld. */
function contentItem(item: unknown, reads: EmbeddedReads): { item: unknown; withheld: boolean } {
  if (!isObject(item)) return { item, withheld: false }
  const ok =
    item.type === 'resource' ? isObject(item.resource) && allowed(reads.canReadNow, item.resource.uri)
    : item.type === 'resource_link' ? allowed(reads.canRead, item.uri)
    : true
  return ok ? { item, withheld: false } : { item: { type: 'text', text: WITHHELD }, withheld: true }
}

function contentList(list: unknown, reads: EmbeddedReads, count: { withheld: number }): unknown {
  // One item where a list belongs (malformed, but a lax client may show it) is judged all the same.
  const items = Array.isArray(list) ? list : [list]
  const out = items.map((item) => {
    const c = contentItem(item, reads)
    if (c.withheld) count.withheld++
    return c.item
  })
  return Array.isArray(list) ? out : out[0]
}

/**
 * A result with the embedded resources the caller may not read replaced (content[], messages[].content,
 * contents[]); `withheld` counts them. `asked`: the uri of the judged resources/read this answers, whose own
 * contents its decision (or a reviewer) already allowed. The input is not modified.
 */
export function withholdEmbedded(result: unknown, reads: EmbeddedReads, asked?: string): { result: unknown; withheld: number } {
  if (!isObject(result)) return { result, withheld: 0 }
  const count = { withheld: 0 }
  const out: Record<string, unknown> = { ...result }
  if (Object.hasOwn(result, 'content')) out.content = contentList(result.content, reads, count)
  if (Array.isArray(result.messages)) {
    out.messages = result.messages.map((m) => (isObject(m) && Object.hasOwn(m, 'content') ? { ...m, content: contentList(m.content, reads, count) } : m))
  }
  if (Array.isArray(result.contents)) {
    out.contents = result.contents.map((c) => {
      const uri = isObject(c) ? c.uri : undefined
      if ((asked !== undefined && uri === asked) || allowed(reads.canReadNow, uri)) return c
      count.withheld++
      return { uri: 'warden:withheld', mimeType: 'text/plain', text: WITHHELD }
    })
  }
  return { result: out, withheld: count.withheld }
}
