// The request body the policy reads: read whole (up to MAX_BODY_BYTES, the normalizer's limit), decoded when
// it has a Content-Encoding, and forwarded in exactly that decoded form, so what is forwarded is what was judged.
import { MAX_BODY_BYTES } from '../../engine/normalize/http.ts'
import type { CanonicalRequest } from './canonical.ts'
import { decodeBody } from './encoding.ts'
import { HttpGatewayError } from './errors.ts'

export async function readRequestBody(body: AsyncIterable<Uint8Array> | undefined, canonical: CanonicalRequest, contentEncoding: string | undefined): Promise<Uint8Array | undefined> {
  if (canonical.bodyLength === 0 || !body) return undefined
  const tooLarge = () => new HttpGatewayError(413, 'http.body_too_large', `request body larger than ${MAX_BODY_BYTES} bytes: the gateway judges bodies whole and forwards only what it judged; send smaller requests`)
  if (typeof canonical.bodyLength === 'number' && canonical.bodyLength > MAX_BODY_BYTES) throw tooLarge()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for await (const chunk of body) {
      size += chunk.byteLength
      if (size > MAX_BODY_BYTES) throw tooLarge()
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
  return decodeBody(raw, contentEncoding, MAX_BODY_BYTES, 'request body')
}
