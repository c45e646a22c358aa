// The keys a grant matches for an MCP message, and its audit text. The JSON-RPC id changes with every call, so
// neither key contains it: an approved tool call is covered when the agent retries it. The tool's fingerprint is
// in both keys, so a grant given for one definition of a tool never covers a changed one (a "rug pull"); so are
// the changed instructions, prompt, resource or template a message relies on.
// The digest covers the message's whole params, as the reviewer was shown them (_meta, a task, fields newer
// than this code: a server may act on any of them), but for _meta.progressToken, which a client makes anew for
// each call as it does the id.
// raw names the method and tool only: arguments may hold secrets, and raw is written to the audit log.
import { createHash } from 'node:crypto'
import type { McpCommand } from '../../types.ts'
import { canonicalJson } from './canonical-json.ts'

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

export interface McpKeys {
  raw: string
  /** Scope `statement`: the exact message (method, tool, arguments, uri, prompt, tool definition). */
  digest: string
  /** Scope `fingerprint`: its shape (method and tool, any arguments). */
  fingerprint: string
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

/** The params of a message (its parsed body), without the per-call progress token. */
function paramsOf(body: unknown): Record<string, unknown> | undefined {
  if (!isObject(body) || !isObject(body.params)) return undefined
  const params = body.params
  if (!isObject(params._meta) || !Object.hasOwn(params._meta, 'progressToken')) return params
  const { progressToken: _, ...meta } = params._meta
  return { ...params, _meta: meta }
}

/** `body`: the message as parsed (its params are part of the digest). */
export function mcpIdentity(mcp: McpCommand, body?: unknown): McpKeys {
  const what = mcp.tool ?? mcp.uri ?? mcp.prompt
  const raw = `mcp ${mcp.server} ${mcp.direction === 'server' ? 'server→client ' : ''}${mcp.method ?? mcp.kind}${what === undefined ? '' : ` ${what}`}`
  const shape = { server: mcp.server, direction: mcp.direction, kind: mcp.kind, method: mcp.method, tool: mcp.tool, tool_fingerprint: mcp.tool_fingerprint, changed_definitions: mcp.changed_definitions }
  const exact = { ...shape, arguments: mcp.arguments, uri: mcp.uri, prompt: mcp.prompt, parse_error: mcp.parse_error, params: paramsOf(body) }
  return { raw, digest: sha256(`mcp\n${canonicalJson(exact)}`), fingerprint: sha256(`mcp-shape\n${canonicalJson(shape)}`) }
}
