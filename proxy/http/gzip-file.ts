// A gzip file served as an answer's body (an S3 or Cloud Storage object `app.log.gz`, a download): not a
// Content-Encoding the client undoes, but text to anyone who runs gunzip. Under a mask it is read through gzip as
// the text it holds, masked, and compressed again. Known by its bytes (the gzip magic), never by Content-Type or
// name, which the agent chooses. As the MCP masker does for a gzip blob (mcp/blobs.ts): past the masking limit, or
// holding no text (a tar archive), it is withheld.
//
// Sent as it came only when the masker changed nothing and the file is bare: one member whose header names no
// file and carries no comment or extra field, and nothing after it. A gzip file holds bytes gunzip never inflates
// (after a member, a NUL byte ends what zlib reads and anything may follow; a header's name, comment and extra
// field), and those went out unmasked beside text the masker had found clean. Any other file is compressed again
// (a client checking the object's hash, as gcloud storage cp does, then refuses it: the bare file is the common one).
// Inflated and compressed on the thread pool: 32 MiB of text is ~70 ms to inflate and ~200 ms to compress, work
// the socket thread does not do.
// @see https://www.rfc-editor.org/rfc/rfc1952#section-2.3
import { promisify } from 'node:util'
import { gunzip, gzip, inflateRaw, type ZlibOptions } from 'node:zlib'
import { failed } from './mask-decoded.ts'

const gunzipAsync = promisify(gunzip)
const gzipAsync = promisify(gzip)
// With `info`, zlib answers the engine too: its bytesWritten is the input it consumed.
const inflateRawInfo = promisify(inflateRaw) as unknown as (bytes: Uint8Array, options: ZlibOptions & { info: true }) => Promise<{ engine: { bytesWritten: number } }>

// The fixed header (magic, method, flags, mtime, xfl, os) and the trailer (crc32, size).
const HEADER = 10
const TRAILER = 8
const DEFLATE = 8
const FTEXT = 0x01

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

/** Whether a gzip file (one that inflated) is one member with no optional header field and nothing after it. */
async function bare(bytes: Uint8Array, limit: number): Promise<boolean> {
  if (bytes.length < HEADER + TRAILER || bytes[2] !== DEFLATE || (bytes[3]! & ~FTEXT) !== 0) return false
  try {
    const { engine } = await inflateRawInfo(bytes.subarray(HEADER), { info: true, maxOutputLength: limit })
    return engine.bytesWritten === bytes.length - HEADER - TRAILER
  } catch {
    return false
  }
}

/** The file to send: `original` when masking changed nothing and it is bare, else the masked text compressed again. */
export async function deflateFile(original: Uint8Array, masked: Uint8Array, changed: number, limit: number): Promise<Uint8Array> {
  return changed === 0 && (await bare(original, limit)) ? original : gzipAsync(masked)
}
