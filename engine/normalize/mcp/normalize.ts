// An MCP message over streamable HTTP → McpCommand. The client's messages arrive as POST bodies; GET opens the
// stream on which the server sends its own requests; DELETE ends the session. A server→client request (one
// event of that stream) is judged the same way with direction `server`. Never throws: what cannot be read is
// a parse_error, which the policy denies.
// @see https://modelcontextprotocol.io/specification/2025-06-18/basic/transports#streamable-http
import type { HttpCommand, McpChangedDefinition, McpCommand, McpToolStatus } from '../../types.ts'
import { parseJsonRpc, type JsonRpcMessage } from './jsonrpc.ts'
import { templateProblem, uriProblem } from './uri.ts'

/** What the gateway knows about one tool's definition (from its fingerprint registry). */
export interface McpToolState {
  status: McpToolStatus
  /** sha256 of the tool's current canonical definition; absent when never seen. */
  fingerprint?: string
}

/** Context the HTTP core adds to an MCP request: who sent the message, and the registry's view of its tools. */
export interface McpJudgeContext {
  /** `client` (default): a POST body. `server`: a request the server sent on the response stream. */
  direction?: 'client' | 'server'
  /** Tool name → state, for the tools the message names (see proxy/http/mcp/fingerprint.ts `toolContext`). */
  tools?: Record<string, McpToolState>
  /** The definitions the message relies on that changed since recorded (proxy/http/mcp/definitions.ts). */
  changed?: McpChangedDefinition[]
}

/** The methods that act on what a server described: its instructions, and the tool, prompt or resource named. */
const ACTING = new Set(['tools/call', 'resources/read', 'resources/subscribe', 'prompts/get', 'completion/complete'])

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

function failed(base: McpCommand, error: string): McpCommand {
  return { ...base, parse_error: error }
}

function withUriChecked(out: McpCommand, uri: string): McpCommand {
  const problem = uriProblem(uri)
  return problem === undefined ? out : failed(out, problem)
}

function messageFields(base: McpCommand, message: JsonRpcMessage, context: McpJudgeContext): McpCommand {
  if (message.kind === 'response') return { ...base, kind: 'response', id: message.id }
  const out: McpCommand = { ...base, kind: message.kind, method: message.method }
  if (message.kind === 'request') out.id = message.id
  const params = message.params ?? {}
  switch (message.method) {
    case 'tools/call': {
      if (typeof params.name !== 'string' || params.name === '') return failed(out, 'tools/call needs params.name, the tool\'s name')
      if (params.arguments !== undefined && !isObject(params.arguments)) return failed(out, 'tools/call params.arguments must be an object')
      out.tool = params.name
      out.arguments = (params.arguments as Record<string, unknown> | undefined) ?? {}
      const state = Object.hasOwn(context.tools ?? {}, params.name) ? context.tools![params.name] : undefined
      out.tool_status = state?.status ?? 'unseen'
      out.tool_changed = out.tool_status === 'changed'
      if (state?.fingerprint) out.tool_fingerprint = state.fingerprint
      return out
    }
    case 'resources/read':
    case 'resources/subscribe':
    case 'resources/unsubscribe':
      if (typeof params.uri !== 'string') return failed(out, `${message.method} needs params.uri, the resource's URI`)
      out.uri = params.uri
      // The policy's globs read the URI's text: only its canonical spelling is judged (uri.ts).
      return withUriChecked(out, params.uri)
    case 'completion/complete': {
      // Completion suggests values for a prompt's argument or a resource template's variable: it reads that
      // prompt or resource, and is judged by the same lists. A ref of another type names nothing to judge.
      const ref = isObject(params.ref) ? params.ref : {}
      if (ref.type === 'ref/prompt' && typeof ref.name === 'string' && ref.name !== '') out.prompt = ref.name
      else if (ref.type === 'ref/resource' && typeof ref.uri === 'string') out.uri = ref.uri
      else return failed(out, 'completion/complete needs params.ref: {type: "ref/prompt", name} or {type: "ref/resource", uri}')
      // A resource template is judged, as a URI is, only in its canonical form (uri.ts).
      if (out.uri !== undefined) {
        const problem = templateProblem(out.uri)
        if (problem !== undefined) return failed(out, problem)
      }
      return out
    }
    case 'prompts/get':
      if (typeof params.name !== 'string' || params.name === '') return failed(out, 'prompts/get needs params.name, the prompt\'s name')
      out.prompt = params.name
      return out
    default:
      return out
  }
}

/** Normalizes one MCP HTTP request (already parsed as HTTP by normalizeHttp) addressed to `server`. */
export function normalizeMcp(http: HttpCommand, server: string, context: McpJudgeContext = {}): McpCommand {
  const direction = context.direction ?? 'client'
  const base: McpCommand = { server, direction, kind: 'request' }
  if (direction === 'client' && http.method === 'GET') return { ...base, kind: 'transport', method: 'transport/open_stream' }
  if (direction === 'client' && http.method === 'DELETE') return { ...base, kind: 'transport', method: 'transport/end_session' }
  if (direction === 'client' && http.method !== 'POST') return failed(base, `MCP streamable HTTP takes POST, GET and DELETE, not ${http.method || '(none)'}`)
  if (http.body_error !== undefined) return failed(base, `the body is not a JSON-RPC message: ${http.body_error}`)
  if (http.body === undefined) return failed(base, 'the body is empty; a JSON-RPC message was expected')
  const parsed = parseJsonRpc(http.body)
  if (!parsed.ok) return failed(parsed.id === undefined ? base : { ...base, id: parsed.id }, parsed.error)
  const out = messageFields(base, parsed.message, context)
  if (direction === 'client' && out.method !== undefined && ACTING.has(out.method) && context.changed?.length) out.changed_definitions = context.changed
  return out
}
