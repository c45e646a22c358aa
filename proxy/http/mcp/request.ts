// Judge requests for MCP traffic, built the one way the engine expects them: the client's POST (with the
// registry's view of the tool it calls), a request the server sends on its stream (direction `server`), and a
// hypothetical tools/call used to filter tools/list. The HTTP core passes each to engine.judge / judgeAndHold.
import { reviewJson } from '../../../engine/approvals/index.ts'
import type { TargetConfig } from '../../../engine/config/types.ts'
import type { HttpJudgeRequest, SessionState } from '../../../engine/gateway.ts'
import { normalizeHttp } from '../../../engine/normalize/http.ts'
import type { McpToolState, RawHttpRequest } from '../../../engine/normalize/index.ts'
import { changedDefinitions } from './definitions.ts'
import type { ToolRegistry } from './fingerprint.ts'

/** What engine.judge and judgeAndHold take for HTTP-kind targets. */
export type McpJudgeRequest = { kind: 'http' } & HttpJudgeRequest

/** The server id policies see (command.mcp.server) and the registry keys on: `mcp.server`, else the target name. */
export const mcpServerId = (target: TargetConfig): string => target.mcp?.server ?? target.name

// The message exactly as the normalizer reads it (same decoding, BOM and size rules), so the tool looked up in
// the registry is the tool the policy judges.
function parsedMessage(request: RawHttpRequest): unknown {
  if (request.body === undefined) return undefined
  return normalizeHttp({ method: 'POST', url: request.url, headers: request.headers, body: request.body }).body
}

function toolCalled(request: RawHttpRequest): string | undefined {
  const message = parsedMessage(request)
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return undefined
  const { method, params } = message as { method?: unknown; params?: { name?: unknown } }
  return method === 'tools/call' && typeof params?.name === 'string' ? params.name : undefined
}

const isId = (v: unknown): v is string | number => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))

/**
 * What a POST's message says about request ids: `id`, the id of a request (a message with a method and an id);
 * `cancels`, the request a notifications/cancelled names; `answers`, the server request a response answers.
 */
export function messageIds(request: RawHttpRequest): { id?: string | number; cancels?: string | number; answers?: string | number | null } {
  const message = parsedMessage(request)
  if (message === null || typeof message !== 'object' || Array.isArray(message)) return {}
  const { method, id, params } = message as { method?: unknown; id?: unknown; params?: { requestId?: unknown } }
  if (method === undefined && (isId(id) || id === null) && (Object.hasOwn(message, 'result') || Object.hasOwn(message, 'error'))) return { answers: id }
  if (typeof method !== 'string') return {}
  if (isId(id)) return { id }
  if (method === 'notifications/cancelled' && id === undefined && isId(params?.requestId)) return { cancels: params.requestId }
  return {}
}

/**
 * The body to forward for a judged POST: the parsed message serialized again, so the server reads what the
 * policy read (a duplicate key, a BOM or odd whitespace cannot make the two disagree). Undefined when the body
 * was not a JSON message; such a request is denied, never forwarded.
 */
export function forwardedBody(request: RawHttpRequest): Buffer<ArrayBuffer> | undefined {
  const message = parsedMessage(request)
  return message === undefined ? undefined : Buffer.from(JSON.stringify(message))
}

/** Longest JSON-RPC method a summary names as it was sent. */
const MAX_SUMMARY_METHOD = 100

/**
 * A short text naming the request for the approvals list and the audit trail (no arguments: they may hold secrets).
 * It names the JSON-RPC method: as "message", a held resources/subscribe or completion/complete read to its
 * reviewer like a resources/read or prompts/get of the same params.
 */
export function mcpSummary(target: TargetConfig, request: RawHttpRequest): string {
  const method = request.method.toUpperCase()
  if (method !== 'POST') return `MCP ${mcpServerId(target)}: ${method === 'GET' ? 'open stream' : method === 'DELETE' ? 'end session' : method}`
  const tool = toolCalled(request)
  if (tool !== undefined) return `MCP ${mcpServerId(target)}: tools/call ${tool}`
  const message = parsedMessage(request)
  const rpc = message !== null && typeof message === 'object' && !Array.isArray(message) ? (message as { method?: unknown }).method : undefined
  const named = typeof rpc === 'string' && rpc !== '' && rpc.length <= MAX_SUMMARY_METHOD ? rpc : 'message'
  return `MCP ${mcpServerId(target)}: ${named}`
}

/**
 * What a reviewer is shown for a held message: the summary, then the message's params (a tool's arguments, a
 * uri, a prompt's arguments) as escaped JSON, so the reviewer approves the call that will run, not its name.
 * Kept out of the audit trail, like the review text of a SQL statement's values.
 */
export function mcpReviewText(target: TargetConfig, request: RawHttpRequest): string {
  const summary = mcpSummary(target, request)
  const message = parsedMessage(request)
  if (message === null || typeof message !== 'object' || Array.isArray(message) || !Object.hasOwn(message, 'params')) return summary
  return `${summary}\nparams: ${reviewJson((message as { params: unknown }).params)}`
}

/**
 * The judge request for a client's POST, GET or DELETE to an MCP target: a tools/call carries its tool's state,
 * and a message acting on what the server described the definitions it relies on that changed (definitions.ts).
 */
export async function clientJudgeRequest(session: SessionState, request: RawHttpRequest, registry: ToolRegistry): Promise<McpJudgeRequest> {
  const post = request.method.toUpperCase() === 'POST'
  const server = mcpServerId(session.target)
  const tool = post ? toolCalled(request) : undefined
  const tools = tool === undefined ? undefined : await registry.states(server, [tool])
  const changed = post ? await changedDefinitions(registry, server, parsedMessage(request)) : []
  return { kind: 'http', session, request, mcp: { direction: 'client', ...(tools ? { tools } : {}), ...(changed.length ? { changed } : {}) } }
}

/** The judge request for a JSON-RPC request the server sent on a response stream (sampling, elicitation, roots …). */
export function serverJudgeRequest(session: SessionState, endpoint: string, message: unknown): McpJudgeRequest {
  const request: RawHttpRequest = { method: 'POST', url: endpoint, headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) }
  return { kind: 'http', session, request, mcp: { direction: 'server' } }
}

function hypothetical(endpoint: string, method: string, params: Record<string, unknown>): RawHttpRequest {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 0, method, params })
  return { method: 'POST', url: endpoint, headers: { 'content-type': 'application/json' }, body }
}

/** The judge request for a call to `tool` with no arguments, as if the client made it now (tools/list filtering). */
export function hypotheticalCallRequest(session: SessionState, endpoint: string, tool: string, state: McpToolState): McpJudgeRequest {
  const request = hypothetical(endpoint, 'tools/call', { name: tool, arguments: {} })
  return { kind: 'http', session, request, mcp: { direction: 'client', tools: { [tool]: state } } }
}

const READ_PARAMS = {
  'resources/read': (subject: string) => ({ uri: subject }),
  'prompts/get': (subject: string) => ({ name: subject }),
  'completion/complete': (template: string) => ({ ref: { type: 'ref/resource', uri: template }, argument: { name: '', value: '' } }),
}

/**
 * The judge request for a resources/read, prompts/get or (a resource template) completion/complete, as if the
 * client made it now (listings).
 */
export function hypotheticalReadRequest(session: SessionState, endpoint: string, read: { method: keyof typeof READ_PARAMS; subject: string }): McpJudgeRequest {
  return { kind: 'http', session, request: hypothetical(endpoint, read.method, READ_PARAMS[read.method](read.subject)), mcp: { direction: 'client' } }
}
