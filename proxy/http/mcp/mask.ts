// Masks the content of JSON-RPC messages coming back from an MCP server with the engine's one JSON masker
// (engine/obligations/mask/json.ts): a response's result or error, a notification's or server request's
// params. Path obligations are read from the message's root, as for any JSON body: `result.structuredContent.email`,
// `params.data`; they never reach the envelope. A server chooses the envelope's id and method and the protocol's
// correlation fields (progressToken, requestId) as freely as any content, so they carry content too: the
// detectors scan the id and the method, and the correlation fields are masked like the rest of params. Only
// values the client chose itself (the id of the request being answered, which SDK clients also use as the
// progress token) are kept as they are: rewriting those would break the protocol, and they hold nothing of the
// server's. Base64 text (a resource's `blob`) is masked as the text it encodes. What a path rule masks is masked
// wherever else the message repeats it (mask-follow.ts).
import { maskJson } from '../../../engine/obligations/index.ts'
import type { MaskObligation } from '../../../engine/types.ts'
import { decodeBlobs, encodeBlobs } from './blobs.ts'
import { McpError } from './errors.ts'
import { followMasked } from './mask-follow.ts'

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

const KEPT_PARAMS = ['progressToken', 'requestId'] as const
const ENVELOPE = ['jsonrpc', 'id', 'method', 'params', 'result', 'error'] as const

// Base64 text (a resource's blob) is masked as the text it encodes (blobs.ts).
function masked(doc: unknown, masks: MaskObligation[], key: Uint8Array): { doc: unknown; masked: number } {
  try {
    const opened = decodeBlobs(doc)
    const m = maskJson(opened.doc, masks, key)
    // What a path rule masks is masked wherever the message repeats it (structuredContent, content's JSON text).
    const f = followMasked(opened.doc, m.doc, masks, key)
    const count = m.masked + f.masked
    return opened.paths.length === 0 ? { doc: f.doc, masked: count } : { doc: encodeBlobs(f.doc, opened.paths), masked: count }
  } catch (err) {
    throw new McpError('mcp.mask_failed', `the server's answer must be masked but ${(err as Error).message}; it was withheld`, { cause: err })
  }
}

const detectorsOf = (masks: MaskObligation[]) => masks.filter((m) => m.detector !== undefined && m.path === undefined && m.column === undefined)

/** A text outside any message (an SSE event's id) as the detectors leave it. */
export function maskText(text: string, masks: MaskObligation[], key: Uint8Array): string {
  const detectors = detectorsOf(masks)
  if (detectors.length === 0) return text
  return String((masked({ text }, detectors, key).doc as { text: unknown }).text)
}

/**
 * The message with its content masked, and the number of values masked. The input is not modified.
 * `clientIds`: values the client chose (the judged request's id), kept wherever the protocol echoes them.
 */
export function maskRpcMessage(message: Record<string, unknown>, masks: MaskObligation[], key: Uint8Array, clientIds: readonly unknown[] = []): { message: Record<string, unknown>; masked: number } {
  if (masks.length === 0) return { message, masked: 0 }
  // Only JSON-RPC's own members go on: any other a server adds (`"debug": "…"`, a key that is itself a value) is
  // no part of the protocol, the SDK's schemas refuse it, and a client reading the raw answer would get it unmasked.
  const out: Record<string, unknown> = {}
  for (const field of ENVELOPE) if (Object.hasOwn(message, field)) out[field] = message[field]
  let count = 0
  const own = (v: unknown) => v !== undefined && clientIds.includes(v)
  const detectors = detectorsOf(masks)
  for (const field of ['id', 'method'] as const) {
    if (detectors.length === 0 || !Object.hasOwn(message, field) || (field === 'id' && own(message.id))) continue
    const m = masked({ [field]: message[field] }, detectors, key)
    out[field] = (m.doc as Record<string, unknown>)[field]
    count += m.masked
  }
  for (const field of ['result', 'error'] as const) {
    if (!Object.hasOwn(message, field)) continue
    // Wrapped in its field, so path rules see the same document shape the message has.
    const m = masked({ [field]: message[field] }, masks, key)
    out[field] = (m.doc as Record<string, unknown>)[field]
    count += m.masked
  }
  // JSON-RPC also allows params by position (an array); MCP never sends them so, and they are masked all the same.
  if (Object.hasOwn(message, 'params') && !isObject(message.params)) {
    const m = masked({ params: message.params }, masks, key)
    out.params = (m.doc as { params: unknown }).params
    count += m.masked
  }
  if (isObject(message.params)) {
    const params = message.params
    const m = masked({ params }, masks, key)
    const kept = (m.doc as { params: Record<string, unknown> }).params
    for (const name of KEPT_PARAMS) if (Object.hasOwn(params, name) && own(params[name])) kept[name] = params[name]
    if (isObject(params._meta) && own(params._meta.progressToken) && isObject(kept._meta)) kept._meta = { ...kept._meta, progressToken: params._meta.progressToken }
    out.params = kept
    count += m.masked
  }
  return { message: out, masked: count }
}
