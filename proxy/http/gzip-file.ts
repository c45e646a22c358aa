// A gzip file served as an answer's body (an S3 or Cloud Storage object `app.log.gz`, a download): not a
// Content-Encoding the client undoes, but text to anyone who runs gunzip. Under a mask it is read through gzip as
// the text it holds, masked, and compressed again. Known by its bytes (the gzip magic), never by Content-Type or
// name, which the agent chooses. As the MCP masker does for a gzip blob (mcp/blobs.ts): past the masking limit, or
// holding no text (a tar archive), it is withheld.
//
// Always compressed again, never sent as it came when nothing was masked: a gzip file holds bytes gunzip never
// inflates (after a member, a NUL byte ends what zlib reads and anything may follow; a member's header carries a
// file name, a comment and an extra field), and those went out unmasked beside text the masker had found clean.
// Inflated and compressed on the thread pool: 32 MiB of text is ~70 ms to inflate and ~200 ms to compress, work
// the socket thread does not do.
import { promisify } from 'node:util'
import { gunzip, gzip } from 'node:zlib'
import { failed } from './mask-decoded.ts'

const gunzipAsync = promisify(gunzip)
const gzipAsync = promisify(gzip)

export const isGzip = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b

/** The bytes a gzip file inflates to (all its members); rejects with http.mask_failed past `limit` or when corrupt. */
export async function inflateFile(bytes: Uint8Array, limit: number): Promise<Buffer> {
  try {
    return await gunzipAsync(bytes, { maxOutputLength: limit })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw failed(`it is a gzip file that inflates to more than ${limit} bytes, past what the gateway masks`, err)
    throw failed('it is a gzip file that cannot be inflated', err)
  }
}

/** The file to send: the masked text compressed again (only what the masker read goes out). */
export function deflateFile(masked: Uint8Array): Promise<Buffer> {
  return gzipAsync(masked)
}
