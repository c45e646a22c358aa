// Raw request → command + risk, by the kind of the target it is addressed to. Never throws: what cannot
// be understood is represented (parse_error, body_error) so the policy can deny it.
import { createHash } from 'node:crypto'
import type { Command, Risk, Target } from '../types.ts'
import { gcpLogRead, normalizeAws, normalizeGcp } from './cloud/index.ts'
import { withoutIdempotencyToken } from './idempotency-token.ts'
import { normalizeHttp, parseQueryString, parseRequestTarget, type RawHttpRequest } from './http.ts'
import { normalizeKubernetes } from './kubernetes.ts'
import { mcpIdentity } from './mcp/identity.ts'
import { type McpJudgeContext, normalizeMcp } from './mcp/normalize.ts'
import { cloudRisk } from './risk/cloud.ts'
import { httpRisk } from './risk/http.ts'
import { kubernetesRisk } from './risk/kubernetes.ts'
import { mcpRisk } from './risk/mcp.ts'
import { sqlRisk } from './risk/sql.ts'
import { loadSqlParsers, normalizeMysql, normalizePostgres, type SchemaCatalog } from './sql/index.ts'
import type { BoundValues } from '../approvals/review-text.ts'
import { commandDigest, sqlDigest } from './sql-template.ts'

export type { RawHttpRequest } from './http.ts'
export type { McpJudgeContext, McpToolState } from './mcp/normalize.ts'
export { loadSqlParsers }

export type RawRequest =
  | { kind: 'sql'; text: string; prepared?: ReadonlyMap<string, string>; catalog?: SchemaCatalog; bound?: BoundValues }
  | { kind: 'http'; request: RawHttpRequest; mcp?: McpJudgeContext }

export interface Normalized {
  command: Command
  risk: Risk
  /** The request is refused before any policy reads it, and why (a Cloud Logging filter longer than the API accepts). */
  refusal?: string
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
  const { sql, fingerprint } = target.kind === 'mysql' ? normalizeMysql(text) : normalizePostgres(text, request)
  return { command: { protocol: target.kind, raw, digest: commandDigest(raw, sql.statements), fingerprint, sql }, risk: sqlRisk(sql) }
}

function queryText(query: Record<string, string[]>): string {
  const params = new URLSearchParams()
  for (const [name, values] of Object.entries(query)) for (const value of values) params.append(name, value)
  const text = params.toString()
  return text ? `?${text}` : ''
}

/**
 * Kept headers that do not change what a request does and change from one send of it to the next (a signing
 * date, a request id, a client's version, the answer's format), left out of the digest so that the retry a
 * statement grant was given for matches it. Every other kept header (X-Amz-Target naming the operation, a method
 * override, Impersonate-*, an ACL, a copy source, the body's type …) is in it.
 */
const DIGEST_IGNORES = new Set([
  'accept', 'accept-encoding', 'content-length', 'transfer-encoding', 'user-agent', 'x-request-id',
  'x-amz-date', 'x-amz-content-sha256', 'x-amz-decoded-content-length', 'x-goog-api-client',
])

/**
 * What a statement grant matches: the request as forwarded, not as the input shows it. The method, the judged
 * URL with its query values (credential-like ones too, which raw shows redacted: `secretId`, `pageToken` name
 * what is acted on), the kept headers that change what the upstream does, and the body.
 */
function httpDigest(http: ReturnType<typeof normalizeHttp>, request: RawHttpRequest, kind: Target['kind']): string {
  const { rawQuery } = parseRequestTarget(String(request.url ?? ''), request.headers)
  const raw = request.body ?? ''
  const body = kind === 'aws' ? awsBody(raw, http) : raw
  const url = `${http.method} ${http.scheme}://${http.host}${http.path}${queryText(parseQueryString(rawQuery))}`
  return sha256(JSON.stringify([url, operationHeaders(http), typeof body === 'string' ? body : Buffer.from(body).toString('base64')]))
}

/** An AWS body without the idempotency token the CLI draws anew on each run (latin1 maps bytes 1:1 to text). */
function awsBody(body: string | Uint8Array, http: ReturnType<typeof normalizeHttp>): string | Uint8Array {
  const type = http.headers['content-type']
  if (typeof body === 'string') return withoutIdempotencyToken(body, type, http.body)
  return Buffer.from(withoutIdempotencyToken(Buffer.from(body).toString('latin1'), type, http.body), 'latin1')
}

const operationHeaders = (http: ReturnType<typeof normalizeHttp>) => Object.entries(http.headers).filter(([name]) => !DIGEST_IGNORES.has(name))

/**
 * What a fingerprint grant matches: the request's shape, without its query and body values. Method, host and
 * path, the kept headers that change what it does, and for a cloud API the operation the normalizer read (an AWS
 * JSON or query API names it in X-Amz-Target or an Action form field, on one `POST /` for every operation). The
 * body's type counts without its parameters: a multipart boundary is drawn anew on each send (gcloud's uploads).
 */
const httpFingerprint = (http: ReturnType<typeof normalizeHttp>, operation?: string) =>
  sha256(JSON.stringify([`${http.method} ${http.host}${http.path}`, shapeHeaders(http), operation ?? null]))

const shapeHeaders = (http: ReturnType<typeof normalizeHttp>) =>
  operationHeaders(http).map(([name, value]) => (name === 'content-type' ? [name, value.split(';')[0]!.trim().toLowerCase()] : [name, value]))

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
