// Raw HTTP request → HttpCommand: method, scheme, host, a normalized path, query, an allowlist of headers and
// the parsed body. Never throws; a body that cannot be read is reported in body_error so the policy can deny.
import { isScalar, parseDocument, visit } from 'yaml'
import type { HttpCommand } from '../types.ts'
import { hasDuplicateKey } from '../json-duplicate-key.ts'
import { queryOrHeadersCarry } from './http-mask-output.ts'
import { bytesCarryMaskOutput, carriesMaskOutput } from './mask-output.ts'
import { relatedMetadata } from './multipart-related.ts'
import { mergeKeyProblem } from './yaml-merge.ts'

export interface RawHttpRequest {
  method: string
  /** Absolute (https://host/path?q) or origin-form (/path?q, with headers.host). */
  url: string
  headers?: Record<string, string | string[] | undefined>
  body?: string | Uint8Array
  /** The frontend did not read the body (an object upload streamed to the upstream): why, for body_error. */
  bodyNotRead?: string
  /** Largest body parsed (the frontend's limit for this target); MAX_BODY_BYTES when absent. */
  maxBodyBytes?: number
}

/** Default largest body parsed for the policy (a target's upstream_http.max_body_bytes overrides it). */
export const MAX_BODY_BYTES = 1024 * 1024
/**
 * Largest YAML body parsed (one that is JSON is read as JSON, at any size up to MAX_BODY_BYTES). Parsing runs on the
 * socket thread and the yaml package reads 0.3-0.7 MB/s (measured warm, on 2 busy cores: 64 KiB of short lines or
 * flow items took 100-200 ms), so 32 KiB keeps another request's wait near 50 ms.
 */
export const MAX_YAML_BYTES = 32 * 1024

// Copied when present. Anything else, and anything credential-like, is never copied.
const COPIED_HEADERS = new Set([
  'accept', 'accept-encoding', 'content-encoding', 'content-length', 'content-type', 'transfer-encoding',
  'upgrade', 'user-agent', 'x-request-id', 'x-forwarded-proto',
  'x-http-method-override', 'x-http-method', 'x-method-override',
  'x-goog-user-project', 'x-goog-request-params', 'x-goog-api-client',
  'x-amz-target', 'x-amz-date', 'x-amz-content-sha256', 'x-amz-decoded-content-length', 'x-amz-acl', 'x-amz-copy-source',
  // Cloud Storage's XML API: a canned ACL set by an upload or a copy (public-read makes the object public).
  'x-goog-acl',
  'x-amz-bypass-governance-retention', 'x-amz-server-side-encryption-aws-kms-key-id',
  // Conditions on the stored object's ETag (S3's is the MD5 of a plain upload): a write's success answers a guess.
  'if-match', 'if-none-match', 'x-amz-copy-source-if-match', 'x-amz-copy-source-if-none-match',
  'impersonate-user', 'impersonate-group', 'impersonate-uid',
])
const COPIED_PREFIXES = ['impersonate-extra-', 'x-amz-grant-']
const CREDENTIAL_NAME = /token|secret|key|auth|session|cookie/i
// Allowlisted names that match CREDENTIAL_NAME but carry an identifier, not a secret.
const SAFE_DESPITE_NAME = new Set(['x-amz-server-side-encryption-aws-kms-key-id'])
// Query parameters whose values are credentials (presigned URLs, API keys, OAuth tokens): kept by name, value redacted.
const CREDENTIAL_PARAM = /token|secret|password|passwd|signature|credential|api[-_]?key|^key$|^sig$/i
export const REDACTED = '[redacted]'

const DEFAULT_PORTS: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443' }
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true })
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c)

/** Decodes %XX sequences once, as UTF-8 (invalid bytes become U+FFFD); a stray `%` stays literal. */
export function percentDecode(text: string): string {
  if (!text.includes('%')) return text
  let out = ''
  const bytes: number[] = []
  const flush = () => {
    if (bytes.length > 0) out += utf8.decode(Uint8Array.from(bytes.splice(0)))
  }
  for (let i = 0; i < text.length; ) {
    if (text[i] === '%' && isHex(text[i + 1]) && isHex(text[i + 2])) {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16))
      i += 3
    } else {
      flush()
      out += text[i]
      i += 1
    }
  }
  flush()
  return out
}

/** %XX decoded once as UTF-8; undefined for a stray `%` or bytes that are no UTF-8 (servers read those apart). */
export function strictPercentDecode(text: string): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(text)) return undefined
  const bytes: number[] = []
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '%') {
      bytes.push(parseInt(text.slice(i + 1, i + 3), 16))
      i += 2
    } else {
      bytes.push(...Buffer.from(text[i]!, 'utf8'))
    }
  }
  try {
    return strictUtf8.decode(Uint8Array.from(bytes))
  } catch {
    return undefined
  }
}

/**
 * Decodes, then collapses empty segments and resolves `.` and `..` (never above the root), so `%2e%2e/`,
 * `//` and `/./` cannot dress one path up as another. A trailing slash is kept.
 */
export function normalizePath(rawPath: string): string {
  const parts = percentDecode(rawPath).split('/')
  const out: string[] = []
  for (const part of parts) {
    if (part === '' || part === '.') continue
    if (part === '..') out.pop()
    else out.push(part)
  }
  const last = parts[parts.length - 1]
  const trailing = parts.length > 1 && (last === '' || last === '.' || last === '..')
  return out.length === 0 ? '/' : `/${out.join('/')}${trailing ? '/' : ''}`
}

/** Segments split on the raw `/` (an encoded %2F stays inside its segment), each decoded; empty ones dropped. */
export function rawSegments(rawPath: string): string[] {
  return rawPath.split('/').filter((part) => part !== '').map(percentDecode)
}

/** application/x-www-form-urlencoded → name → values, in order. */
export function parseQueryString(text: string, redact = false): Record<string, string[]> {
  const values = new Map<string, string[]>()
  for (const pair of text.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const name = percentDecode((eq < 0 ? pair : pair.slice(0, eq)).replaceAll('+', ' '))
    let value = eq < 0 ? '' : percentDecode(pair.slice(eq + 1).replaceAll('+', ' '))
    if (redact && CREDENTIAL_PARAM.test(name)) value = REDACTED
    const list = values.get(name)
    if (list) list.push(value)
    else values.set(name, [value])
  }
  // fromEntries defines own properties, so a `__proto__` parameter stays data.
  return Object.fromEntries(values)
}

/** Every value of a header by case-insensitive name, as received (a repeated header is several values). */
export function headerValues(headers: RawHttpRequest['headers'], name: string): string[] {
  const found: string[] = []
  for (const [key, value] of Object.entries(headers ?? {})) {
    if (value === undefined || key.toLowerCase() !== name) continue
    found.push(...(Array.isArray(value) ? value : [value]))
  }
  return found
}

/** A header's value by case-insensitive name, repeated values joined with ", ". */
export function headerValue(headers: RawHttpRequest['headers'], name: string): string | undefined {
  const found = headerValues(headers, name)
  return found.length > 0 ? found.join(', ') : undefined
}

function selectHeaders(headers: RawHttpRequest['headers']): Record<string, string> {
  const names = new Set(Object.keys(headers ?? {}).map((key) => key.toLowerCase()))
  const copied = new Map<string, string>()
  for (const name of [...names].sort()) {
    const listed = COPIED_HEADERS.has(name) || COPIED_PREFIXES.some((prefix) => name.startsWith(prefix))
    if (!listed || (CREDENTIAL_NAME.test(name) && !SAFE_DESPITE_NAME.has(name))) continue
    const value = headerValue(headers, name)
    if (value !== undefined) copied.set(name, value)
  }
  return Object.fromEntries(copied)
}

export interface RequestTarget {
  scheme: string
  host: string
  /** Raw path as sent (not decoded). */
  rawPath: string
  rawQuery: string
}

function normalizeHost(authority: string, scheme: string): string {
  const hostPort = percentDecode(authority.slice(authority.lastIndexOf('@') + 1)).toLowerCase()
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort)
  if (!match) return hostPort
  const host = (match[1] ?? '').replace(/\.+$/, '')
  const port = match[2]
  return port && port !== DEFAULT_PORTS[scheme] ? `${host}:${port}` : host
}

/** Splits an absolute or origin-form URL. Origin-form takes its host from the Host header and is assumed https. */
export function parseRequestTarget(url: string, headers: RawHttpRequest['headers']): RequestTarget {
  const withoutFragment = url.split('#', 1)[0] ?? ''
  const absolute = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?]*)(.*)$/.exec(withoutFragment)
  const scheme = absolute ? (absolute[1] ?? '').toLowerCase() : 'https'
  const authority = absolute ? (absolute[2] ?? '') : (headerValue(headers, 'host') ?? '')
  const rest = absolute ? (absolute[3] ?? '') : withoutFragment
  const q = rest.indexOf('?')
  return {
    scheme,
    host: normalizeHost(authority, scheme),
    rawPath: q < 0 ? rest : rest.slice(0, q),
    rawQuery: q < 0 ? '' : rest.slice(q + 1),
  }
}

type ParsedBody = { body: unknown } | { body_error: string } | Record<string, never>

function decodeText(bytes: string | Uint8Array): string | undefined {
  if (typeof bytes === 'string') return bytes
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return undefined
  }
}

function parseBody(raw: string | Uint8Array | undefined, contentType: string | undefined, maxBytes = MAX_BODY_BYTES): ParsedBody {
  if (raw === undefined || raw.length === 0) return {}
  const size = typeof raw === 'string' ? Buffer.byteLength(raw, 'utf8') : raw.byteLength
  if (size > maxBytes) return { body_error: `body too large: ${size} bytes exceeds the ${maxBytes}-byte limit` }
  const mediaType = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase()
  const text = decodeText(raw)?.replace(/^\uFEFF/, '')
  const isJson = mediaType === 'application/json' || mediaType === 'text/json' || mediaType.endsWith('+json') ||
    mediaType.startsWith('application/x-amz-json-')
  const isForm = mediaType === 'application/x-www-form-urlencoded'
  const isYaml = /^(application|text)\/(x-)?yaml$/.test(mediaType) || mediaType.endsWith('+yaml')
  const looksJson = text !== undefined && /^\s*[[{]/.test(text)
  if (mediaType === 'multipart/related') {
    const metadata = relatedMetadata(typeof raw === 'string' ? new TextEncoder().encode(raw) : raw, contentType ?? '')
    return 'error' in metadata ? { body_error: metadata.error } : parseBody(metadata.json, 'application/json', maxBytes)
  }
  if (isJson || isForm || isYaml || looksJson) {
    if (text === undefined) return { body_error: 'body is not valid UTF-8' }
    // A JSON document declared a form is read as JSON: servers that decode JSON whatever the Content-Type
    // (fake-gcs-server, many Go and Python APIs) run it so, while as a form it is one meaningless name.
    if (isForm && !(looksJson && parsesAsJson(text))) return { body: parseQueryString(text) }
    // JSON is YAML with the same meaning (kubectl's server-side apply sends JSON as apply-patch+yaml), read fast.
    if (isYaml && !(looksJson && parsesAsJson(text))) return parseYaml(text, size)
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      // V8's message quotes part of the body, which may hold secrets: report the fact only.
      return { body_error: 'invalid JSON body: it does not parse as JSON' }
    }
    // As for YAML: the policy would read the last value, the server maybe both (Go merges a struct met twice).
    if (hasDuplicateKey(text)) return { body_error: 'invalid JSON body: an object names one key twice' }
    return checkDepth(parsed)
  }
  return { body_error: `unsupported content type ${mediaType === '' ? '(none given)' : mediaType}; only JSON, YAML and form bodies are inspected` }
}

function parsesAsJson(text: string): boolean {
  try {
    JSON.parse(text)
    return true
  } catch {
    return false
  }
}

// Deeper documents are refused: recursive consumers (JSON.stringify, the policy's JSON reader) would overflow.
export const MAX_BODY_DEPTH = 100

function checkDepth(body: unknown): ParsedBody {
  const stack: Array<[unknown, number]> = [[body, 1]]
  while (stack.length > 0) {
    const [value, depth] = stack.pop()!
    if (value === null || typeof value !== 'object') continue
    if (depth > MAX_BODY_DEPTH) return { body_error: `body nested deeper than ${MAX_BODY_DEPTH} levels` }
    for (const child of Object.values(value)) stack.push([child, depth + 1])
  }
  return { body }
}

function parseYaml(text: string, size: number): ParsedBody {
  if (size > MAX_YAML_BYTES) return { body_error: `YAML body too large to inspect: ${size} bytes exceeds the ${MAX_YAML_BYTES}-byte limit for YAML (send it as JSON)` }
  try {
    // The package's own uniqueKeys check compares each key with every other one: 60,000 keys took 42 s.
    // Merge keys are read as the apiserver reads them (yaml-merge.ts).
    const doc = parseDocument(text, { uniqueKeys: false, prettyErrors: false, merge: true })
    const error = doc.errors[0]
    if (error) return { body_error: `invalid YAML body: ${error.code}${error.linePos ? ` at line ${error.linePos[0].line}` : ''}` }
    const line = duplicateKeyLine(doc, text)
    if (line !== undefined) return { body_error: `invalid YAML body: DUPLICATE_KEY at line ${line}` }
    const merge = mergeKeyProblem(doc, text)
    if (merge) return { body_error: merge }
    return checkDepth(doc.toJS({ maxAliasCount: 100 }) as unknown)
  } catch {
    return { body_error: 'invalid YAML body: too many aliases or an unresolvable document' }
  }
}

/**
 * The line of the first key a mapping names twice, in linear time. Keys are compared as the policy reads them, as
 * strings: `1` and `"1"` both become the key "1", and the second would hide the first (the package's uniqueKeys let them be).
 */
function duplicateKeyLine(doc: ReturnType<typeof parseDocument>, text: string): number | undefined {
  let at: number | undefined
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>()
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue
        const key = String(pair.key.value)
        if (seen.has(key)) {
          at = pair.key.range?.[0] ?? 0
          return visit.BREAK
        }
        seen.add(key)
      }
    },
  })
  return at === undefined ? undefined : text.slice(0, at).split('\n').length
}

export function normalizeHttp(req: RawHttpRequest): HttpCommand {
  const target = parseRequestTarget(String(req.url ?? ''), req.headers)
  const command: HttpCommand = {
    method: String(req.method ?? '').trim().toUpperCase(),
    scheme: target.scheme,
    host: target.host,
    path: normalizePath(target.rawPath),
    query: parseQueryString(target.rawQuery, true),
    headers: selectHeaders(req.headers),
  }
  // Only when true, so the documents of requests without it stay as they were. Headers are read for an upload too.
  const mark = queryOrHeadersCarry(parseQueryString(target.rawQuery), req.headers) ? { carries_mask_output: true as const } : {}
  if (req.bodyNotRead !== undefined) return Object.assign(command, { body_error: `body not read: ${req.bodyNotRead}` }, mark)
  const parsed = parseBody(req.body, headerValue(req.headers, 'content-type'), req.maxBodyBytes)
  if (bodyCarriesMaskOutput(parsed, req.body, headerValue(req.headers, 'content-type'))) return Object.assign(command, parsed, { carries_mask_output: true as const })
  return Object.assign(command, parsed, mark)
}

/**
 * A parsed body by its strings; one of a type Warden does not parse (S3's XML: PutObjectTagging, a bucket policy;
 * Kubernetes protobuf) by its text, within the size limit.
 */
function bodyCarriesMaskOutput(parsed: ParsedBody, raw: string | Uint8Array | undefined, contentType: string | undefined): boolean {
  // A multipart/related body is judged by its metadata; its media, by its text, like any upload's.
  if (raw !== undefined && /^\s*multipart\/related\s*(;|$)/i.test(contentType ?? '') && bytesCarryMaskOutput(raw)) return true
  if ('body' in parsed) return carriesMaskOutput(parsed.body)
  if (raw === undefined || !('body_error' in parsed) || !parsed.body_error.startsWith('unsupported content type')) return false
  return bytesCarryMaskOutput(raw)
}
