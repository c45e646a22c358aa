// A gzip file served as an answer's body (an S3 or Cloud Storage object `app.log.gz`, a download): not a
// Content-Encoding the client undoes, but text to anyone who runs gunzip. Under a mask it is read through gzip as
// the text it holds, masked, and compressed again; left as it came when the masker changed nothing. Known by its
// bytes (the gzip magic), never by Content-Type or name, which the agent chooses. As the MCP masker does for a
// gzip blob (mcp/blobs.ts): past the masking limit, or holding no text (a tar archive), it is withheld.
import { gunzipSync, gzipSync } from 'node:zlib'
import { failed } from './mask-decoded.ts'

export const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b

/** The bytes a gzip file inflates to (all its members); throws http.mask_failed past `limit` or when corrupt. */
export function inflateFile(bytes: Uint8Array, limit: number): Buffer {
  try {
    return gunzipSync(bytes, { maxOutputLength: limit })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw failed(`it is a gzip file that inflates to more than ${limit} bytes, past what the gateway masks`, err)
    throw failed('it is a gzip file that cannot be inflated', err)
  }
}

/** The file to send: `original` when masking changed nothing, else the masked text compressed again. */
export function deflateFile(original: Uint8Array, masked: Uint8Array, changed: number): Uint8Array {
  return changed === 0 ? original : gzipSync(masked)
}
