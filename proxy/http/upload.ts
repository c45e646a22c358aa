// Object uploads stream instead of being read whole: S3 PutObject and UploadPart (PUT), and Cloud Storage media
// uploads (POST /upload/storage/v1/…?uploadType=media) and resumable upload chunks (PUT …?upload_id=…). Their bodies are object data the normalizer never parses
// (the policy judges the operation, the resource, the headers, and the declared length, type and hash), so the
// gateway need not hold them. Which requests those are is the engine's call: the request is judged first without
// its body, and only a judged command that names one of these operations streams; anything else is read whole
// (body.ts) and judged again with its body.
//
// What streams is what was declared and judged, byte for byte: the bytes are forwarded unchanged, counted
// against the declared length, hashed against a declared x-amz-content-sha256, and (aws-chunked) checked
// against x-amz-decoded-content-length and the checksum trailer. The last chunk is held back until the checks
// pass; on a mismatch the upstream request is aborted before it is complete, so the upstream stores nothing.
import { createHash } from 'node:crypto'
import { Readable } from 'node:stream'
import type { Command } from '../../engine/types.ts'
import { AwsChunkedError, awsChunkedReader } from './aws-chunked.ts'
import type { CanonicalRequest } from './canonical.ts'
import { HttpGatewayError } from './errors.ts'
import { headerValue } from './headers.ts'
import type { HeaderList } from './types.ts'

export interface Upload {
  /** Said to the policy in place of the body (command.http.body_error). */
  note: string
  /** Headers of the judged request that describe the body (its declared length). */
  judgedHeaders: Record<string, string>
  /** Headers forwarded with the body as received: its length or framing, its Content-Encoding. */
  forwardHeaders: Record<string, string>
  /** AWS: the payload hash the gateway signs with (the client's declared x-amz-content-sha256). */
  payloadHash?: string
  /** A refusal to raise if the request turns out to be an upload (a body the gateway cannot forward as is). */
  refusal?: HttpGatewayError
  /** The body as forwarded: the client's bytes, checked as they pass; `counted` sees the bytes read so far. */
  body(source: AsyncIterable<Uint8Array>, counted: (bytes: number) => void): Readable
}

/** Kinds and methods whose requests may be object uploads: judged first without their body. */
export const mayUpload = (kind: string, method: string) => (kind === 'aws' && method === 'PUT') || (kind === 'gcp' && (method === 'POST' || method === 'PUT'))

// The query parameters a plain upload may carry (x-id: the JavaScript SDK v3 names the operation). Any other
// may name another operation to the upstream (S3 reads ?acl, ?tagging, ?retention, ?renameObject … whatever
// else rides along), so such a request is read whole and judged with its body.
const S3_UPLOAD_QUERY: Record<string, ReadonlySet<string>> = {
  's3:PutObject': new Set(['x-id']),
  's3:UploadPart': new Set(['partNumber', 'uploadId', 'x-id']),
}
// The JSON API's media upload: POST /upload/storage/v1/b/BUCKET/o?uploadType=media&name=… (not an XML API
// object in a bucket named "upload", and not a resumable session's upload_id).
const GCS_MEDIA_PATH = /^\/upload\/storage\/v1\/b\/[^/]+\/o$/
// The query a resumable upload's chunk carries: PUT /upload/storage/v1/b/BUCKET/o?uploadType=resumable&upload_id=…
const GCS_SESSION_QUERY = new Set(['uploadType', 'upload_id'])

/** Whether the judged command is an object upload whose body streams. */
export function isObjectUpload(command: Command): boolean {
  const cloud = command.cloud
  const http = command.http
  if (!cloud || !http) return false
  if (cloud.provider === 'aws') {
    const allowed = S3_UPLOAD_QUERY[cloud.method]
    return http.method === 'PUT' && allowed !== undefined && Object.keys(http.query).every((name) => allowed.has(name))
  }
  if (cloud.method !== 'storage.objects.create' || !GCS_MEDIA_PATH.test(http.path)) return false
  const q = http.query
  if (http.method === 'POST') return q.uploadType?.length === 1 && q.uploadType[0] === 'media' && q.upload_id === undefined
  // A chunk of a resumable upload, to the session a judged POST opened: nothing else rides along.
  return http.method === 'PUT' && q.upload_id?.length === 1 && q.upload_id[0] !== '' && Object.keys(q).every((name) => GCS_SESSION_QUERY.has(name)) &&
    (q.uploadType === undefined || (q.uploadType.length === 1 && q.uploadType[0] === 'resumable'))
}

const HEX_SHA256 = /^[0-9a-f]{64}$/
// Payload hashes a re-signed request can carry: the client's own bytes need no signature of the agent's.
const UNSIGNED = new Set(['UNSIGNED-PAYLOAD', 'STREAMING-UNSIGNED-PAYLOAD-TRAILER'])

const unreadable = (message: string, cause?: unknown) => new HttpGatewayError(400, 'http.body_unreadable', message, { cause })

/**
 * How a request's body would stream if it is an upload; undefined when nothing about its size is declared
 * (a chunked body without x-amz-decoded-content-length): such a body is read whole, within the limit.
 */
export function describeUpload(headers: HeaderList, canon: CanonicalRequest): Upload | undefined {
  const contentEncoding = headerValue(headers, 'content-encoding')
  const sha = headerValue(headers, 'x-amz-content-sha256')?.trim()
  const awsChunked = /(^|,)\s*aws-chunked\s*(,|$)/i.test(contentEncoding ?? '')
  const decodedHeader = headerValue(headers, 'x-amz-decoded-content-length')
  const length = typeof canon.bodyLength === 'number' ? canon.bodyLength : undefined
  const decodedLength = awsChunked ? (decodedHeader !== undefined && /^\d{1,15}$/.test(decodedHeader.trim()) ? Number(decodedHeader) : undefined) : length
  if (decodedLength === undefined) return undefined
  const trailers = (headerValue(headers, 'x-amz-trailer') ?? '').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)
  let refusal: HttpGatewayError | undefined
  if (sha !== undefined && !HEX_SHA256.test(sha) && !UNSIGNED.has(sha)) {
    refusal = new HttpGatewayError(400, 'http.ambiguous', `an upload whose body is signed chunk by chunk (x-amz-content-sha256: ${sha.slice(0, 60)}) carries the agent's signature in every chunk, and the gateway signs with its own key: ` +
      'send it over HTTPS with an unsigned payload (the aws CLI and SDKs do by default), or with the payload\'s SHA-256')
  } else if (awsChunked && sha !== 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') {
    refusal = new HttpGatewayError(400, 'http.ambiguous', 'an aws-chunked body must declare x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER')
  } else if (!awsChunked && sha === 'STREAMING-UNSIGNED-PAYLOAD-TRAILER') {
    // S3 reads such a body as aws-chunked (the hash value says so) while the gateway would check it as plain bytes.
    refusal = new HttpGatewayError(400, 'http.ambiguous', 'x-amz-content-sha256: STREAMING-UNSIGNED-PAYLOAD-TRAILER declares an aws-chunked body: send Content-Encoding: aws-chunked with it')
  }
  const forwardHeaders: Record<string, string> = {}
  if (length !== undefined) forwardHeaders['content-length'] = String(length)
  if (contentEncoding !== undefined) forwardHeaders['content-encoding'] = contentEncoding
  const type = headerValue(headers, 'content-type') ?? 'no content type'
  return {
    note: `an object upload of ${decodedLength} bytes (${type}) streamed to the upstream unread, checked against its declared length${sha && HEX_SHA256.test(sha) ? ' and SHA-256' : ''}${trailers.length ? ` and ${trailers.join(', ')}` : ''}`,
    judgedHeaders: { 'content-length': String(decodedLength) },
    forwardHeaders,
    payloadHash: sha,
    refusal,
    body(source, counted) {
      const framing = awsChunked ? awsChunkedReader({ decodedLength, trailers }) : undefined
      const hash = sha && HEX_SHA256.test(sha) ? createHash('sha256') : undefined
      async function* checked(): AsyncGenerator<Buffer> {
        let held: Buffer | undefined
        let size = 0
        try {
          for await (const c of source) {
            const chunk = Buffer.isBuffer(c) ? c : Buffer.from(c)
            size += chunk.byteLength
            counted(size)
            framing?.push(chunk)
            hash?.update(chunk)
            if (held) yield held
            held = chunk
          }
          framing?.end()
        } catch (err) {
          if (err instanceof AwsChunkedError) throw unreadable(`the upload was aborted: ${err.message}`, err)
          throw unreadable(`the upload was aborted: read the request body: ${(err as Error).message}`, err)
        }
        if (length !== undefined && size !== length) throw unreadable(`the upload was aborted: it had ${size} bytes, Content-Length said ${length}`)
        if (hash && hash.digest('hex') !== sha) throw unreadable('the upload was aborted: its body does not match the x-amz-content-sha256 it declared')
        if (held) yield held
      }
      return Readable.from(checked(), { objectMode: false })
    },
  }
}
