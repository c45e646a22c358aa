// Risk of one MCP message. Deterministic; the score table:
//
//   transport (GET stream, DELETE session), response, notification ... 5   no action on the server
//   initialize, ping, */list ........................................ 10  discovery
//   resources/read, prompts/get, completion/complete ................ 20  reads what the server exposes
//   tools/call ...................................................... 45  runs a tool with the server's privileges
//   tool definition changed since recorded (rug pull) ............... +30
//   tool never seen in a tools/list ................................. +5
//   server→client request (sampling, elicitation, roots …) .......... 60  the server asks the agent to act
//   any other method ................................................ 50  unrecognised method
//   not a well-formed MCP message (parse_error) ..................... at least 60
//
// Levels: see risk/http.ts levelOf.
import type { McpCommand, Risk } from '../../types.ts'
import { riskOf } from './http.ts'

const DISCOVERY = new Set(['initialize', 'ping', 'tools/list', 'resources/list', 'resources/templates/list', 'prompts/list'])
const READS = new Set(['resources/read', 'resources/subscribe', 'resources/unsubscribe', 'prompts/get', 'completion/complete', 'logging/setLevel'])

function base(mcp: McpCommand): [number, string] {
  if (mcp.kind === 'transport') return [5, `transport: ${mcp.method}`]
  if (mcp.kind === 'response') return [5, `response from the ${mcp.direction}`]
  if (mcp.kind === 'notification') return [5, `notification ${mcp.method}`]
  const method = mcp.method ?? ''
  if (mcp.direction === 'server') return [60, `the server asks the client: ${method}`]
  if (DISCOVERY.has(method)) return [10, `discovery: ${method}`]
  if (READS.has(method)) return [20, `read: ${method}`]
  if (method === 'tools/call') return [45, `runs tool ${mcp.tool ?? '?'} on ${mcp.server}`]
  return [50, `unrecognised method ${method || '(none)'}`]
}

export function mcpRisk(mcp: McpCommand): Risk {
  let [score, reason] = base(mcp)
  const reasons = [reason]
  if (mcp.tool_status === 'changed') {
    score += 30
    reasons.push(`tool ${mcp.tool} changed since its definition was recorded`)
  } else if (mcp.tool_status === 'unseen') {
    score += 5
    reasons.push(`tool ${mcp.tool} was never listed through the gateway`)
  }
  if (mcp.parse_error !== undefined) {
    score = Math.max(score, 60)
    reasons.push(`not a well-formed MCP message: ${mcp.parse_error}`)
  }
  return riskOf(score, reasons)
}
