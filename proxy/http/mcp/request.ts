// Judge requests for MCP traffic, built the one way the engine expects them: the client's POST (with the
// registry's view of the tool it calls), a request the server sends on its stream (direction `server`), and a
// hypothetical tools/call used to filter tools/list. The HTTP core passes each to engine.judge / judgeAndHold.
import type { TargetConfig } from '../../../engine/config/types.ts'
import type { HttpJudgeRequest, SessionState } from '../../../engine/gateway.ts'
import type { McpToolState, RawHttpRequest } from '../../../engine/normalize/index.ts'
import type { ToolRegistry } from './fingerprint.ts'

/** What engine.judge and judgeAndHold take for HTTP-kind targets. */
export type McpJudgeRequest = { kind: 'http' } & HttpJudgeRequest

/** The server id policies see (command.mcp.server) and the registry keys on: `mcp.server`, else the target name. */
export const mcpServerId = (target: TargetConfig): string => target.mcp?.server ?? target.name

function toolCalled(body: RawHttpRequest['body']): string | undefined {
  if (body === undefined) return undefined
  try {
    const message = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8')) as unknown
    if (message === null || typeof message !== 'object' || Array.isArray(message)) return undefined
    const { method, params } = message as { method?: unknown; params?: { name?: unknown } }
    return method === 'tools/call' && typeof params?.name === 'string' ? params.name : undefined
  } catch {
    // Not JSON: the normalizer reports it as parse_error, and the policy denies it.
    return undefined
  }
}

/** A short text naming the request for the approvals list and the audit trail (no arguments: they may hold secrets). */
export function mcpSummary(target: TargetConfig, request: RawHttpRequest): string {
  const method = request.method.toUpperCase()
  if (method !== 'POST') return `MCP ${mcpServerId(target)}: ${method === 'GET' ? 'open stream' : method === 'DELETE' ? 'end session' : method}`
  const tool = toolCalled(request.body)
  return `MCP ${mcpServerId(target)}: ${tool === undefined ? 'message' : `tools/call ${tool}`}`
}

/** The judge request for a client's POST, GET or DELETE to an MCP target: a tools/call carries its tool's state. */
export async function clientJudgeRequest(session: SessionState, request: RawHttpRequest, registry: ToolRegistry): Promise<McpJudgeRequest> {
  const tool = request.method.toUpperCase() === 'POST' ? toolCalled(request.body) : undefined
  const tools = tool === undefined ? undefined : await registry.states(mcpServerId(session.target), [tool])
  return { kind: 'http', session, request, mcp: { direction: 'client', ...(tools ? { tools } : {}) } }
}

/** The judge request for a JSON-RPC request the server sent on a response stream (sampling, elicitation, roots …). */
export function serverJudgeRequest(session: SessionState, endpoint: string, message: unknown): McpJudgeRequest {
  const request: RawHttpRequest = { method: 'POST', url: endpoint, headers: { 'content-type': 'application/json' }, body: JSON.stringify(message) }
  return { kind: 'http', session, request, mcp: { direction: 'server' } }
}

/** The judge request for a call to `tool` with no arguments, as if the client made it now (tools/list filtering). */
export function hypotheticalCallRequest(session: SessionState, endpoint: string, tool: string, state: McpToolState): McpJudgeRequest {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'tools/call', params: { name: tool, arguments: {} } })
  const request: RawHttpRequest = { method: 'POST', url: endpoint, headers: { 'content-type': 'application/json' }, body }
  return { kind: 'http', session, request, mcp: { direction: 'client', tools: { [tool]: state } } }
}
