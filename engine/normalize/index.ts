// Raw request → command + risk, by the kind of the target it is addressed to. Never throws: what cannot
// be understood is represented (parse_error, body_error) so the policy can deny it.
import { createHash } from 'node:crypto'
import type { Command, Risk, Target } from '../types.ts'
import { gcpLogRead, normalizeAws, normalizeGcp } from './cloud/index.ts'
import { normalizeHttp, type RawHttpRequest } from './http.ts'
import { httpDigest, httpFingerprint } from './http-digest.ts'
import { normalizeKubernetes } from './kubernetes.ts'
import { mcpIdentity } from './mcp/identity.ts'
import { type McpJudgeContext, normalizeMcp } from './mcp/normalize.ts'
import { cloudRisk } from './risk/cloud.ts'
import { httpRisk } from './risk/http.ts'
import { kubernetesRisk } from './risk/kubernetes.ts'
import { mcpRisk } from './risk/mcp.ts'
import { sqlRisk } from './risk/sql.ts'
import { loadSqlParsers, normalizeMysql, normalizePostgres, type SchemaCatalog } from './sql/index.ts'
import type { NewerSyntax } from './sql/syntax-since.ts'
import type { BoundValues } from '../approvals/review-text.ts'
import { commandDigest, sqlDigest } from './sql-template.ts'

export type { RawHttpRequest } from './http.ts'
export type { McpJudgeContext, McpToolState } from './mcp/normalize.ts'
export { loadSqlParsers }

export type RawRequest =
  | { kind: 'sql'; text: string; prepared?: ReadonlyMap<string, string>; catalog?: SchemaCatalog; bound?: BoundValues; serverVersion?: number }
  | { kind: 'http'; request: RawHttpRequest; mcp?: McpJudgeContext }

export interface Normalized {
  command: Command
  risk: Risk
  /** The request is refused before any policy reads it, and why (a Cloud Logging filter longer than the API accepts). */
  refusal?: string
  /** SQL syntax newer than PostgreSQL 15 in the text: refused when the server is older than its version. */
  newer?: NewerSyntax
}

const sha256 = (text: string | Uint8Array) => createHash('sha256').update(text).digest('hex')

/** `request` is the normalizer's context as is: its `prepared` and `catalog` are read only where needed (sql-cache.ts tracks those reads). */
function normalizeSql(request: Extract<RawRequest, { kind: 'sql' }>, target: Target): Normalized {
  const raw = request.text
  const text = raw
  if (target.kind !== 'postgres' && target.kind !== 'mysql') {
    const sql = { dialect: 'postgres' as const, statements: [], parse_error: `target ${target.name} is a ${target.kind} target; it does not accept SQL` }
    return { command: { protocol: 'postgres', raw, digest: sqlDigest(raw), fingerprint: `mismatch:${sha256(raw)}`, sql }, risk: sqlRisk(sql) }
  }
  const { sql, fingerprint, newer } = target.kind === 'mysql' ? normalizeMysql(text) : normalizePostgres(text, request)
  return { command: { protocol: target.kind, raw, digest: commandDigest(raw, sql.statements), fingerprint, sql }, risk: sqlRisk(sql), ...(newer && { newer }) }
}

function queryText(query: Record<string, string[]>): string {
  const params = new URLSearchParams()
  for (const [name, values] of Object.entries(query)) for (const value of values) params.append(name, value)
  const text = params.toString()
  return text ? `?${text}` : ''
}

function normalizeHttpRequest(request: RawHttpRequest, target: Target, mcpContext?: McpJudgeContext): Normalized {
  const http = normalizeHttp(request)
  // raw is built from the normalized request: the path that was judged, credential query values redacted.
  const raw = `${http.method} ${http.scheme}://${http.host}${http.path}${queryText(http.query)}`
  const digest = httpDigest(http, request, target.kind)
  const base = { raw, digest, http }
  switch (target.kind) {
    case 'kubernetes': {
      const kubernetes = normalizeKubernetes(request)
      return { command: { protocol: 'kubernetes', ...base, fingerprint: httpFingerprint(http), kubernetes }, risk: kubernetesRisk(kubernetes) }
    }
    case 'gcp':
    case 'aws': {
      const cloud = target.kind === 'gcp' ? normalizeGcp(request) : normalizeAws(request)
      const command = { protocol: target.kind, ...base, fingerprint: httpFingerprint(http, `${cloud.provider}:${cloud.method}`), cloud }
      if (cloud.method !== 'logging.entries.list') return { command, risk: cloudRisk(cloud) }
      const { filter, refusal } = gcpLogRead(http)
      cloud.log_filter = filter
      return { command, risk: cloudRisk(cloud), ...(refusal === undefined ? {} : { refusal }) }
    }
    case 'mcp': {
      const mcp = normalizeMcp(http, target.labels.mcp_server ?? target.name, mcpContext)
      const server = mcp.direction === 'server'
      // The JSON-RPC id changes with every call: grants key on what the message asks, not on its id.
      const { raw: mcpRaw, digest: mcpDigest, fingerprint: mcpFingerprint } = mcpIdentity(mcp, http.body)
      const command = { protocol: 'mcp' as const, raw: mcpRaw, digest: mcpDigest, fingerprint: mcpFingerprint, mcp, ...(server ? {} : { http }) }
      return { command, risk: mcpRisk(mcp) }
    }
    default:
      return { command: { protocol: 'http', ...base, fingerprint: httpFingerprint(http) }, risk: httpRisk(http) }
  }
}

export function normalize(request: RawRequest, target: Target): Normalized {
  return request.kind === 'sql' ? normalizeSql(request, target) : normalizeHttpRequest(request.request, target, request.mcp)
}
