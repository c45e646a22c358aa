// An MCP server's answer on its way to the client: every JSON-RPC message in it goes through proxy/http/mcp's
// processor (tools/list fingerprinted and filtered, server requests judged, results masked) before any byte of
// it is forwarded. This replaces the generic JSON masking for mcp targets.
//
//   application/json   read whole (up to MAX_MASKED_BYTES), one message processed
//   text/event-stream  processed event by event as it flows; nothing of an event leaves before it is processed
//   near misses        any other type naming json or event-stream (application/jsonx, text/event-streamx,
//                      application/vnd.x+json): withheld, as some clients read them as JSON or SSE by prefix
//   anything else      the generic masker (empty bodies, e.g. 202 Accepted, and error pages pass); one that
//                      holds JSON or event-stream messages (text/plain, a missing type) is withheld: a client
//                      that parses whatever it gets would read a tools/list nobody filtered or fingerprinted,
//                      and server requests nobody judged
//
// A message that cannot be processed is a 502 before the headers go out, and ends the stream after.
import { Readable } from 'node:stream'
import { decodeBody } from './encoding.ts'
import { decodeWide, type WideEncoding, wideEncoding } from './text-encoding.ts'
import { HttpGatewayError } from './errors.ts'
import { bodyMasks, decoderFor, MAX_MASKED_BYTES, type MaskedBody, maskWholeBody, mediaType, readAll, utf8ContentType } from './mask-response.ts'
import { createStreamProcessor, McpError, type McpResponseContext, maskText, type ProcessedMessages, processJsonBody } from './mcp/index.ts'
import type { UpstreamResponse } from './upstream.ts'

/** Answer headers the client may see: MCP's own and the content type; no cookies, no upstream internals. */
const PASSED = ['content-type', 'cache-control', 'mcp-session-id', 'mcp-protocol-version', 'allow', 'retry-after']

/**
 * The headers passed, as the client may see them: the server writes their values as freely as a body, so the
 * detectors scan them; an MCP answer's type is its bare media type, and any other type's charset is utf-8 (the
 * body is sent as UTF-8 whatever the server's parameters said). A session id the detectors would change cannot be masked (the client must send it
 * back as issued): the answer is withheld.
 */
function answerHeaders(res: UpstreamResponse, ctx: McpResponseContext, length?: number, type?: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const name of PASSED) {
    const v = res.headers[name]
    if (v === undefined) continue
    // The body goes out as UTF-8 (masked text always is): a charset the server named is said as utf-8.
    const values = (Array.isArray(v) ? v : [String(v)]).map((x) => {
      const masked = maskText(x, ctx.masks, ctx.maskKey)
      return name === 'content-type' ? utf8ContentType(masked) : masked
    })
    if (name === 'mcp-session-id' && values.join() !== String(v)) throw withheld('its Mcp-Session-Id holds what the mask obligations hide')
    out[name] = Array.isArray(v) ? values : values[0]!
  }
  if (type !== undefined && out['content-type'] !== undefined) out['content-type'] = type
  if (length !== undefined) out['content-length'] = String(length)
  return out
}

const withheld = (message: string, cause?: unknown) =>
  new HttpGatewayError(502, 'http.mcp_failed', `the MCP server's answer was withheld: ${message}`, { cause })

function asGatewayError(err: unknown): unknown {
  return err instanceof McpError ? withheld(err.message, err) : err
}

async function jsonMessage(res: UpstreamResponse, ctx: McpResponseContext, onProcessed: (p: ProcessedMessages) => void): Promise<MaskedBody> {
  const raw = await readAll(res)
  if (raw.byteLength === 0) return { headers: answerHeaders(res, ctx, 0, 'application/json'), body: raw, masked: () => 0 }
  let text: string | undefined
  let encoding: WideEncoding | undefined
  try {
    const decoded = decodeBody(raw, res.headers['content-encoding'], MAX_MASKED_BYTES, 'the answer')
    // JSON in UTF-16 or UTF-32 (by its byte-order mark, or a charset naming the byte order) is read as such.
    encoding = wideEncoding(decoded, res)
    text = encoding ? decodeWide(decoded, encoding) : new TextDecoder('utf-8', { fatal: true }).decode(decoded)
  } catch (err) {
    throw withheld(`it cannot be read as UTF-8 JSON (${(err as Error).message})`, err)
  }
  if (text === undefined) throw withheld(`it cannot be read as ${encoding} JSON: its bytes are not valid ${encoding}`)
  let processed: ProcessedMessages
  try {
    processed = await processJsonBody(ctx, text)
  } catch (err) {
    throw asGatewayError(err)
  }
  onProcessed(processed)
  const body = Buffer.from(processed.forward, 'utf8')
  return { headers: answerHeaders(res, ctx, body.byteLength, 'application/json'), body, masked: () => processed.masked }
}

function eventStream(res: UpstreamResponse, ctx: McpResponseContext, onProcessed: (p: ProcessedMessages) => void): MaskedBody {
  const headers = answerHeaders(res, ctx, undefined, 'text/event-stream')
  let source: Readable = res
  for (const stage of decoderFor(res)) {
    source.on('error', (err) => stage.destroy(err))
    source = source.pipe(stage)
  }
  const processor = createStreamProcessor(ctx)
  let masked = 0
  const note = (p: ProcessedMessages) => {
    masked += p.masked
    onProcessed(p)
    return p.forward
  }
  async function* run(): AsyncGenerator<string> {
    const utf8 = new TextDecoder('utf-8', { fatal: true })
    try {
      for await (const chunk of source) {
        const forward = note(await processor.push(utf8.decode(chunk as Uint8Array, { stream: true })))
        if (forward) yield forward
      }
      const rest = utf8.decode()
      const forward = note(await processor.push(rest)) + note(await processor.end())
      if (forward) yield forward
    } catch (err) {
      // An event stream is UTF-8 (a UTF-16 one, whatever its mark, is no event stream): it ends, as one that is not JSON-RPC.
      if ((err as { code?: string }).code === 'ERR_ENCODING_INVALID_ENCODED_DATA') throw withheld('its event stream is not UTF-8; the stream was ended', err)
      throw asGatewayError(err)
    }
  }
  const body = Readable.from(run(), { objectMode: false })
  // The client went away (or the stream was cut): stop reading the server's stream too.
  body.once('close', () => res.destroy())
  return { headers, body, masked: () => masked }
}

// JSON text (a BOM and blanks before it), or an event stream line carrying it (`data: {…}`).
const JSON_START = /^\uFEFF?[ \t\r\n]*[[{]/
const DATA_LINE = /^data:[ \t]*[[{]/m

/** Whether a body read as text could hold JSON-RPC messages a lax client would parse. */
function holdsMessages(body: Uint8Array): boolean {
  const text = Buffer.from(body).toString('utf8')
  return JSON_START.test(text) || DATA_LINE.test(text)
}

/** The answer as the client may see it; `onProcessed` gets what each step found (audit, post-backs). */
export async function mcpAnswer(res: UpstreamResponse, ctx: McpResponseContext, onProcessed: (p: ProcessedMessages) => void): Promise<MaskedBody> {
  const type = mediaType(res)
  if (type === 'text/event-stream') return eventStream(res, ctx, onProcessed)
  if (type === 'application/json') return jsonMessage(res, ctx, onProcessed)
  // Not one of MCP's types, yet a client that matches by prefix or substring would read its messages unprocessed.
  const raw = String(res.headers['content-type'] ?? '')
  const header = raw.toLowerCase()
  // The server's text: told masked, as its headers are (answerHeaders), and cut short.
  const named = JSON.stringify(maskText(raw, ctx.masks, ctx.maskKey).slice(0, 100) || '(none)')
  if (header.includes('json') || header.includes('event-stream')) {
    res.resume()
    throw withheld(`its content type ${named} is neither application/json nor text/event-stream`)
  }
  const out = await maskWholeBody(res, bodyMasks(ctx.masks), ctx.maskKey, ctx.credentials)
  if (out.body instanceof Uint8Array && holdsMessages(out.body)) {
    throw withheld(`it holds JSON-RPC under the content type ${named}, which MCP does not use: its messages were not processed (only application/json and text/event-stream are)`)
  }
  const length = out.body instanceof Uint8Array ? out.body.byteLength : undefined
  return { ...out, headers: answerHeaders(res, ctx, length) }
}
