// tools/list answers filtered to the tools the caller may call: each tool is judged as a hypothetical
// tools/call (no arguments) through the engine; a tool whose call would be denied is removed. A tool whose call
// would be held stays listed: the caller may call it, and the call waits for a reviewer.
import type { GatewayEngine, SessionState } from '../../../engine/gateway.ts'
import type { McpToolState } from '../../../engine/normalize/index.ts'
import { McpError } from './errors.ts'
import type { McpToolDefinition } from './fingerprint.ts'
import { hypotheticalCallRequest } from './request.ts'

export type CanCall = (tool: McpToolDefinition, state: McpToolState) => boolean

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** The tools of a tools/list result; throws when the result is not one (it cannot then be filtered). */
export function listedTools(result: unknown): McpToolDefinition[] {
  if (!isObject(result) || !Array.isArray(result.tools)) throw new McpError('mcp.upstream_malformed', 'the server answered tools/list without a tools array; the answer was withheld')
  for (const tool of result.tools) {
    if (!isObject(tool) || typeof tool.name !== 'string' || tool.name === '') {
      throw new McpError('mcp.upstream_malformed', 'the server listed a tool without a name; the answer was withheld')
    }
  }
  return result.tools as McpToolDefinition[]
}

/** The result with only the tools `canCall` accepts (other fields, such as nextCursor, kept), and the names removed. */
export function filterToolsList(result: unknown, canCall: CanCall, states: Record<string, McpToolState> = {}): { result: Record<string, unknown>; removed: string[] } {
  const tools = listedTools(result)
  const kept: McpToolDefinition[] = []
  const removed: string[] = []
  for (const tool of tools) {
    const state = Object.hasOwn(states, tool.name) ? states[tool.name]! : { status: 'unseen' as const }
    let ok = false
    try {
      ok = canCall(tool, state)
    } catch {
      // A judge that fails is a deny (fail closed).
      ok = false
    }
    if (ok) kept.push(tool)
    else removed.push(tool.name)
  }
  return { result: { ...(result as Record<string, unknown>), tools: kept }, removed }
}

/** canCall backed by the engine: the tool is listed unless a call to it would be denied for this session. */
export function engineCanCall(engine: Pick<GatewayEngine, 'judge'>, session: SessionState, endpoint: string): CanCall {
  return (tool, state) => engine.judge(hypotheticalCallRequest(session, endpoint, tool.name, state)).decision.effect !== 'deny'
}
