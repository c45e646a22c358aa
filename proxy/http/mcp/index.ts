// MCP over streamable HTTP, for the HTTP gateway core: pure translation between the wire and the engine, no
// sockets. A target of kind `mcp` is routed like any HTTP-kind target; the core (../mcp-flow.ts) then calls, per request:
//
//   const jr = await clientJudgeRequest(session, rawRequest, registry)      // adds the tool's fingerprint state
//   const outcome = await judgeAndHold(engine, jr, { summary: mcpSummary(target, rawRequest), … })
//   const mcp = outcome.judgement.input.command.mcp
//   if (!outcome.allow) reply(jsonRpcRefusal({ id: mcp?.id, decision, decisionId, accept, parseError: mcp?.parse_error }, outcome, holdSeconds))
//   (held: the hold's signal also ends when the client cancels the request, McpHeldCalls)
//   if (outcome.approvalId && mcp?.tool_changed) await registry.accept(mcp.server, mcp.tool!, mcp.tool_fingerprint!)
//   forward (POST with body forwardedBody(rawRequest), GET or DELETE; headers content-type, accept, mcp-session-id, mcp-protocol-version, last-event-id)
//   upstream answer (tools, resources, templates and prompts listed filtered to what the caller may use):
//     application/json → processJsonBody(ctx, text); text/event-stream → createStreamProcessor(ctx),
//     push() each decoded chunk, write `forward`, POST each `postBack` message to the same endpoint with the
//     answer's Mcp-Session-Id (and the gateway's credential); audit `denied`, `changedTools`, `removedTools`;
//     an McpError ends the stream (or is a 502 before headers): nothing unprocessed is forwarded
//   ctx = { server: mcp.server, request: mcp, masks: decision.obligations.mask, maskKey, registry,
//           canCall: engineCanCall(engine, session, endpoint), canRead: engineCanRead(engine, session, endpoint),
//           canReadNow: engineCanReadNow(engine, session, endpoint),
//           judgeServerRequest: (m) => { const j = engine.judge(serverJudgeRequest(session, endpoint, m));
//                                        return { allow: j.decision.effect === 'allow', decision: j.decision, decisionId } } }
//
// proxy/http/mcp-flow.ts is this flow in the gateway, and proxy/http/mcp.test.ts drives it with the SDK's client.
export { McpError, type McpErrorCode } from './errors.ts'
export { createMemoryToolRegistry, type McpToolDefinition, type ObservedTools, toolFingerprint, type ToolRegistry } from './fingerprint.ts'
export {
  type DenialDetails, denialError, encodeMessage, type HeldEnd, JSONRPC_DENIED, JSONRPC_HELD, JSONRPC_INVALID_REQUEST,
  JSONRPC_WITHHELD, type JsonRpcErrorMessage, jsonRpcDenial, jsonRpcHeldTimeout, jsonRpcRefusal, jsonRpcWithheld, type McpReply,
} from './jsonrpc-reply.ts'
export { createMcpEventIds, type McpEventIds } from './event-ids.ts'
export { createMcpHeldCalls, type McpHeldCalls } from './held-calls.ts'
export { createMcpIdsInFlight, type McpIdsInFlight } from './ids-in-flight.ts'
export { type CanRead, engineCanRead, engineCanReadNow } from './listings.ts'
export { maskRpcMessage, maskText } from './mask.ts'
export { clientJudgeRequest, forwardedBody, hypotheticalCallRequest, type McpJudgeRequest, mcpReviewText, mcpServerId, mcpSummary, messageIds, serverJudgeRequest } from './request.ts'
export {
  createStreamProcessor, type McpResponseContext, type McpStreamProcessor, type ProcessedMessages, processJsonBody,
  type ServerRequestJudgement,
} from './response.ts'
export { createMcpServerRequests, type McpServerRequests } from './server-requests.ts'
export { createMcpSessionOwners, type McpSessionOwners } from './session-owners.ts'
export { createSseParser, formatSseEvent, type SseEvent } from './sse.ts'
export { type CanCall, engineCanCall, filterToolsList } from './tools-list.ts'
