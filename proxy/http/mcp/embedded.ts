// Resources a server embeds in an answer: a tool result's or a prompt's `resource` content (the resource's text
// or blob) and `resource_link` (its uri, name and description), and the `contents` of a resources/read answer
// (a server may answer a read with other resources than the one asked for). Each names a uri the caller may
// not read, or may read only once a reviewer approves: masking leaves its text, so such an item is replaced
// by a text item saying it was withheld (in contents[], a text resource of uri warden:withheld) (not quoting the uri, which the settings keep from the caller). A link
// is kept when a read of it would be held, as a listing entry is (listings.ts); embedded content never is.
// What a withheld item held (its text, its blob as base64 and as text, and its uri when a read of it is denied) is gone from the rest of the answer
// too, in whatever shape the server repeats it (traces.ts): as it is, JSON-escaped (a text item repeating
// structuredContent, as the SDK writes it), a line or a field of it, or base64. Any string holding a trace is
// replaced by the same notice, and an object key holding one drops its entry (a value from a withheld source is
// withheld wherever it is). What the gateway cannot follow is withheld whole (fail closed): a tool result's
// structuredContent (the same data in the tool's own shape, any shape) turns the result into an error result
// saying so; a result's _meta and any member MCP does not define are dropped; values too large to follow withhold
// the answer, and so does a resource the caller may not read embedded anywhere else (structuredContent, _meta, a
// field of the server's own), which a client shows all the same.
// @see https://modelcontextprotocol.io/specification/2025-06-18/server/tools#embedded-resources
import { MaskError } from '../../../engine/obligations/errors.ts'
import { blobText } from './blobs.ts'
import { McpError } from './errors.ts'
import type { CanRead } from './listings.ts'
import { type Traces, traces } from './traces.ts'

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

export interface EmbeddedReads {
  /** Whether the caller may read the uri now, without a hold. */
  canReadNow: CanRead
  /** Whether a read of the uri would not be denied (it may be held). */
  canRead: CanRead
}

const WITHHELD = 'warden: an embedded resource was withheld: the caller may not read it (settings.mcp.resources)'
const WITHHELD_RESULT = 'warden: the result was withheld: it embedded a resource the caller may not read, and its structuredContent may hold it in another shape (settings.mcp.resources)'

// The members MCP defines for the results that embed resources (tools/call, prompts/get, resources/read).
const RESULT_MEMBERS = new Set(['content', 'isError', 'messages', 'description', 'contents'])

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
  /** Items judged where MCP puts them, kept: not counted again by withheldAnywhere. */
  kept: Set<object>
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
    // The text a blob holds, as the masker reads it: a gzip file's (a rotated log) inflated, Latin-1 and UTF-16 too.
    // Read as UTF-8 only, a withheld app.log.gz left its lines free to come back in a text item.
    if (field === 'blob') {
      let text: string | undefined
      try {
        text = blobText(v)
      } catch (err) {
        throw new McpError('mcp.upstream_malformed', 'the server embedded a resource the caller may not read whose blob inflates past what the gateway follows; the answer was withheld', { cause: err })
      }
      if (text) w.values.add(text)
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
  w.kept.add(item)
  return item
}

function contentList(list: unknown, reads: EmbeddedReads, w: Withheld): unknown {
  // One item where a list belongs (malformed, but a lax client may show it) is judged all the same.
  const items = Array.isArray(list) ? list : [list]
  const out = items.map((item) => contentItem(item, reads, w))
  return Array.isArray(list) ? out : out[0]
}

/** `value` with every string holding a trace replaced by the notice, and every key holding one dropped. */
function scrub(value: unknown, w: Withheld, t: Traces): unknown {
  if (typeof value === 'string') return t.holds(value) ? WITHHELD : value
  if (Array.isArray(value)) return value.map((v) => scrub(v, w, t))
  if (!isObject(value) || w.notices.has(value)) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) if (!t.holds(k)) out[k] = scrub(v, w, t)
  return out
}

/**
 * A result (or a server request's params, `params`) with the embedded resources the caller may not read replaced
 * (content[], messages[].content, contents[]); `withheld` counts them. `asked`: the uri of the judged
 * resources/read this answers, whose own contents its decision (or a reviewer) already allowed. The input is not
 * modified. Throws McpError when what was withheld is too large to follow through the rest.
 */
export function withholdEmbedded(result: unknown, reads: EmbeddedReads, asked?: string, params = false): { result: unknown; withheld: number } {
  if (!isObject(result)) return { result, withheld: 0 }
  const w: Withheld = { count: 0, values: new Set(), notices: new Set(), kept: new Set() }
  const out: Record<string, unknown> = { ...result }
  if (Object.hasOwn(result, 'content')) out.content = contentList(result.content, reads, w)
  if (Array.isArray(result.messages)) {
    out.messages = result.messages.map((m) => (isObject(m) && Object.hasOwn(m, 'content') ? { ...m, content: contentList(m.content, reads, w) } : m))
  }
  if (Array.isArray(result.contents)) {
    out.contents = result.contents.map((c) => {
      const uri = isObject(c) ? c.uri : undefined
      if ((asked !== undefined && uri === asked) || allowed(reads.canReadNow, uri)) {
        if (isObject(c)) w.kept.add(c)
        return c
      }
      return withhold(isObject(c) ? c : {}, { uri: 'warden:withheld', mimeType: 'text/plain', text: WITHHELD }, w, reads)
    })
  }
  // One anywhere else (structuredContent, _meta, a member of the server's own) is not followed: the answer goes.
  if (withheldAnywhere(out, reads, w) > 0) throw new McpError('mcp.upstream_malformed', 'the server embedded a resource the caller may not read outside the places MCP gives embedded resources (content, messages, contents); the answer was withheld')
  if (w.count === 0) return { result: out, withheld: 0 }
  if (!params) {
    // structuredContent is the tool's result in its own shape: what it holds of a withheld resource cannot be
    // told apart from the rest, so the result goes, as an error result (a client checking structuredContent
    // against the tool's outputSchema accepts one). _meta and members MCP does not define: dropped.
    if (Object.hasOwn(result, 'structuredContent')) return { result: { content: [{ type: 'text', text: WITHHELD_RESULT }], isError: true }, withheld: w.count }
    for (const k of Object.keys(out)) if (!RESULT_MEMBERS.has(k)) delete out[k]
  }
  const t = traces(w.values)
  const tooMuch = (cause?: unknown) => new McpError('mcp.upstream_malformed', 'the server embedded a resource the caller may not read, too large to follow through the rest of its answer; the answer was withheld', { cause })
  if (t === undefined) throw tooMuch()
  try {
    return { result: scrub(out, w, t), withheld: w.count }
  } catch (err) {
    if (err instanceof MaskError) throw tooMuch(err)
    throw err
  }
}

/** Whether an object, if it embeds a resource (an item, a link, a contents entry), is one the caller may read. */
function readable(node: Record<string, unknown>, reads: EmbeddedReads): boolean {
  if (node.type === 'resource') return isObject(node.resource) && allowed(reads.canReadNow, node.resource.uri)
  if (node.type === 'resource_link') return allowed(reads.canRead, node.uri)
  if (Object.hasOwn(node, 'uri') && (typeof node.text === 'string' || typeof node.blob === 'string')) return allowed(reads.canReadNow, node.uri)
  return true
}

/**
 * How many resources the caller may not read a free-form value (a JSON-RPC error's data) embeds, found at any depth:
 * a content item (`resource`, `resource_link`) or a read's contents entry (a uri with text or blob). Looked for only
 * where MCP puts them in a result (data.content …), one given as the data itself, or under a field of the server's
 * own (data.details.content), passed.
 */
export function withheldAnywhere(value: unknown, reads: EmbeddedReads, judged?: Pick<Withheld, 'notices' | 'kept'>): number {
  let count = 0
  // A stack, not recursion: data nested deeper than the call stack would throw, and let the error through.
  const stack: unknown[] = [value]
  while (stack.length > 0) {
    const node = stack.pop()
    if (Array.isArray(node)) {
      for (const v of node) stack.push(v)
      continue
    }
    if (!isObject(node)) continue
    const item = node.type === 'resource'
    if (!(judged?.notices.has(node) || judged?.kept.has(node)) && !readable(node, reads)) count++
    // An item's resource is the item: counted once.
    for (const k in node) {
      const v = node[k]
      if (v !== null && typeof v === 'object' && !(item && k === 'resource')) stack.push(v)
    }
  }
  return count
}
