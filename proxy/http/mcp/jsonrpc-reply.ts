// A denial or an unanswered hold, as MCP clients understand it: a JSON-RPC error response (not an HTTP error)
// with the id of the request it answers, sent as application/json or as a one-event text/event-stream, as the
// client accepted. Messages without an id (notifications, responses) cannot be answered; the streamable HTTP
// transport says to refuse them with an HTTP error status, whose body MAY be a JSON-RPC error with no id.
// @see https://www.jsonrpc.org/specification#error_object
// @see https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#sending-messages-to-the-server

import type { HoldOutcome } from '../../../engine/hold.ts'
import type { Decision, Reason } from '../../../engine/types.ts'

/** JSON-RPC "server error" codes (-32000 … -32099 are reserved for implementation-defined server errors). */
export const JSONRPC_DENIED = -32001
/** Held for approval and not approved: rejected, expired, cancelled, or still denied after approval. */
export const JSONRPC_HELD = -32002
/** The server's answer was withheld: it could not be processed (masked, filtered, judged) as MCP. */
export const JSONRPC_WITHHELD = -32003
/** JSON-RPC 2.0 Invalid Request: the message is not a well-formed JSON-RPC request (command.mcp.parse_error). */
export const JSONRPC_INVALID_REQUEST = -32600

export type JsonRpcId = string | number | null

export interface JsonRpcErrorObject {
  code: number
  message: string
  data?: Record<string, unknown>
}

export interface JsonRpcErrorMessage {
  jsonrpc: '2.0'
  id: JsonRpcId
  error: JsonRpcErrorObject
}

/** A whole HTTP answer, shaped like the HTTP core's GatewayResponse. */
export interface McpReply {
  status: number
  headers: Record<string, string>
  body: Uint8Array
}

export interface DenialDetails {
  /** The id of the request being answered; null (or undefined) for a message that had none. */
  id: JsonRpcId | undefined
  decision: Pick<Decision, 'reasons'>
  decisionId: string
  approvalId?: string
  /** The client's Accept header: application/json is preferred; text/event-stream when it is the only one. */
  accept?: string
  /** command.mcp.parse_error, when the message was refused for being malformed. */
  parseError?: string
}

export type HeldEnd = 'rejected' | 'expired' | 'cancel' | 'disconnect' | 'still_denied'

const reasonText = (reasons: readonly Reason[]) => reasons.map((r) => r.message).join('; ') || 'no reason given'

function errorData(d: DenialDetails): Record<string, unknown> {
  return { decision_id: d.decisionId, ...(d.approvalId ? { approval_id: d.approvalId } : {}), reasons: d.decision.reasons }
}

/** Whether the client asked for an event stream only (no application/json, no wildcard). */
export function prefersEventStream(accept: string | undefined): boolean {
  const types = (accept ?? '').split(',').map((part) => part.split(';', 1)[0]!.trim().toLowerCase())
  return types.includes('text/event-stream') && !types.some((t) => t === 'application/json' || t === '*/*' || t === 'application/*')
}

/** Encodes one JSON-RPC message as the body of an answer to a POST, in the form the client accepts. */
export function encodeMessage(message: unknown, accept: string | undefined, status = 200, extraHeaders: Record<string, string> = {}): McpReply {
  const json = JSON.stringify(message)
  if (prefersEventStream(accept) && status === 200) {
    return { status, headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...extraHeaders }, body: Buffer.from(`event: message\ndata: ${json}\n\n`) }
  }
  const body = Buffer.from(json)
  return { status, headers: { 'content-type': 'application/json', 'content-length': String(body.byteLength), ...extraHeaders }, body }
}

/** The JSON-RPC error message for a request the policy denied. */
export function denialError(d: DenialDetails): JsonRpcErrorMessage {
  if (d.parseError !== undefined) {
    return { jsonrpc: '2.0', id: d.id ?? null, error: { code: JSONRPC_INVALID_REQUEST, message: `warden: invalid request: ${d.parseError}`, data: errorData(d) } }
  }
  return { jsonrpc: '2.0', id: d.id ?? null, error: { code: JSONRPC_DENIED, message: `warden: denied: ${reasonText(d.decision.reasons)}`, data: errorData(d) } }
}

/**
 * The answer to a denied POST: a JSON-RPC error with the request's id (HTTP 200); for a message with no id
 * (notification, response) HTTP 403, or 400 when it is malformed, with the error and id null.
 */
export function jsonRpcDenial(d: DenialDetails): McpReply {
  const message = denialError(d)
  const headers = { 'x-warden-decision-id': d.decisionId, ...(d.approvalId ? { 'x-warden-approval': d.approvalId } : {}) }
  if (d.id === undefined || d.id === null) return encodeMessage(message, d.accept, d.parseError !== undefined ? 400 : 403, headers)
  return encodeMessage(message, d.accept, 200, headers)
}

const HELD_TEXT: Record<HeldEnd, (id: string, holdSeconds: number) => string> = {
  rejected: (id) => `held for approval ${id}; a reviewer rejected it`,
  expired: (id, s) => `held for approval ${id}; no reviewer approved it within ${s}s, so it ended unforwarded and can no longer be approved; send it again: it is held as a new request, for a reviewer to approve while it waits`,
  cancel: (id) => `held for approval ${id}; the hold was cancelled`,
  disconnect: (id) => `held for approval ${id}; the client went away`,
  still_denied: (id) => `approved as ${id} but still not allowed`,
}

/** The answer to a held request that was not approved in time (or was rejected): code -32002, naming the approval. */
export function jsonRpcHeldTimeout(d: DenialDetails & { approvalId: string; why: HeldEnd; holdSeconds: number }): McpReply {
  const text = HELD_TEXT[d.why](d.approvalId, d.holdSeconds)
  const reasons = d.decision.reasons.length ? `: ${reasonText(d.decision.reasons)}` : ''
  const message: JsonRpcErrorMessage = { jsonrpc: '2.0', id: d.id ?? null, error: { code: JSONRPC_HELD, message: `warden: ${text}${reasons}`, data: { ...errorData(d), held: d.why } } }
  const headers = { 'x-warden-decision-id': d.decisionId, 'x-warden-approval': d.approvalId }
  return encodeMessage(message, d.accept, d.id === undefined || d.id === null ? 403 : 200, headers)
}

/**
 * The answer to a request judgeAndHold did not allow: a denial; a hold that ended without approval (-32002); or,
 * when the approval store could not hold it, a denial that says why.
 */
export function jsonRpcRefusal(d: DenialDetails, outcome: Extract<HoldOutcome, { allow: false }>, holdSeconds: number): McpReply {
  if (outcome.why === 'unavailable') {
    const reasons = [...d.decision.reasons, { rule: 'warden.approvals', message: `could not hold for approval: ${outcome.message}` }]
    return jsonRpcDenial({ ...d, decision: { reasons }, ...(outcome.approvalId ? { approvalId: outcome.approvalId } : {}) })
  }
  if (outcome.why === 'denied' || !outcome.approvalId) return jsonRpcDenial(d)
  return jsonRpcHeldTimeout({ ...d, approvalId: outcome.approvalId, why: outcome.why, holdSeconds })
}

/**
 * The answer to a request whose server answer was withheld (HTTP 502, as the gateway's other failed answers): a
 * JSON-RPC error with the request's id, so a client reads why its request failed.
 */
export function jsonRpcWithheld(d: { id: JsonRpcId | undefined; message: string; decisionId: string }): McpReply {
  const message: JsonRpcErrorMessage = { jsonrpc: '2.0', id: d.id ?? null, error: { code: JSONRPC_WITHHELD, message: `warden: ${d.message}`, data: { decision_id: d.decisionId } } }
  return encodeMessage(message, 'application/json', 502, { 'x-warden-decision-id': d.decisionId })
}
