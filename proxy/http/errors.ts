// Error replies of the HTTP gateway, each with a stable code and a message saying what was wrong and how to
// fix it. Denials look native to the client: a Kubernetes Status for kubectl, the AWS error format for the
// aws CLI, Google's `{error: {code, message, status}}` for gcloud, JSON `{error, reasons, decision_id}` for everything else.
import { randomFillSync } from 'node:crypto'
import { CodedError } from '../../engine/errors.ts'
import type { TargetKind } from '../../engine/types.ts'
import { headerValue } from './headers.ts'
import type { GatewayResponse, HeaderList } from './types.ts'

export type HttpErrorCode =
  | 'http.no_route' | 'http.unknown_target' | 'http.unknown_host' | 'http.not_http_target'
  | 'http.token_missing' | 'http.credential_malformed' | 'http.token_invalid'
  | 'http.ambiguous' | 'http.upgrade_refused' | 'http.batch_refused' | 'http.signature_refused' | 'http.partial_refused' | 'http.selector_refused' | 'http.filter_refused'
  | 'http.body_too_large' | 'http.body_unreadable' | 'http.bad_encoding'
  | 'http.upstream_unconfigured' | 'http.credential_unavailable' | 'http.upstream_failed'
  | 'http.mask_failed' | 'http.expectation_failed' | 'http.busy' | 'http.mcp_failed' | 'http.mcp_session' | 'http.mcp_id_in_use' | 'http.mcp_unrequested' | 'http.audit_unavailable' | 'http.denied' | 'http.held' | 'http.internal'

/** A refusal with an HTTP status: thrown inside the core, turned into a reply at its edge. */
export class HttpGatewayError extends CodedError<HttpErrorCode> {
  readonly status: number
  readonly headers: Record<string, string>
  /** Answered in the service's own error format (S3's XML, Google's error object), which its CLI prints. */
  readonly native: boolean
  constructor(status: number, code: HttpErrorCode, message: string, opts: { cause?: unknown; headers?: Record<string, string>; native?: boolean } = {}) {
    super(code, message, { cause: opts.cause })
    this.status = status
    this.headers = opts.headers ?? {}
    this.native = opts.native ?? false
  }
}

const encoder = new TextEncoder()

export function jsonReply(status: number, body: unknown, headers: Record<string, string> = {}): GatewayResponse {
  const bytes = encoder.encode(`${JSON.stringify(body)}\n`)
  return { status, headers: { 'content-type': 'application/json', 'content-length': String(bytes.byteLength), ...headers }, body: bytes }
}

function textReply(status: number, contentType: string, text: string, headers: Record<string, string>): GatewayResponse {
  const bytes = encoder.encode(text)
  return { status, headers: { 'content-type': contentType, 'content-length': String(bytes.byteLength), ...headers }, body: bytes }
}

/** The Status reason kubectl names for an HTTP status (k8s.io/apimachinery StatusReason). */
const KUBE_REASONS: Record<number, string> = {
  400: 'BadRequest', 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 405: 'MethodNotAllowed', 406: 'NotAcceptable',
  409: 'Conflict', 413: 'RequestEntityTooLarge', 415: 'UnsupportedMediaType', 417: 'ExpectationFailed', 422: 'Invalid',
  429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout',
}

/** The error type the aws CLI names for an HTTP status, on the JSON protocol (DynamoDB, SSM, Secrets Manager …). */
const AWS_JSON_TYPES: Record<number, string> = {
  400: 'ValidationException', 401: 'UnrecognizedClientException', 403: 'AccessDeniedException', 404: 'ResourceNotFoundException',
  413: 'ValidationException', 429: 'ThrottlingException', 503: 'ServiceUnavailable',
}

/**
 * An error reply; once the request was judged, it names the decision (body and x-warden-decision-id). For a
 * Kubernetes target the body is also a Status, which kubectl prints (`Error from server (BadRequest): warden: …`);
 * any other JSON it reports as "an unknown reason", dropping the message. For an AWS JSON-protocol call
 * (X-Amz-Target) it also carries `__type`, which the aws CLI prints with the message
 * (`An error occurred (ValidationException) when calling the Scan operation: warden: …`).
 */
export function errorReply(err: HttpGatewayError, decisionId?: string, kind?: TargetKind, requestHeaders?: HeaderList): GatewayResponse {
  if (err.native && decisionId && requestHeaders) {
    const native = nativeErrorReply(err, decisionId, kind, requestHeaders)
    if (native) return native
  }
  const body: Record<string, unknown> = kind === 'kubernetes'
    ? { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: `warden: ${err.message}`, reason: KUBE_REASONS[err.status] ?? 'InternalError', code: err.status, error: err.code }
    : kind === 'aws' && requestHeaders && headerValue(requestHeaders, 'x-amz-target') !== undefined
      ? { __type: AWS_JSON_TYPES[err.status] ?? 'InternalFailure', message: `warden: ${err.message}`, error: err.code }
      : { error: err.code, message: err.message }
  if (!decisionId) return jsonReply(err.status, body, err.headers)
  return jsonReply(err.status, { ...body, decision_id: decisionId }, { ...err.headers, 'x-warden-decision-id': decisionId })
}

/** S3's error code for an HTTP status, and Google's status name. */
const S3_CODES: Record<number, string> = { 400: 'InvalidRequest', 403: 'AccessDenied' }
const GOOGLE_STATUSES: Record<number, string> = { 400: 'INVALID_ARGUMENT', 403: 'PERMISSION_DENIED' }

/**
 * A gateway error in the form the service's CLI prints: the aws CLI reads an S3 (REST-XML) error's Code and
 * Message and nothing from JSON (`An error occurred (400) … Bad Request`); gcloud reads error.message.
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
function nativeErrorReply(err: HttpGatewayError, decisionId: string, kind: TargetKind | undefined, requestHeaders: HeaderList): GatewayResponse | undefined {
  const headers = { ...err.headers, 'x-warden-decision-id': decisionId }
  const text = `warden: ${err.message}`
  if (kind === 'aws' && headerValue(requestHeaders, 'x-amz-target') === undefined) {
    return textReply(err.status, 'application/xml', `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${S3_CODES[err.status] ?? 'InvalidRequest'}</Code><Message>${xmlEscape(text)}</Message><WardenCode>${err.code}</WardenCode><RequestId>${decisionId}</RequestId></Error>\n`, headers)
  }
  if (kind === 'gcp') {
    return jsonReply(err.status, {
      error: {
        code: err.status, message: text, status: GOOGLE_STATUSES[err.status] ?? 'FAILED_PRECONDITION',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: err.code, domain: 'warden', metadata: { decision_id: decisionId } }],
      },
      decision_id: decisionId,
    }, headers)
  }
  return undefined
}

export interface Refusal {
  status: 403
  code: 'http.denied' | 'http.held'
  message: string
  reasons: Array<{ rule?: string; message: string }>
  decisionId: string
  headers?: Record<string, string>
}

const xmlEscape = (s: string) => s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`)

/**
 * A refusal in the client's own dialect.
 * @see https://kubernetes.io/docs/reference/using-api/api-concepts/#response-status-kind
 * @see https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
 */
export function refusalReply(kind: TargetKind, requestHeaders: HeaderList, r: Refusal): GatewayResponse {
  const headers = { 'x-warden-decision-id': r.decisionId, ...r.headers }
  const text = `warden: ${r.message}`
  if (kind === 'kubernetes') {
    return jsonReply(403, {
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: text, reason: 'Forbidden', code: 403,
      details: { causes: r.reasons.map((x) => ({ reason: x.rule ?? 'warden', message: x.message })) },
    }, headers)
  }
  if (kind === 'aws') {
    if (headerValue(requestHeaders, 'x-amz-target') !== undefined) {
      return textReply(403, 'application/x-amz-json-1.1', JSON.stringify({ __type: 'AccessDeniedException', message: text }), headers)
    }
    return textReply(403, 'text/xml', `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${xmlEscape(text)}</Message></Error><RequestId>${r.decisionId}</RequestId></ErrorResponse>\n`, headers)
  }
  if (kind === 'gcp') {
    // Google's error shape: gcloud's newer clients print error.message and nothing else (a string `error` left
    // them printing `message=[]`).
    return jsonReply(403, {
      error: {
        code: 403, message: text, status: 'PERMISSION_DENIED',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: r.code, domain: 'warden', metadata: { decision_id: r.decisionId } }],
      },
      reasons: r.reasons, decision_id: r.decisionId,
    }, headers)
  }
  return jsonReply(403, { error: r.code, message: text, reasons: r.reasons, decision_id: r.decisionId }, headers)
}

// Decision ids are 80 random bits each, drawn from a pool filled for DECISION_IDS_A_FILL ids at once:
// randomBytes(10) per request measured at 2% of the gateway's CPU, randomUUID with its dashes removed and cut
// to 20 characters (76 random bits: one is the version digit) at ~1%.
const ID_BYTES = 10
const DECISION_IDS_A_FILL = 256
const idPool = Buffer.alloc(ID_BYTES * DECISION_IDS_A_FILL)
let nextId = DECISION_IDS_A_FILL

/** A short unique id for one decision, for the client and the audit trail to refer to. */
export function decisionId(): string {
  if (nextId === DECISION_IDS_A_FILL) {
    randomFillSync(idPool)
    nextId = 0
  }
  const at = nextId++ * ID_BYTES
  return `dec_${idPool.toString('hex', at, at + ID_BYTES)}`
}
