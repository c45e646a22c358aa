// What the gateway does to an MCP server's answers before the client sees them. One processor per upstream
// response, whatever its form: an application/json body (one message) or a text/event-stream (a message per
// event, on a POST's answer or on the GET stream). For each message:
//
//   answer to the client's tools/list → fingerprints recorded (registry.observe), tools the caller may not call
//                                        removed (canCall), then masked; so is a replayed one (isToolsListAnswer)
//   initialize answer                  → instructions fingerprinted (definitions.ts)
//   answer to resources/list,          → fingerprinted (definitions.ts), entries the caller may not read removed (canRead), then masked; so
//     resources/templates/list,          is any other answer holding such a list
//     prompts/list
//   any other answer (result / error)  → embedded resources the caller may not read replaced (embedded.ts), masked;
//                                        an error whose data embeds one loses its data and message
//   server notification               → params masked (and the id and method scanned), forwarded
//   server→client request              → judged (direction server); allowed: params masked, forwarded;
//     (or a message with no id whose      a message with no id is dropped without a post-back
//     method is not notifications/…)
//                                        otherwise dropped from the stream, and a JSON-RPC error answering it
//                                        is returned in `postBack`: the core POSTs it to the server's endpoint
//                                        (same Mcp-Session-Id, the gateway's credential) so the server does not
//                                        wait for an answer that will never come
//
// A message that is not JSON-RPC, or that must be masked and cannot be, throws McpError: the core ends the
// stream (or answers 502) and forwards nothing more of it.
import type { Decision, MaskObligation, McpCommand } from '../../../engine/types.ts'
import type { McpToolState } from '../../../engine/normalize/index.ts'
import { parseJsonText, writeJsonText } from '../../../engine/obligations/mask/json-numbers.ts'
import { hideCredentials } from '../response-credential.ts'
import { definitionsKey, instructionsDefinition, isInitializeResult, listedDefinitions } from './definitions.ts'
import { withheldAnywhere, withholdEmbedded } from './embedded.ts'
import { McpError } from './errors.ts'
import type { ToolRegistry } from './fingerprint.ts'
import { denialError, type JsonRpcErrorMessage } from './jsonrpc-reply.ts'
import { maskRpcMessage, maskText } from './mask.ts'
import { createSseParser, formatSseEvent, type SseEvent } from './sse.ts'
import { type CanRead, filterListing, type Listing, listingOf, listingsIn } from './listings.ts'
import { type CanCall, filterToolsList, listedTools } from './tools-list.ts'

export interface ServerRequestJudgement {
  allow: boolean
  decision: Pick<Decision, 'reasons'>
  decisionId: string
}

export interface McpResponseContext {
  /** command.mcp.server of the judged request (the registry's key). */
  server: string
  /** The judged client message this response answers (command.mcp); absent for the GET stream. */
  request?: Pick<McpCommand, 'method' | 'id' | 'uri'>
  /** The decision's mask obligations, and the gateway's mask key. */
  masks: MaskObligation[]
  maskKey: Uint8Array
  registry: ToolRegistry
  /** Whether the caller may call a listed tool (engineCanCall). */
  canCall: CanCall
  /** Whether the caller may read a listed resource or prompt (engineCanRead). */
  canRead: CanRead
  /** Whether the caller may read a resource outright, not held (engineCanReadNow): for embedded resources. */
  canReadNow: CanRead
  /** Judges a request the server sends to the client (engine.judge(serverJudgeRequest(…)); allow = effect allow). */
  judgeServerRequest(message: Record<string, unknown>): ServerRequestJudgement
  /**
   * The forms of the gateway's upstream credential (response-credential.ts): hidden wherever the server echoes
   * them (a tool that reports the request's headers), as in any masked HTTP answer.
   */
  credentials?: readonly string[]
}

export interface ProcessedMessages {
  /** What to send to the client now (the JSON body, or SSE text). */
  forward: string
  /** JSON-RPC errors to POST to the server, answering the server requests that were denied. */
  postBack: JsonRpcErrorMessage[]
  /** Server requests denied, for the audit trail. */
  denied: Array<{ method: string; id: unknown; decisionId: string }>
  /** tools/list: tools removed from the answer, and tools whose definition changed since recorded (audit these). */
  removedTools: string[]
  changedTools: string[]
  /** The server's instructions, prompts, resources and templates whose definition changed since recorded (definitions.ts). */
  changedDefinitions: Array<{ kind: string; name: string }>
  /** resources, templates and prompts removed from listings (by the uri, template or name). */
  removedReads: Array<{ method: string; subject: string }>
  /** Embedded resources (and resource links) replaced because the caller may not read them (embedded.ts). */
  withheldEmbedded: number
  /** The SSE event ids forwarded (as the client reads them): the Last-Event-IDs this client may resume from. */
  eventIds: string[]
  /** The ids of the server requests forwarded (as the client reads them): the ones this client may answer. */
  serverRequests: Array<string | number>
  masked: number
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

const ERROR_WITHHELD = 'warden: the server\'s error was withheld: its data embedded a resource the caller may not read (settings.mcp.resources)'

const empty = (): ProcessedMessages => ({ forward: '', postBack: [], denied: [], removedTools: [], changedTools: [], removedReads: [], changedDefinitions: [], withheldEmbedded: 0, eventIds: [], serverRequests: [], masked: 0 })

/**
 * A message as it is forwarded (`message`: its numbers kept as the server wrote them, json-numbers.ts, so the
 * masker sees and the client gets 12345678901234567891, 1e400 or 0.10 as written, as for any HTTP JSON answer)
 * and as JavaScript reads it (`plain`: what the policy judges and ids are compared on, as before; the registry
 * fingerprints `message`). `exact`: the message holds such numbers, and is written back with them.
 */
interface ParsedMessage {
  message: Record<string, unknown>
  plain: Record<string, unknown>
  exact: boolean
}

function parseMessage(text: string): ParsedMessage {
  let parsed: { doc: unknown; exact: boolean }
  let plain: unknown
  try {
    parsed = parseJsonText(text)
    plain = parsed.exact ? JSON.parse(text) : parsed.doc
  } catch (err) {
    throw new McpError('mcp.upstream_malformed', 'the server sent a message that is not JSON; the stream was ended', { cause: err })
  }
  const message = parsed.doc
  if (!isObject(message) || message.jsonrpc !== '2.0' || !isObject(plain)) {
    throw new McpError('mcp.upstream_malformed', 'the server sent something other than one JSON-RPC 2.0 message; the stream was ended')
  }
  return { message, plain, exact: parsed.exact }
}

/**
 * Whether a message is an answer to tools/list: the answer to the judged tools/list, or any response whose result
 * has a tools field, whatever request its id names: a Last-Event-ID replay on the GET stream, a stray id, or the
 * answer to an earlier request of the same id that the server routed to this POST (it routes by id alone, and a
 * request given up by its client can still be running there). Such an answer is filtered and fingerprinted like
 * the first, never passed as it is. No other result has a tools field.
 */
function isToolsListAnswer(ctx: McpResponseContext, message: Record<string, unknown>): boolean {
  if (Object.hasOwn(message, 'method') || !Object.hasOwn(message, 'result')) return false
  const answersJudged = ctx.request !== undefined && ctx.request.id !== undefined && message.id === ctx.request.id
  if (answersJudged && ctx.request!.method === 'tools/list') return true
  return isObject(message.result) && Object.hasOwn(message.result, 'tools')
}

/** The resource and prompt listings in an answer: the judged request's, or any the result holds (as for tools). */
function listingsAnswered(ctx: McpResponseContext, message: Record<string, unknown>): Listing[] {
  if (Object.hasOwn(message, 'method') || !Object.hasOwn(message, 'result')) return []
  const answersJudged = ctx.request !== undefined && ctx.request.id !== undefined && message.id === ctx.request.id
  const listing = answersJudged ? listingOf(ctx.request!.method) : undefined
  return listing ? [listing] : listingsIn(message.result)
}

/** Handles one message; returns it as it should reach the client (JSON text), or undefined when it is dropped. */
async function handle(ctx: McpResponseContext, parsed: ParsedMessage, out: ProcessedMessages): Promise<string | undefined> {
  const { message, plain } = parsed
  // A request, or a message without an id that asks for something all the same (a method outside
  // notifications/: a lax client may act on a sampling/createMessage with no id).
  const hasId = Object.hasOwn(message, 'id')
  const asks = typeof message.method === 'string' && (hasId || !message.method.startsWith('notifications/'))
  if (asks) {
    const judged = ctx.judgeServerRequest(plain)
    if (!judged.allow) {
      const id = hasId ? (message.id as string | number | null) : undefined
      // Only a request waits for an answer.
      if (hasId) out.postBack.push(denialError({ id, decision: judged.decision, decisionId: judged.decisionId }))
      out.denied.push({ method: message.method as string, id, decisionId: judged.decisionId })
      return undefined
    }
  }
  let current = message
  if (isToolsListAnswer(ctx, plain)) {
    // Fingerprinted as the server wrote it (numbers kept): a schema changed only in digits past double precision
    // is a changed tool.
    const observed = await ctx.registry.observe(ctx.server, listedTools(message.result))
    out.changedTools.push(...observed.changed)
    const states: Record<string, McpToolState> = observed.states
    const filtered = filterToolsList(message.result, ctx.canCall, states)
    out.removedTools.push(...filtered.removed)
    current = { ...message, result: filtered.result }
  }
  if (!Object.hasOwn(message, 'method') && isInitializeResult(message.result)) {
    const observed = await ctx.registry.observe(definitionsKey(ctx.server, 'instructions'), [instructionsDefinition(message.result)])
    for (const name of observed.changed) out.changedDefinitions.push({ kind: 'instructions', name })
  }
  for (const listing of listingsAnswered(ctx, plain)) {
    // Fingerprinted whole, as the server wrote them, before entries the caller may not read are removed.
    const listed = isObject(message.result) ? listedDefinitions(listing.field, message.result[listing.field]) : undefined
    if (listed) {
      const observed = await ctx.registry.observe(definitionsKey(ctx.server, listed.kind), listed.definitions)
      for (const name of observed.changed) out.changedDefinitions.push({ kind: listed.kind, name })
    }
    const filtered = filterListing(listing, current.result, ctx.canRead)
    for (const subject of filtered.removed) out.removedReads.push({ method: listing.read, subject })
    current = { ...current, result: filtered.result }
  }
  if (Object.hasOwn(current, 'result')) {
    const answersJudged = ctx.request?.id !== undefined && current.id === ctx.request.id && ctx.request.method === 'resources/read'
    const embedded = withholdEmbedded(current.result, { canRead: ctx.canRead, canReadNow: ctx.canReadNow }, answersJudged ? ctx.request!.uri : undefined)
    out.withheldEmbedded += embedded.withheld
    if (embedded.withheld > 0) current = { ...current, result: embedded.result }
  }
  // A JSON-RPC error's data is the server's to fill, in any shape, and a lax client shows it: resources embedded in
  // it, at any depth, are judged too. Any withheld takes the data with it, and the message, which may quote it.
  if (isObject(current.error) && Object.hasOwn(current.error, 'data')) {
    const withheld = withheldAnywhere(current.error.data, { canRead: ctx.canRead, canReadNow: ctx.canReadNow })
    out.withheldEmbedded += withheld
    if (withheld > 0) current = { ...current, error: { code: current.error.code, message: ERROR_WITHHELD } }
  }
  // A server request or notification the policy let through (sampling/createMessage's messages, a log entry) may
  // embed resources too.
  if (Object.hasOwn(current, 'method') && isObject(current.params)) {
    const embedded = withholdEmbedded(current.params, { canRead: ctx.canRead, canReadNow: ctx.canReadNow }, undefined, true)
    out.withheldEmbedded += embedded.withheld
    if (embedded.withheld > 0) current = { ...current, params: embedded.result }
  }
  const m = maskRpcMessage(current, ctx.masks, ctx.maskKey, ctx.request?.id === undefined ? [] : [ctx.request.id])
  out.masked += m.masked
  const forwardedId = m.message.id
  if (asks && hasId && (typeof forwardedId === 'string' || typeof forwardedId === 'number')) out.serverRequests.push(forwardedId)
  return writeJsonText(m.message, parsed.exact)
}

/** `out` with the gateway's credential hidden in what it forwards. */
function hidden(ctx: McpResponseContext, out: ProcessedMessages): ProcessedMessages {
  if (!ctx.credentials?.length || out.forward === '') return out
  const clean = hideCredentials(out.forward, ctx.credentials)
  out.forward = clean.text
  out.masked += clean.hidden
  return out
}

/** An application/json answer: one message in, the body to send out (empty when the message was dropped). */
export async function processJsonBody(ctx: McpResponseContext, body: string): Promise<ProcessedMessages> {
  const out = empty()
  const message = await handle(ctx, parseMessage(body), out)
  out.forward = message ?? ''
  return hidden(ctx, out)
}

export interface McpStreamProcessor {
  /** Feeds text of the upstream event stream; returns what to forward and what to post back. */
  push(text: string): Promise<ProcessedMessages>
  /** The upstream stream ended. */
  end(): Promise<ProcessedMessages>
}

/**
 * An event's framing as it may reach the client. The server writes it as freely as the data: a comment's text
 * goes (the comment stays, a keep-alive), the id is masked like content (a masked id only costs that event's
 * resumption), a type other than message is dropped (it only comes with no data), retry is kept when it is a
 * number, as clients read it.
 */
function framing(ctx: McpResponseContext, event: SseEvent): Omit<SseEvent, 'data'> {
  const out: Omit<SseEvent, 'data'> = {}
  if (event.event === 'message') out.event = event.event
  if (event.id !== undefined) out.id = maskText(event.id, ctx.masks, ctx.maskKey)
  if (event.retry !== undefined && /^\d+$/.test(event.retry)) out.retry = event.retry
  if (event.comments?.length) out.comments = event.comments.map(() => '')
  return out
}

/** A text/event-stream answer, event by event. Events with no data (keep-alives, ids only) pass unchanged. */
export function createStreamProcessor(ctx: McpResponseContext): McpStreamProcessor {
  const parser = createSseParser()
  async function run(events: SseEvent[]): Promise<ProcessedMessages> {
    const out = empty()
    for (const event of events) {
      if (event.data === '' || (event.event !== undefined && event.event !== 'message')) {
        // MCP sends messages as `message` events; anything else carries no JSON-RPC and is kept only when empty.
        // Its type is the server's text, unmasked: the error (recorded in the audit trail) does not quote it.
        if (event.data !== '') throw new McpError('mcp.upstream_malformed', 'the server sent an SSE event of a type other than message with data; only message events are passed')
        const kept = framing(ctx, event)
        // Nothing left of it (a type, a malformed retry): nothing to send.
        if (Object.keys(kept).length) out.forward += formatSseEvent({ ...kept, data: '' })
        if (kept.id !== undefined) out.eventIds.push(kept.id)
        continue
      }
      const message = await handle(ctx, parseMessage(event.data), out)
      const { id, ...rest } = framing(ctx, event)
      if (id !== undefined) out.eventIds.push(id)
      // A dropped request keeps its event id (the client's resumption cursor) as an empty event.
      if (message === undefined) {
        if (id !== undefined) out.forward += formatSseEvent({ id, data: '', comments: [' warden: a server request was withheld'] })
        continue
      }
      out.forward += formatSseEvent({ ...rest, ...(id === undefined ? {} : { id }), data: message })
    }
    return hidden(ctx, out)
  }
  return {
    push: (text) => run(parser.push(text)),
    end: () => run(parser.end()),
  }
}
