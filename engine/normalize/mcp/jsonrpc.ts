// One JSON-RPC 2.0 message as MCP uses it: a request (method + id), a notification (method, no id) or a response
// (id + result or error). Anything else is a parse error the policy denies. Batches are refused: MCP 2025-06-18
// removed them, and judging one message per POST keeps "what was judged" and "what was sent" the same thing.
// @see https://www.jsonrpc.org/specification
// @see https://modelcontextprotocol.io/specification/2025-06-18/basic
import { hasLoneSurrogate } from '../../well-formed.ts'

export type JsonRpcMessage =
  | { kind: 'request'; method: string; id: string | number; params?: Record<string, unknown> }
  | { kind: 'notification'; method: string; params?: Record<string, unknown> }
  | { kind: 'response'; id: string | number | null; result?: unknown; error?: unknown }

export type ParsedJsonRpc = { ok: true; message: JsonRpcMessage } | { ok: false; error: string; id?: string | number | null }

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

const isId = (v: unknown): v is string | number => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))

/**
 * Whether every string and key in the document is well-formed UTF-16. JSON may escape a lone surrogate
 * ("\ud800"); the policy engine (OPA reads JSON as UTF-8) and servers in other languages each read one their own
 * way (U+FFFD, dropped, kept), so a message holding one is not read the same by the policy and the server.
 */
function wellFormed(doc: unknown): boolean {
  const stack: unknown[] = [doc]
  while (stack.length) {
    const v = stack.pop()
    if (typeof v === 'string') {
      if (hasLoneSurrogate(v)) return false
    } else if (Array.isArray(v)) {
      stack.push(...v)
    } else if (v !== null && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (hasLoneSurrogate(k)) return false
        stack.push(x)
      }
    }
  }
  return true
}

/** Checks a parsed body. Never throws. */
export function parseJsonRpc(body: unknown): ParsedJsonRpc {
  if (Array.isArray(body)) return { ok: false, error: 'JSON-RPC batches are not accepted (MCP 2025-06-18 removed them); send one message per request' }
  if (!isObject(body)) return { ok: false, error: 'the body is not a JSON-RPC message: it must be a JSON object' }
  const id = isId(body.id) || body.id === null ? body.id : undefined
  if (body.jsonrpc !== '2.0') return { ok: false, error: 'the body is not a JSON-RPC 2.0 message: jsonrpc must be "2.0"', id }
  if (!wellFormed(body)) return { ok: false, error: 'the message holds a lone UTF-16 surrogate (an unpaired \\uD800-\\uDFFF escape), which the policy and the server would not read alike', id: typeof id === 'string' && hasLoneSurrogate(id) ? null : id }
  const hasId = Object.hasOwn(body, 'id')
  if (hasId && body.id !== null && !isId(body.id)) return { ok: false, error: 'JSON-RPC id must be a string or a number' }
  if (Object.hasOwn(body, 'method')) {
    if (typeof body.method !== 'string' || body.method === '') return { ok: false, error: 'JSON-RPC method must be a non-empty string', id }
    if (Object.hasOwn(body, 'result') || Object.hasOwn(body, 'error')) return { ok: false, error: 'a JSON-RPC message cannot be both a request and a response', id }
    if (body.params !== undefined && !isObject(body.params)) return { ok: false, error: `params of ${body.method} must be an object`, id }
    const params = body.params as Record<string, unknown> | undefined
    if (!hasId) return { ok: true, message: { kind: 'notification', method: body.method, ...(params ? { params } : {}) } }
    // MCP: "the ID MUST NOT be null".
    if (body.id === null) return { ok: false, error: 'an MCP request id must not be null', id }
    return { ok: true, message: { kind: 'request', method: body.method, id: body.id as string | number, ...(params ? { params } : {}) } }
  }
  if (!hasId) return { ok: false, error: 'a JSON-RPC message needs a method (request or notification) or an id (response)' }
  const hasResult = Object.hasOwn(body, 'result')
  const hasError = Object.hasOwn(body, 'error')
  if (hasResult === hasError) return { ok: false, error: 'a JSON-RPC response needs exactly one of result and error', id }
  return { ok: true, message: { kind: 'response', id: body.id as string | number | null, ...(hasResult ? { result: body.result } : { error: body.error }) } }
}
