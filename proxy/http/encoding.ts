// Content-Encoding of bodies the gateway must read: identity, gzip, deflate (zlib or raw) and br, decoded
// with a bound on the decoded size so a small compressed body cannot expand without limit.
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync } from 'node:zlib'
import { HttpGatewayError } from './errors.ts'

export const DECODABLE = ['identity', 'gzip', 'x-gzip', 'deflate', 'br'] as const

/** The codings of a Content-Encoding value, in the order applied; [] for none. */
export function codings(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '' && s !== 'identity')
}

/** Undoes every coding (last applied first); throws `http.bad_encoding` for unknown or corrupt data. */
export function decodeBody(body: Uint8Array, contentEncoding: string | undefined, maxBytes: number, what: string): Uint8Array {
  let out = Buffer.from(body.buffer, body.byteOffset, body.byteLength)
  for (const coding of codings(contentEncoding).reverse()) {
    const opts = { maxOutputLength: maxBytes }
    try {
      if (coding === 'gzip' || coding === 'x-gzip') out = gunzipSync(out, opts)
      else if (coding === 'br') out = brotliDecompressSync(out, opts)
      else if (coding === 'deflate') {
        // RFC 9110 says zlib-wrapped; some servers send raw deflate.
        try {
          out = inflateSync(out, opts)
        } catch {
          out = inflateRawSync(out, opts)
        }
      } else throw new HttpGatewayError(415, 'http.bad_encoding', `${what} has Content-Encoding ${coding}; only gzip, deflate and br can be read`)
    } catch (err) {
      if (err instanceof HttpGatewayError) throw err
      const tooBig = (err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE'
      throw new HttpGatewayError(tooBig ? 413 : 400, tooBig ? 'http.body_too_large' : 'http.bad_encoding',
        tooBig ? `${what} decodes to more than ${maxBytes} bytes` : `${what} is not valid ${coding} data`, { cause: err })
    }
  }
  return out
}
