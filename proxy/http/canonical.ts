// One canonical request: the method, path, query and host that are judged are exactly those forwarded.
// Anything two parsers could read differently is refused (400) rather than guessed: conflicting Host /
// absolute URL / CONNECT authority / SNI, duplicate or conflicting Content-Length and Transfer-Encoding,
// encoded slashes, dot segments, empty segments, duplicate query keys, a raw `;` in the query, percent-encodings
// that are no UTF-8 (path, query, form body), method-override headers.
// @see https://www.rfc-editor.org/rfc/rfc9112#section-6.3 (message body length)
import { s3ConflictingSubresources } from '../../engine/normalize/cloud/aws-s3.ts'
import { parseQueryString, percentDecode, strictPercentDecode } from '../../engine/normalize/http.ts'
import { HttpGatewayError } from './errors.ts'
import { headerValues } from './headers.ts'
import { splitAuthority } from './routes.ts'
import type { HeaderList } from './types.ts'

export interface CanonicalRequest {
  method: string
  /** Origin-form path, validated: no dot segments, no encoded `/` or `\`, no empty segments. */
  path: string
  /** Raw query without `?` ('' for none), validated: no duplicate keys outside MULTI_VALUED. */
  query: string
  /** The body's declared length, or 'chunked', or 0 for none. */
  bodyLength: number | 'chunked'
  /** Connection: Upgrade with an Upgrade header (Kubernetes exec/attach/port-forward, WebSocket). */
  upgrade?: string
}

// Repeated on purpose by the clients, and read as lists by the normalizers (kubectl exec sends one `command`
// per argument, port-forward one `ports` per port).
const MULTI_VALUED = new Set(['command', 'ports'])
const OVERRIDES = ['x-http-method-override', 'x-http-method', 'x-method-override']
// Headers by which IIS, Symfony, Zend and Laminas serve another path than the request line's.
const PATH_OVERRIDES = ['x-original-url', 'x-rewrite-url']

/**
 * Every value of a header, matching `_` as `-`: CGI, WSGI, Rack and PHP servers read X_HTTP_Method_Override as
 * X-HTTP-Method-Override (HTTP_X_HTTP_METHOD_OVERRIDE), so an override spelled with underscores works as well.
 */
function spelledValues(headers: HeaderList, name: string): string[] {
  const out: string[] = []
  for (const [k, v] of headers) if (k.toLowerCase().replaceAll('_', '-') === name) out.push(v)
  return out
}
const METHOD = /^[A-Z]{1,20}$/

const ambiguous = (message: string) => new HttpGatewayError(400, 'http.ambiguous', `ambiguous request refused: ${message}`)

// Cloud Storage's JSON API names an object in one path segment, its slashes sent as %2F (gcloud and the client
// libraries do: /storage/v1/b/B/o/dir%2Ffile, also under /download/, and so a copy's destination). Google and
// fake-gcs-server split the path on `/` before decoding, as the normalizer does (rawSegments), so all three
// read the encoded slash as part of the name; anywhere else it stays refused.
const GCS_OBJECT_PATH = /^\/(?:download\/)?storage\/v1\/b\/[^/%]+\/o\//

// The normalizer decodes a percent-encoding that is no UTF-8 (%FF, an overlong %C0%AE, a surrogate %ED%A0%80)
// to U+FFFD, so many paths are judged as one; Go's net/http reads the raw bytes, node leaves the path encoded,
// werkzeug keeps %FF in query and form values (scripts/http-diff).
const NOT_UTF8 = (where: string) => `the ${where} holds a percent-encoding that is not UTF-8 (%FF, an overlong %C0%AE …), which upstreams read as raw bytes or leave encoded while the policy would read U+FFFD; send UTF-8`

/** Whether every name and value of a form-encoded text decodes as UTF-8. */
function formIsUtf8(text: string): boolean {
  for (const pair of text.split('&')) {
    if (strictPercentDecode(pair.replaceAll('+', ' ')) === undefined) return false
  }
  return true
}

/** A query, or a form body, read the same way by the normalizer and the upstreams' form readers. */
function checkFormEncoded(text: string, where: 'query' | 'form body'): void {
  // Go's url.ParseQuery (kube-apiserver, fake-gcs-server; r.ParseForm for a form body) drops a pair holding `;`,
  // older parsers split on it, others keep it in the value: the policy (and a reviewer: an exec's arguments)
  // would read what is never run.
  if (text.includes(';')) throw ambiguous(`the ${where} holds a raw \`;\`, which upstreams read as data, as a separator or as a reason to drop the pair; percent-encode it (%3B)`)
  // The same parser drops a pair with a `%` that starts no escape, where the normalizer keeps the `%` as text.
  if (/%(?![0-9a-f]{2})/i.test(text)) throw ambiguous(`the ${where} holds a stray % that is not a percent-encoding; send it as %25`)
  if (!formIsUtf8(text)) throw ambiguous(NOT_UTF8(where))
}

// An object name whose %2F-joined parts hold a dot or empty part (`..%2F..%2Fother%2Fo%2Fx`): Cloud Storage and
// fake-gcs-server read the name as it is, the cloud normalizer too, but command.http.path is decoded and then
// resolved (/storage/v1/b/other/o/x: another bucket), and a server routing on the decoded path (Go's r.URL.Path)
// reads it unresolved. So is a leading %2F (the object /public/x, judged as the path's o/public/x: the empty
// segment collapses). A trailing %2F (dir%2F: the empty object the Cloud Storage console makes to stand for a
// folder) stays as the path keeps it.
function checkObjectName(rest: string): void {
  const parts = percentDecode(rest).split('/')
  parts.forEach((part, i) => {
    if (part === '.' || part === '..' || (part === '' && i < parts.length - 1)) {
      throw ambiguous(`the object name in ${JSON.stringify(rest.slice(0, 100))} holds a dot or empty part at or between its encoded slashes (%2F), which the judged path resolves while Cloud Storage reads it as it is; name the object without it`)
    }
  })
}

function checkPath(path: string, kind?: string): void {
  if (!path.startsWith('/')) throw ambiguous(`the path ${JSON.stringify(path.slice(0, 200))} does not start with /`)
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\uffff\\#]/.test(path)) throw ambiguous('the path holds spaces, control or non-ASCII characters, a backslash or a fragment; percent-encode them')
  const object = kind === 'gcp' ? GCS_OBJECT_PATH.exec(path)?.[0].length : undefined
  if (/%(2f|5c)/i.test(object === undefined ? path : path.slice(0, object)) || /%5c/i.test(path)) {
    throw ambiguous('the path holds an encoded slash or backslash (%2F, %5C), which upstreams read differently; send the segment without it')
  }
  if (/%(?![0-9a-f]{2})/i.test(path)) throw ambiguous('the path holds a stray % that is not a percent-encoding')
  if (strictPercentDecode(path) === undefined) throw ambiguous(NOT_UTF8('path'))
  // S3 reads a `;` in a key literally; moto (Python's urlparse) cuts `;…` off the last segment as parameters, so
  // PUT /b/keep.txt;x, judged as the key `keep.txt;x`, overwrote keep.txt. The SDKs send it as %3B.
  if (kind === 'aws' && path.includes(';')) throw ambiguous('the path holds a raw ; which S3 servers read apart (as part of the key, or as a parameter cut off it); percent-encode it as %3B')
  const segments = path.slice(1).split('/')
  segments.forEach((raw, i) => {
    const seg = raw.replace(/%2e/gi, '.')
    if (seg === '.' || seg === '..') throw ambiguous(`the path holds a dot segment (${raw}); send the resolved path`)
    if (seg === '' && i < segments.length - 1) throw ambiguous('the path holds an empty segment (//); send the path without it')
    // Servlet containers (Tomcat, Jetty, Spring) drop a `;` parameter from each segment before resolving the path:
    // `/public/..;/admin` is /admin to them, while the policy reads a segment named `..;`.
    const bare = seg.split(';', 1)[0]
    if (bare !== seg && (bare === '' || bare === '.' || bare === '..')) {
      throw ambiguous(`the path holds a segment ${JSON.stringify(raw.slice(0, 50))} that servers which drop ;parameters read as a dot or empty segment; send the resolved path`)
    }
  })
  if (object !== undefined) checkObjectName(path.slice(object))
}

// Google's batch endpoints (/batch/storage/v1, /batch/compute/v1, the global /batch) take one multipart body of
// many HTTP requests, each run by the API as its own (fake-gcs-server sends each through its whole router). The
// gateway judges one call per request; judged as one opaque `batch` call, a batch carried ACL writes and deletes
// an agent may not make (and its multipart answer cannot be masked, so nothing of it came back anyway).
// The path is read decoded, as the normalizer reads it (`/%62atch/storage/v1` is its storage.batch, a change
// that passed on a staging target, to a front end that decodes it).
function checkBatch(path: string, kind?: string): void {
  if (kind === 'gcp' && /^\/batch(\/|$)/.test(percentDecode(path))) {
    throw new HttpGatewayError(400, 'http.batch_refused', 'a batch request (many calls in one multipart body) is not forwarded: the gateway judges each call on its own; send the calls one per request (gcloud: one resource per command)')
  }
}

// Cloud Storage's XML API copies an object when a request names a source in x-goog-copy-source (or, for S3
// interoperability, x-amz-copy-source). The normalizer names that source for the policy, but whether Google
// percent-decodes the header's object name cannot be checked against a peer here (fake-gcs-server has no XML
// copy), so the gateway still refuses it. The JSON API's copy and rewrite (what gcloud sends) name both objects
// in the path and are judged as such, their source as a read.
const GCS_COPY_SOURCES = ['x-goog-copy-source', 'x-amz-copy-source']

function checkGcsCopy(headers: HeaderList, kind?: string): void {
  if (kind !== 'gcp') return
  const named = GCS_COPY_SOURCES.find((name) => spelledValues(headers, name).length)
  if (named) throw ambiguous(`${named} asks Cloud Storage's XML API to copy from another object, which is judged only as a write of the destination; copy through the JSON API (gcloud storage cp), whose calls name both objects`)
}

// S3 reads the x-amz-* headers a presigned URL carries in its query as the headers themselves (the SDKs hoist
// x-amz-acl, x-amz-copy-source … there), Cloud Storage its x-goog-* ones; the policy reads those as headers, so
// `PUT …?x-amz-acl=public-read` would make its object public, judged as a plain upload (moto reads headers only;
// whether S3 reads the query of a request the gateway signs in headers cannot be checked here). Refused; the
// signature's own parameters are refused before (checkAgentSignature).
const HOISTED = { aws: /^x-amz-/, gcp: /^x-(goog|amz)-/ } as Record<string, RegExp | undefined>

function checkHoistedHeaders(query: string, kind?: string): void {
  const hoisted = kind === undefined ? undefined : HOISTED[kind]
  if (!hoisted || query === '') return
  const names = Object.keys(parseQueryString(query)).map((n) => n.toLowerCase()).filter((n) => hoisted.test(n))
  if (names.length) throw ambiguous(`the query names the header ${names.slice(0, 3).join(', ')}, which the upstream reads as that header while the policy judges headers only; send it as a header`)
}

// Google's API front end reads system parameters from the query as the headers they stand for: `$httpMethod` as
// X-HTTP-Method-Override (a GET judged as a read, run as the DELETE it names), `$ct` as Content-Type (the body read
// as another type than the one the normalizer parsed), `access_token`, `oauth_token` and `key` as the caller's own
// credential beside the gateway's. gcloud and the client libraries send none of them in the query.
const GOOGLE_SYSTEM_PARAMETERS = new Set(['$httpmethod', '$ct', 'access_token', 'oauth_token', 'key', '$key'])

function checkGoogleSystemParameters(query: string, kind?: string): void {
  if (kind !== 'gcp' || query === '') return
  const names = Object.keys(parseQueryString(query)).filter((n) => GOOGLE_SYSTEM_PARAMETERS.has(n.toLowerCase()))
  if (names.length) throw ambiguous(`the query names the Google system parameter ${names.slice(0, 3).join(', ')}, which Google's front end reads as a header (method override, Content-Type, or a credential of the caller's own) while the policy judges the request as sent; send the request as it is meant, without it`)
}

// The gateway signs a cloud call with its own credential. The agent's own query signature (a presigned URL's
// SigV4 or Google V4 parameters, SigV2's AWSAccessKeyId and Signature, a session token) forwarded beside it is
// a second credential the upstream may read instead (AWS answers such a request by one of them, an emulator by
// the other), and its X-Amz-Credential names a service and region of its own: refused, named.
const AGENT_SIGNATURE = /^(x-(amz|goog)-(algorithm|credential|date|expires|signedheaders|signature|security-token|content-sha256)|awsaccesskeyid|signature|signatureversion|signaturemethod|securitytoken|googleaccessid)$/
const SIGNED_KINDS = new Set(['aws', 'gcp'])

function checkAgentSignature(query: string, kind?: string): void {
  if (kind === undefined || !SIGNED_KINDS.has(kind) || query === '') return
  const names = Object.keys(parseQueryString(query)).filter((n) => AGENT_SIGNATURE.test(n.toLowerCase()))
  if (names.length) {
    throw new HttpGatewayError(400, 'http.signature_refused', `the query carries the agent's own signature parameters (${names.slice(0, 4).join(', ')}); the gateway signs ${kind} calls with its own credential: send the request unsigned or signed in the Authorization header, not as a presigned URL`)
  }
}

// S3 picks the operation from a subresource in the query (?acl, ?policy, ?tagging …); given two, S3 and its
// emulators pick between them each in their own order (moto runs PutBucketTagging for PUT ?cors&tagging, which
// the normalizer reads as PutBucketCors).
function checkS3Subresources(method: string, query: string, kind?: string): void {
  if (kind !== 'aws' || query === '') return
  const both = s3ConflictingSubresources(method, parseQueryString(query))
  if (both.length) throw ambiguous(`the query names the S3 subresources ${both.join(', ')} together, each an operation of its own, which upstreams choose between differently; send one per request`)
}

// The protocols an upgrade may switch to: Kubernetes exec, attach and port-forward streams. Any other (h2c:
// HTTP/2 on the upgraded socket, every request on it unjudged; TLS/1.x) is refused.
const UPGRADES = new Set(['websocket', 'spdy/3.1'])
// The target kinds whose judged input shows an upgrade: Kubernetes (exec, attach, port-forward, a watch: the
// normalizer names the verb) and plain HTTP (the Upgrade header and its risk). A cloud call is judged as the API
// method its route names, and an MCP message as its JSON-RPC call: an upgrade there would pass as that call,
// and every byte after it unjudged.
const UPGRADE_KINDS = new Set(['kubernetes', 'http'])

function checkUpgrade(value: string, kind?: string): void {
  if (kind !== undefined && !UPGRADE_KINDS.has(kind)) {
    throw new HttpGatewayError(400, 'http.upgrade_refused', `Upgrade: ${value.slice(0, 100)} is not forwarded to a ${kind} target: its policy input cannot show an upgrade, and after the switch the connection would carry bytes the gateway never judges`)
  }
  const asked = value.split(',').map((p) => p.trim().toLowerCase()).filter(Boolean)
  const other = asked.filter((p) => !UPGRADES.has(p))
  if (other.length) {
    throw new HttpGatewayError(400, 'http.upgrade_refused', `Upgrade: ${other.join(', ')} is not forwarded: after the switch the connection would carry requests the gateway never judges; only websocket and SPDY/3.1 streams (exec, attach, port-forward) are`)
  }
}

// The Connection options clients send. Any other names a header the gateway drops on the way (RFC 9110 §7.6.1:
// a listed header is hop-by-hop) while the policy read it: an S3 PUT with x-amz-copy-source was judged as a copy
// and reached the upstream as a plain put of the body.
const CONNECTION_OPTIONS = new Set(['', 'close', 'keep-alive', 'upgrade', 'te'])

function checkConnection(options: string[]): void {
  const other = options.filter((o) => !CONNECTION_OPTIONS.has(o))
  if (other.length) throw ambiguous(`Connection names ${other.slice(0, 5).join(', ')}: a header listed there is dropped on the way, while the policy judges it; send Connection: keep-alive or close only`)
}

// The parameter by which Rails (Rack::MethodOverride), Laravel and Symfony run a POST as another method, read
// from the form body or the query.
const METHOD_PARAMETER = '_method'

/**
 * Whether a parameter name is `_method` as PHP reads it (Laravel, Symfony): leading spaces dropped, the name cut
 * at a NUL (php_register_variable_ex reads it as a C string: `_method%00x` is `_method`), then a space, `.` or `[`
 * turned into `_`, so `.method`, ` method` and `[method` fill $_POST['_method'] too.
 */
function isMethodParameter(name: string): boolean {
  return name.replace(/^ +/, '').split('\u0000', 1)[0]!.replace(/[ .[]/g, '_') === METHOD_PARAMETER
}

function checkMethodParameter(method: string, value: string | null | undefined, where: string): void {
  if (value !== null && value !== undefined && value.trim().toUpperCase() !== method) {
    throw ambiguous(`the ${where} parameter _method asks the upstream to treat this ${method} as ${JSON.stringify(value.slice(0, 30))}; send the intended method itself`)
  }
}

// The name of each multipart part, however its Content-Disposition quotes or spells it (quoted, bare, RFC 5987),
// then read as PHP reads a name (isMethodParameter: " _method", ".method" and "_method\0x" are _method too).
const MULTIPART_NAME = /^content-disposition:[^\r\n]*?;\s*name\*?\s*=\s*(?:"((?:[^"\\\r\n]|\\.)*)"|utf-8''([^\s;]*)|([^\s;"]+))/gim

function multipartNames(text: string): string[] {
  const names: string[] = []
  for (const m of text.matchAll(MULTIPART_NAME)) {
    if (m[1] !== undefined) names.push(m[1], m[1].replace(/\\(.)/g, '$1'))
    else if (m[2] !== undefined) names.push(percentDecode(m[2]))
    else names.push(m[3]!)
  }
  return names
}

/** A form body's `_method`, and its encodings (the body as forwarded, read once it is whole). */
export function checkFormBody(method: string, headers: HeaderList, body: Uint8Array | undefined): void {
  if (!body?.byteLength) return
  const type = headerValues(headers, 'content-type').join(',').split(';', 1)[0]!.trim().toLowerCase()
  if (type === 'multipart/form-data') {
    // Read as a whole, not part by part: a field of that name is refused whatever its value.
    if (multipartNames(Buffer.from(body).toString('latin1')).some(isMethodParameter)) throw ambiguous(`the multipart form field _method may ask the upstream to treat this ${method} as another method; leave it out`)
    return
  }
  if (type !== 'application/x-www-form-urlencoded') return
  const text = Buffer.from(body).toString('utf8')
  checkFormEncoded(text, 'form body')
  const form = new URLSearchParams(text)
  for (const [name, value] of form) if (isMethodParameter(name)) checkMethodParameter(method, value, 'form')
}

function checkQuery(query: string, method: string): void {
  if (/[\u0000-\u0020\u007f-\uffff#]/.test(query)) throw ambiguous('the query holds spaces, control or non-ASCII characters; percent-encode them')
  checkFormEncoded(query, 'query')
  const seen = new Set<string>()
  for (const pair of query.split('&')) {
    if (pair === '') continue
    const eq = pair.indexOf('=')
    const name = strictPercentDecode((eq < 0 ? pair : pair.slice(0, eq)).replaceAll('+', ' '))!
    if (seen.has(name) && !MULTI_VALUED.has(name)) throw ambiguous(`the query parameter ${JSON.stringify(name)} is given more than once; give it once`)
    seen.add(name)
    if (isMethodParameter(name)) checkMethodParameter(method, eq < 0 ? '' : new URLSearchParams(pair.slice(eq)).get('') ?? '', 'query')
  }
}

function bodyLength(headers: HeaderList): number | 'chunked' {
  const lengths = headerValues(headers, 'content-length').flatMap((v) => v.split(',')).map((v) => v.trim())
  const te = headerValues(headers, 'transfer-encoding').flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter(Boolean)
  if (lengths.length && te.length) throw ambiguous('both Content-Length and Transfer-Encoding are given; send one')
  if (te.length) {
    if (te.length !== 1 || te[0] !== 'chunked') throw ambiguous(`Transfer-Encoding ${te.join(', ')} is not supported; only a single chunked is accepted`)
    return 'chunked'
  }
  if (lengths.length > 1) throw ambiguous('Content-Length is given more than once; send it once')
  if (lengths.length === 1) {
    if (!/^\d{1,15}$/.test(lengths[0]!)) throw ambiguous(`Content-Length ${JSON.stringify(lengths[0])} is not a number`)
    return Number(lengths[0])
  }
  return 0
}

function sameAuthority(a: string, b: string): boolean {
  const x = splitAuthority(a)
  const y = splitAuthority(b)
  return x.host === y.host && x.port === y.port
}

/**
 * Checks and splits a request. `target` is the origin-form request target to forward (reverse mode: the part
 * after /t/<name>); `authority` (forward mode) is the CONNECT authority the Host, an absolute URL and the SNI
 * must agree with; `kind`, the target's kind, admits the encoded slashes its upstream reads as the normalizer does.
 */
export function canonicalize(method: string, target: string, headers: HeaderList, forward?: { authority: string; sni?: string }, kind?: string): CanonicalRequest {
  if (!METHOD.test(method)) throw ambiguous(`method ${JSON.stringify(method.slice(0, 30))} is not an upper-case token`)
  for (const name of OVERRIDES) {
    const values = spelledValues(headers, name)
    if (values.length && values.some((v) => v.trim().toUpperCase() !== method)) {
      throw ambiguous(`${name} asks the upstream to treat this ${method} as ${values.join(', ').slice(0, 100)}; send the intended method itself`)
    }
  }
  for (const name of PATH_OVERRIDES) {
    if (spelledValues(headers, name).length) throw ambiguous(`${name} asks the upstream to serve another path than the one judged; send the intended path itself`)
  }
  const hosts = headerValues(headers, 'host')
  if (hosts.length > 1) throw ambiguous('Host is given more than once')
  let originForm = target
  const absolute = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/i.exec(target)
  if (absolute) {
    if (!forward) throw ambiguous('an absolute URL was sent to the reverse proxy; address the target as /t/<target>/<path>')
    if (!sameAuthority(absolute[2]!, forward.authority)) throw ambiguous(`the URL's host ${absolute[2]} differs from the tunnel's ${forward.authority}`)
    originForm = absolute[3] || '/'
  }
  if (forward) {
    if (hosts.length === 0) throw ambiguous('Host is missing')
    if (!sameAuthority(hosts[0]!, forward.authority)) throw ambiguous(`Host ${hosts[0]} differs from the tunnel's ${forward.authority} (CONNECT)`)
    if (forward.sni && splitAuthority(forward.sni).host !== splitAuthority(forward.authority).host) {
      throw ambiguous(`the TLS server name ${forward.sni} differs from the tunnel's ${forward.authority} (CONNECT)`)
    }
  }
  const q = originForm.indexOf('?')
  const path = q < 0 ? originForm : originForm.slice(0, q)
  const query = q < 0 ? '' : originForm.slice(q + 1)
  checkPath(path, kind)
  checkBatch(path, kind)
  checkGcsCopy(headers, kind)
  checkQuery(query, method)
  checkS3Subresources(method, query, kind)
  checkAgentSignature(query, kind)
  checkHoistedHeaders(query, kind)
  checkGoogleSystemParameters(query, kind)
  const connection = headerValues(headers, 'connection').join(',').toLowerCase().split(',').map((s) => s.trim())
  checkConnection(connection)
  const upgrade = connection.includes('upgrade') ? headerValues(headers, 'upgrade').join(', ') || undefined : undefined
  if (upgrade !== undefined) checkUpgrade(upgrade, kind)
  return { method, path, query, bodyLength: bodyLength(headers), ...(upgrade ? { upgrade } : {}) }
}
