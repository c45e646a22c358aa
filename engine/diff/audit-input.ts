// Rebuilds the input document of a recorded request from what the audit trail keeps, for `warden diff
// --corpus audit`. The trail is redacted, so the rebuilt document is close to what the policy saw, not equal:
//   - SQL is the redacted text (literals are $1, $2 …): rules reading literal values (SET values, function
//     arguments) see parameters; the target's catalog is not available, so stars stay unexpanded;
//   - HTTP requests are their method and normalized URL: no body, no headers;
//   - MCP messages are their method and tool name: no arguments;
//   - the session's grants are not kept: an approved statement is judged without its grant.
// Both policies of a diff see the same rebuilt document, so a flip is still a difference between them.
import { UNREDACTABLE_SQL } from '../audit/sql.ts'
import type { TargetConfig } from '../config/types.ts'
import { buildInput, targetOf } from '../input.ts'
import { normalize, type RawRequest } from '../normalize/index.ts'
import type { Identity, InputDocument } from '../types.ts'
import type { RecordedRequest } from './audit-record.ts'

export type Rebuilt = { input: InputDocument; skip?: undefined } | { input?: undefined; skip: string }

const MCP_URL = 'https://mcp.invalid/mcp'

function identityOf(r: RecordedRequest): Identity | undefined {
  const i = r.identity
  if (!i || typeof i.sub !== 'string' || (i.kind !== 'agent' && i.kind !== 'human')) return undefined
  const groups = Array.isArray(i.groups) ? i.groups.filter((g): g is string => typeof g === 'string') : []
  return { sub: i.sub, issuer: typeof i.issuer === 'string' ? i.issuer : '', groups, kind: i.kind }
}

function mcpRequest(r: RecordedRequest): RawRequest | string {
  const m = r.mcp
  if (!m) return 'the MCP message was not recorded'
  const direction = m.direction === 'server' ? 'server' : 'client'
  if (m.kind === 'transport') {
    return { kind: 'http', request: { method: m.method === 'transport/end_session' ? 'DELETE' : 'GET', url: MCP_URL, headers: {} }, mcp: { direction } }
  }
  if (m.kind !== 'request' && m.kind !== 'notification') return `an MCP ${m.kind ?? 'message'} without a method is not replayed`
  if (typeof m.method !== 'string') return 'the MCP method was not recorded'
  const params = typeof m.tool === 'string' ? { name: m.tool, arguments: {} } : {}
  const body = JSON.stringify({ jsonrpc: '2.0', ...(m.kind === 'request' ? { id: 1 } : {}), method: m.method, params })
  const tools = typeof m.tool === 'string' && m.tool_status ? { [m.tool]: { status: m.tool_status } } : undefined
  return {
    kind: 'http',
    request: { method: 'POST', url: MCP_URL, headers: { 'content-type': 'application/json' }, body },
    mcp: { direction, ...(tools ? { tools } : {}), ...(Array.isArray(m.changed_definitions) ? { changed: m.changed_definitions } : {}) },
  }
}

function rawRequest(r: RecordedRequest, target: TargetConfig): RawRequest | string {
  if (r.kind === 'sql') {
    if (r.command === UNREDACTABLE_SQL || r.command === '') return 'the statement was withheld (it could not be redacted)'
    return { kind: 'sql', text: r.command }
  }
  if (target.kind === 'mcp') return mcpRequest(r)
  const space = r.command.indexOf(' ')
  const url = space < 0 ? '' : r.command.slice(space + 1)
  if (!/^https?:\/\//.test(url)) return 'the request URL was not recorded'
  return { kind: 'http', request: { method: r.command.slice(0, space), url, headers: {} } }
}

/**
 * The input document for a recorded request, or why it cannot be rebuilt. `sessionStart` is when the
 * session's first record was written (the events do not repeat it); the request's own time otherwise.
 */
export function inputFromRecord(r: RecordedRequest, targets: ReadonlyMap<string, TargetConfig>, sessionStart?: string): Rebuilt {
  const targetConfig = r.target === undefined ? undefined : targets.get(r.target)
  if (!targetConfig) return { skip: r.target === undefined ? 'no target was recorded' : `target ${r.target} is not in the config` }
  const identity = identityOf(r)
  if (!identity) return { skip: 'no identity was recorded' }
  const request = rawRequest(r, targetConfig)
  if (typeof request === 'string') return { skip: request }
  const target = targetOf(targetConfig)
  const session = { id: r.session_id ?? 'audit', started_at: sessionStart ?? r.time, grants: [] }
  return { input: buildInput({ identity, session, target, normalized: normalize(request, target) }) }
}
