// What statement and fingerprint grants match for an HTTP request. A digest is of the request as forwarded: the
// path and query exactly as sent, every header the upstream receives, and the body; only headers known to change
// on every send of one request without changing what it does are left out (an allowlist: an unknown header is
// in, so a grant given for one request never covers another that differs in it).
import { createHash } from 'node:crypto'
import type { Target } from '../types.ts'
import { headerValue, type normalizeHttp, parseRequestTarget, type RawHttpRequest } from './http.ts'
import { withoutIdempotencyToken } from './idempotency-token.ts'

type HttpView = ReturnType<typeof normalizeHttp>

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex')

/**
 * Headers left out of the digest. Those that change from one send of a request to the next (a signing date and
 * signature, a request, trace or invocation id, a client's version, the answer's format), so that the retry a
 * statement grant was given for matches it; and those the gateway never forwards (connection headers, the
 * agent's credentials: the gateway signs anew).
 */
const DIGEST_IGNORES = new Set([
  'accept', 'accept-encoding', 'accept-language', 'user-agent', 'x-request-id', 'date',
  'transfer-encoding', 'content-encoding', 'connection', 'keep-alive', 'proxy-connection',
  'proxy-authorization', 'te', 'trailer', 'expect', 'host', 'authorization', 'cookie',
  'x-amz-date', 'x-amz-security-token', 'x-amz-user-agent',
  'amz-sdk-invocation-id', 'amz-sdk-request', 'x-amzn-trace-id', 'x-goog-api-client', 'x-cloud-trace-context',
  'traceparent', 'tracestate', 'b3', 'x-b3-traceid', 'x-b3-spanid', 'x-b3-parentspanid', 'x-b3-sampled', 'x-b3-flags',
  'kubectl-session', 'x-goog-gcs-idempotency-token',
])

/** Every header the digest covers, lower-case names sorted, repeated values joined as the gateway forwards them. */
export function digestHeaders(headers: RawHttpRequest['headers']): Array<[string, string]> {
  const names = [...new Set(Object.keys(headers ?? {}).map((k) => k.toLowerCase()))].sort()
  return names.filter((n) => !DIGEST_IGNORES.has(n) && !n.startsWith('x-warden-')).flatMap((n) => {
    const value = headerValue(headers, n)
    return value === undefined ? [] : [[n, value] as [string, string]]
  })
}

/**
 * What a statement grant matches: the method, the host, the path and query as sent (two spellings the
 * normalizer reads alike, `%2F` and `/`, or two bytes it decodes alike, reach the upstream as two requests), the
 * headers and the body. An upload streamed unread has no body here: its length and declared SHA-256
 * (Content-Length, x-amz-content-sha256, which the gateway checks the bytes against) stand for it. On AWS the
 * idempotency token the CLI draws anew on every run is left out of the body (idempotency-token.ts).
 */
export function httpDigest(http: HttpView, request: RawHttpRequest, kind: Target['kind']): string {
  const { rawPath, rawQuery } = parseRequestTarget(String(request.url ?? ''), request.headers)
  const raw = request.body ?? ''
  const body = kind === 'aws' ? awsBody(raw, http) : raw
  const url = `${http.method} ${http.scheme}://${http.host}${rawPath}?${rawQuery}`
  return sha256(JSON.stringify([url, digestHeaders(request.headers), typeof body === 'string' ? body : Buffer.from(body).toString('base64')]))
}

/** An AWS body without the idempotency token the CLI draws anew on each run (latin1 maps bytes 1:1 to text). */
function awsBody(body: string | Uint8Array, http: HttpView): string | Uint8Array {
  const type = http.headers['content-type']
  if (typeof body === 'string') return withoutIdempotencyToken(body, type, http.body)
  return Buffer.from(withoutIdempotencyToken(Buffer.from(body).toString('latin1'), type, http.body), 'latin1')
}

/**
 * What a fingerprint grant matches: the request's shape, without its query and body values. Method, host and
 * path, the kept headers that change what it does, and for a cloud API the operation the normalizer read (an AWS
 * JSON or query API names it in X-Amz-Target or an Action form field, on one `POST /` for every operation). The
 * body's type counts without its parameters: a multipart boundary is drawn anew on each send (gcloud's uploads).
 */
export const httpFingerprint = (http: HttpView, operation?: string) =>
  sha256(JSON.stringify([`${http.method} ${http.host}${http.path}`, shapeHeaders(http), operation ?? null]))

const shapeHeaders = (http: HttpView) => Object.entries(http.headers)
  .filter(([name]) => !DIGEST_IGNORES.has(name))
  .map(([name, value]) => (name === 'content-type' ? [name, value.split(';')[0]!.trim().toLowerCase()] : [name, value]))
