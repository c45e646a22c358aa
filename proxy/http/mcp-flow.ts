// The steps where an `mcp` target differs from a plain HTTP one, for the HTTP core (handler.ts). Routing,
// authentication, canonicalization, the body, the hold and the upstream credential are the core's, unchanged;
// here: the judge request carries the tool registry's view of the tool called; a refusal is a JSON-RPC error,
// not an HTTP one; an approved call to a changed tool trusts its new definition; only the judged message and
// MCP's own headers are forwarded; the answer goes through the MCP processor (mcp-answer.ts); server requests
// it denied are answered to the server (post-back) and, with tools changed or removed, audited. So are changed
// instructions, prompts, resources and templates (mcp/definitions.ts); an approved message relying on them trusts them.
// @see https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#streamable-http
import { Readable } from 'node:stream'
import type { TargetConfig } from '../../engine/config/types.ts'
import type { GatewayEngine, JudgeRequest, SessionState } from '../../engine/gateway.ts'
import type { HoldOutcome } from '../../engine/hold.ts'
import type { RawHttpRequest } from '../../engine/normalize/index.ts'
import type { MaskObligation, McpCommand } from '../../engine/types.ts'
import { decisionId as newDecisionId, HttpGatewayError } from './errors.ts'
import { headerValue } from './headers.ts'
import type { MaskedBody } from './mask-response.ts'
import { mcpAnswer } from './mcp-answer.ts'
import { definitionsKey } from './mcp/definitions.ts'
import { credentialForms } from './response-credential.ts'
import {
  clientJudgeRequest, engineCanCall, engineCanRead, engineCanReadNow, forwardedBody, jsonRpcRefusal, jsonRpcWithheld, type McpEventIds, type McpHeldCalls, type McpIdsInFlight, type McpResponseContext, type McpServerRequests, mcpServerId,
  type McpSessionOwners, mcpReviewText, mcpSummary, messageIds, type ProcessedMessages, serverJudgeRequest, type ToolRegistry,
} from './mcp/index.ts'
import type { GatewayResponse, HeaderList } from './types.ts'
import type { Upstream, UpstreamResponse } from './upstream.ts'

/** The request headers MCP's transport defines, the only ones forwarded to an MCP server (with the gateway's credential). */
const FORWARDED = ['content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id']

export interface McpFlowOptions {
  engine: GatewayEngine
  registry: ToolRegistry
  /** Which caller each Mcp-Session-Id was issued to (one store per gateway). */
  sessions: McpSessionOwners
  /** Which caller each SSE event id was forwarded to (one store per gateway). */
  eventIds: McpEventIds
  /** Server requests forwarded to each caller, which it may answer (one store per gateway). */
  serverRequests: McpServerRequests
  /** Request ids in flight in each MCP session (one store per gateway). */
  inFlight: McpIdsInFlight
  /** Held requests a client may cancel (one store per gateway). */
  held: McpHeldCalls
  maskKey: Uint8Array
  holdSeconds: number
  target: TargetConfig
  session: SessionState
  /** The request as judged (its url is the endpoint policies see). */
  request: RawHttpRequest
  /** The headers as the client sent them. */
  headers: HeaderList
  /** Where the request goes upstream, and how (the gateway's credential). */
  endpoint: URL
  upstream: Upstream
  decisionId: string
}

export interface McpFlow {
  judgeRequest(): Promise<JudgeRequest>
  summary: string
  /** What a reviewer sees of a held message: the summary and its params (never audited). */
  reviewText(): string
  /** The signal a hold of this request waits with: `base`, and the client cancelling the request (notifications/cancelled). */
  holdSignal(base: AbortSignal | undefined): AbortSignal | undefined
  /** The hold is over (whatever its end): the request can no longer be cancelled. */
  settled(): void
  refusal(outcome: Extract<HoldOutcome, { allow: false }>): GatewayResponse
  /**
   * After an allow: an approved call to a changed tool makes its current definition the recorded one; a
   * notifications/cancelled ends the hold of the request it names.
   */
  approved(outcome: Extract<HoldOutcome, { allow: true }>): Promise<void>
  /** What is sent upstream: MCP's headers and, for a POST, the judged message serialized again. */
  outgoing(): { headers: Record<string, string>; body?: Uint8Array }
  answer(res: UpstreamResponse, outcome: Extract<HoldOutcome, { allow: true }>): Promise<MaskedBody>
  /** A server answer `answer` withheld, as a JSON-RPC error with the request's id (502). */
  withheld(err: HttpGatewayError): GatewayResponse
  /** The answer to the client is over (sent whole, or the client gone): the request's id is free again, unless the server may still be running it. */
  over(): void
}

const commandOf = (outcome: HoldOutcome): McpCommand | undefined => outcome.judgement.input.command?.mcp

/** A decision's masks and those of the answer a stream resumes, each once. */
function withResumed(masks: MaskObligation[], resumed: readonly MaskObligation[]): MaskObligation[] {
  if (resumed.length === 0 || resumed === masks) return masks
  const seen = new Set(masks.map((m) => JSON.stringify(m)))
  return [...masks, ...resumed.filter((m) => !seen.has(JSON.stringify(m)))]
}

export function createMcpFlow(o: McpFlowOptions): McpFlow {
  const { engine, session, request } = o
  const endpoint = request.url
  const accept = headerValue(o.headers, 'accept')
  const serverId = mcpServerId(o.target)
  const owner = `${session.identity.issuer}\n${session.identity.sub}`
  const mcpSession = headerValue(o.headers, 'mcp-session-id')
  const lastEventId = headerValue(o.headers, 'last-event-id')
  const ids = request.method.toUpperCase() === 'POST' ? messageIds(request) : {}
  let hold: { signal: AbortSignal; release(): void } | undefined
  let inFlight: (() => void) | undefined
  /** The request went to the server, and the server's answer was read whole (its id is then free again). */
  let sent = false
  let answeredWhole = false
  let answered = false
  /** A resumed stream (Last-Event-ID): the masks of the answer it resumes, which its replay is masked by too. */
  let resumed: readonly MaskObligation[] = []

  function audit(event: string, details: Record<string, unknown>) {
    engine.audit.record({
      type: 'mcp', time: new Date().toISOString(), session_id: session.id, target: o.target.name, decision_id: o.decisionId, event,
      identity: { sub: session.identity.sub, issuer: session.identity.issuer, kind: session.identity.kind }, ...details,
    })
  }

  // A denied server request still waits for its answer on the server: send it the JSON-RPC error, in the same
  // MCP session, with the gateway's credential (never the agent's).
  function postBack(message: unknown, sessionId: string | undefined) {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }
    if (sessionId) headers['mcp-session-id'] = sessionId
    const version = headerValue(o.headers, 'mcp-protocol-version')
    if (version) headers['mcp-protocol-version'] = version
    o.upstream.send({ method: 'POST', url: o.endpoint, headers, body: Buffer.from(JSON.stringify(message)) }, {}).then(
      (reply) => {
        const status = reply.res.statusCode ?? 0
        reply.res.resume()
        if (status >= 300) audit('post_back_failed', { status })
      },
      (err: Error) => audit('post_back_failed', { error: err.message }),
    )
  }

  function onProcessed(p: ProcessedMessages, server: string, sessionId: string | undefined, masks: readonly MaskObligation[]) {
    for (const d of p.denied) audit('server_request_denied', { server, method: d.method, server_request_decision_id: d.decisionId })
    for (const tool of p.changedTools) audit('tool_changed', { server, tool })
    for (const tool of p.removedTools) audit('tool_removed', { server, tool })
    for (const read of p.removedReads) audit('listing_removed', { server, method: read.method, subject: read.subject })
    for (const d of p.changedDefinitions) audit('definition_changed', { server, kind: d.kind, name: d.name })
    if (p.withheldEmbedded > 0) audit('embedded_resources_withheld', { server, count: p.withheldEmbedded })
    for (const id of p.eventIds) o.eventIds.forwarded({ server: serverId, session: sessionId }, id, owner, masks)
    for (const id of p.serverRequests) o.serverRequests.forwarded({ server: serverId, session: sessionId }, id, owner)
    for (const message of p.postBack) postBack(message, sessionId)
  }

  return {
    judgeRequest() {
      // A session is its caller's: another caller's (or an unknown) Mcp-Session-Id is "session not found".
      if (mcpSession !== undefined && !o.sessions.owns(serverId, mcpSession, owner)) {
        return Promise.reject(new HttpGatewayError(404, 'http.mcp_session', 'this Mcp-Session-Id was not issued to this caller through the gateway (or has been forgotten); start a new MCP session with initialize'))
      }
      // So is a stream: a Last-Event-ID this caller was never sent would replay another caller's stream.
      if (lastEventId !== undefined) {
        const masks = o.eventIds.resumable({ server: serverId, session: mcpSession }, lastEventId, owner)
        if (!masks) return Promise.reject(new HttpGatewayError(404, 'http.mcp_session', 'this Last-Event-ID was not sent to this caller in this MCP session through the gateway (or has been forgotten); open the stream without it'))
        resumed = masks
      }
      // A response answers a server request forwarded to this caller, once (mcp/server-requests.ts).
      if (ids.answers !== undefined && !answered) {
        if (ids.answers === null || !o.serverRequests.answer({ server: serverId, session: mcpSession }, ids.answers, owner)) {
          return Promise.reject(new HttpGatewayError(400, 'http.mcp_unrequested', `this response answers no request of the server forwarded to this caller in this MCP session (id ${JSON.stringify(ids.answers)}), or one already answered; it was not forwarded`))
        }
        answered = true
      }
      // One request per id in flight in a session: the server routes answers by id (mcp/ids-in-flight.ts).
      if (mcpSession !== undefined && ids.id !== undefined && inFlight === undefined) {
        inFlight = o.inFlight.take({ server: serverId, session: mcpSession, id: ids.id })
        if (!inFlight) return Promise.reject(new HttpGatewayError(409, 'http.mcp_id_in_use', `a request with JSON-RPC id ${JSON.stringify(ids.id)} is already in flight in this MCP session (or the session had too many in flight, and was ended); MCP asks for a new id for every request of a session`))
      }
      return clientJudgeRequest(session, request, o.registry)
    },
    summary: mcpSummary(o.target, request),
    reviewText: () => mcpReviewText(o.target, request),

    holdSignal(base) {
      if (mcpSession === undefined || ids.id === undefined) return base
      hold ??= o.held.hold({ server: serverId, session: mcpSession, owner, id: ids.id })
      return base ? AbortSignal.any([base, hold.signal]) : hold.signal
    },

    settled() {
      hold?.release()
    },

    refusal(outcome) {
      const mcp = commandOf(outcome)
      const details = { id: mcp?.id, decision: outcome.judgement.decision, decisionId: o.decisionId, accept, parseError: mcp?.parse_error }
      const reply = jsonRpcRefusal(details, outcome, o.holdSeconds)
      return { status: reply.status, headers: reply.headers, body: reply.body }
    },

    async approved(outcome) {
      if (mcpSession !== undefined && ids.cancels !== undefined && o.held.cancel({ server: serverId, session: mcpSession, owner, id: ids.cancels })) {
        audit('held_call_cancelled', { server: serverId, request_id: ids.cancels })
      }
      const mcp = commandOf(outcome)
      if (!outcome.approvalId || !mcp) return
      for (const d of mcp.changed_definitions ?? []) {
        if (await o.registry.accept(definitionsKey(mcp.server, d.kind), d.name, d.fingerprint)) {
          audit('definition_accepted', { server: mcp.server, kind: d.kind, name: d.name, fingerprint: d.fingerprint, approval_id: outcome.approvalId })
        }
      }
      if (!mcp.tool_changed || !mcp.tool || !mcp.tool_fingerprint) return
      if (await o.registry.accept(mcp.server, mcp.tool, mcp.tool_fingerprint)) {
        audit('tool_accepted', { server: mcp.server, tool: mcp.tool, fingerprint: mcp.tool_fingerprint, approval_id: outcome.approvalId })
      }
    },

    outgoing() {
      const headers: Record<string, string> = {}
      for (const name of FORWARDED) {
        const v = headerValue(o.headers, name)
        if (v !== undefined) headers[name] = v
      }
      if (request.method !== 'POST') return { headers }
      const body = forwardedBody(request)
      // Only a JSON message can have been allowed; anything else is refused here too, never forwarded as sent.
      if (!body) throw new HttpGatewayError(400, 'http.body_unreadable', 'an MCP POST must carry one JSON-RPC message')
      // The body is that message as UTF-8 JSON, and says so: a charset the client named (utf-7, shift_jis) would
      // make a server that honours it read other JSON than the policy judged.
      headers['content-type'] = 'application/json'
      sent = true
      return { headers, body }
    },

    async answer(res, outcome) {
      const mcp = commandOf(outcome)
      if (!mcp) throw new HttpGatewayError(500, 'http.internal', 'an allowed MCP request has no command.mcp')
      const issued = res.headers['mcp-session-id']
      // Only a request outside any session (initialize) takes a new id. Within one, the answer names that session,
      // which must still be the caller's: one the gateway ended (ids-in-flight.ts) claimed again by a late answer
      // would let a request id still running on the server be used again.
      if (typeof issued === 'string' && mcpSession !== undefined && (issued !== mcpSession || !o.sessions.owns(serverId, issued, owner))) {
        throw new HttpGatewayError(502, 'http.mcp_failed', 'the MCP server answered with a session id other than the request\'s, or of a session the gateway has ended; the answer was withheld')
      }
      if (typeof issued === 'string' && mcpSession === undefined && !o.sessions.claim(serverId, issued, owner)) {
        throw new HttpGatewayError(502, 'http.mcp_failed', 'the MCP server answered with a session id already issued to another caller; the answer was withheld')
      }
      const sessionId = (issued as string | undefined) ?? headerValue(o.headers, 'mcp-session-id')
      const masks = withResumed(outcome.judgement.decision.obligations.mask, resumed)
      const ctx: McpResponseContext = {
        server: mcp.server,
        request: mcp,
        masks,
        maskKey: o.maskKey,
        registry: o.registry,
        canCall: engineCanCall(engine, session, endpoint),
        canRead: engineCanRead(engine, session, endpoint),
        canReadNow: engineCanReadNow(engine, session, endpoint),
        judgeServerRequest(message) {
          const j = engine.judge(serverJudgeRequest(session, endpoint, message))
          return { allow: j.decision.effect === 'allow', decision: j.decision, decisionId: newDecisionId() }
        },
        credentials: credentialForms(o.upstream.secrets()),
      }
      const out = await mcpAnswer(res, ctx, (p) => onProcessed(p, mcp.server, sessionId, masks))
      if (out.body instanceof Readable) out.body.once('end', () => { answeredWhole = true })
      else answeredWhole = true
      return out
    },

    withheld(err) {
      const reply = jsonRpcWithheld({ id: ids.id, message: err.message, decisionId: o.decisionId })
      return { status: reply.status, headers: reply.headers, body: reply.body }
    },

    over() {
      // A request the server may still be running keeps its id (mcp/ids-in-flight.ts).
      if (!sent || answeredWhole) inFlight?.()
    },
  }
}
