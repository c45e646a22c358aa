// The request body the policy reads: read whole (up to the target's upstream_http.max_body_bytes, 1 MiB by
// default), decoded when it has a Content-Encoding, and forwarded in exactly that decoded form, so what is
// forwarded is what was judged. Object uploads do not come here: upload.ts streams them.
import type { TargetConfig } from '../../engine/config/types.ts'
import { MAX_BODY_BYTES } from '../../engine/normalize/http.ts'
import type { CanonicalRequest } from './canonical.ts'
import { decodeBody } from './encoding.ts'
import { HttpGatewayError } from './errors.ts'

/** The largest body the gateway reads whole for this target. */
export const bodyLimit = (target: TargetConfig) => target.upstream_http?.max_body_bytes ?? MAX_BODY_BYTES

export async function readRequestBody(body: AsyncIterable<Uint8Array> | undefined, canonical: CanonicalRequest, contentEncoding: string | undefined, target: TargetConfig): Promise<Uint8Array | undefined> {
  if (canonical.bodyLength === 0 || !body) return undefined
  const limit = bodyLimit(target)
  const tooLarge = (size: string) => new HttpGatewayError(413, 'http.body_too_large',
    `request body (${size}) exceeds ${limit} bytes, the most the gateway reads to judge a request to target ${target.name}: ` +
    `it judges bodies whole and forwards only what it judged. Send a smaller body, or raise targets[${target.name}].upstream_http.max_body_bytes ` +
    '(object uploads, S3 PutObject or UploadPart and GCS media uploads, stream at any size when they declare their length: Content-Length, or x-amz-decoded-content-length)')
  if (typeof canonical.bodyLength === 'number' && canonical.bodyLength > limit) throw tooLarge(`Content-Length ${canonical.bodyLength}`)
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for await (const chunk of body) {
      size += chunk.byteLength
      if (size > limit) throw tooLarge('chunked')
      chunks.push(chunk)
    }
  } catch (err) {
    if (err instanceof HttpGatewayError) throw err
    throw new HttpGatewayError(400, 'http.body_unreadable', `read the request body: ${(err as Error).message}`, { cause: err })
  }
  if (typeof canonical.bodyLength === 'number' && size !== canonical.bodyLength) {
    throw new HttpGatewayError(400, 'http.body_unreadable', `request body has ${size} bytes, Content-Length said ${canonical.bodyLength}`)
  }
  const raw = Buffer.concat(chunks)
  return decodeBody(raw, contentEncoding, limit, 'request body')
}
