// Base64 content in MCP messages, opened for the masker: a resource's `blob` (a text file served as binary, an
// embedded resource in a tool result) and the `data` of image and audio content. Text detectors cannot see a
// secret through base64, so each such string is replaced by the text it encodes before masking, and encoded
// again after, in the same encoding and base64 alphabet. A text file is not always UTF-8: one marked UTF-16 is
// read as such, and other bytes with no NUL among them as Latin-1, where every byte is one character (a CSV
// written in Latin-1 or Windows-1252 is read as the text it is, and written back byte for byte but where a
// detector matched). Left encoded, a Latin-1 export reached the client with its emails unmasked. Bytes with a NUL
// are binary (an image, a PDF: every PNG and JPEG has one), left as they are: the detectors took 1.7 s over a
// 4 MB screenshot read as Latin-1. A gzip file (a rotated log, `app.log.2.gz`) is text to any client that runs
// gunzip: its bytes are read through gzip as the text they hold, and always compressed again after masking (only
// what the masker read goes out). One that inflates past what the gateway masks is withheld.
// @see https://modelcontextprotocol.io/specification/2025-06-18/server/resources#binary-content
import { gunzipSync, gzipSync } from 'node:zlib'
import { MaskError } from '../../../engine/obligations/errors.ts'
import { isExactNumber } from '../../../engine/obligations/mask/json-numbers.ts'
import { MAX_MASKED_BYTES } from '../mask-response.ts'

// A number kept as its text (json-numbers.ts) is a number, not an object to walk into.
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !isExactNumber(v)

const MAX_DEPTH = 64
const decoders = {
  'utf-8': new TextDecoder('utf-8', { fatal: true }),
  'utf-16le': new TextDecoder('utf-16le', { fatal: true, ignoreBOM: true }),
  'utf-16be': new TextDecoder('utf-16be', { fatal: true, ignoreBOM: true }),
}

type TextEncoding = keyof typeof decoders | 'latin1'

/** Where a decoded string sits (the keys and indexes from the root), and how to encode it again. */
export interface BlobPath {
  path: Array<string | number>
  encoding: TextEncoding
  /** base64url when the server wrote `-` or `_` (Buffer reads both alphabets alike; so may a client). */
  alphabet: 'base64' | 'base64url'
  /** The bytes were gzip: compressed again. */
  gzip: boolean
  /** The string as the server sent it and as it was decoded: put back as it was when the masker left it so. */
  source: string
  text: string
}

type Opened = Pick<BlobPath, 'encoding' | 'alphabet' | 'gzip' | 'text'>

function decoded(text: string): Opened | undefined {
  const compact = text.replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact) || compact.length % 4 === 1) return undefined
  const alphabet = /[-_]/.test(compact) ? 'base64url' : 'base64'
  if (alphabet === 'base64url' && /[+/]/.test(compact)) return undefined
  const bytes = Buffer.from(compact, alphabet)
  // Bytes that start as gzip but do not inflate are read as any other bytes: skipped, text with the gzip magic
  // in front of it went out unmasked.
  const inner = bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipped(bytes) : undefined
  if (inner) {
    const opened = textOf(inner)
    return opened && { ...opened, alphabet, gzip: true }
  }
  const opened = textOf(bytes)
  return opened && { ...opened, alphabet, gzip: false }
}

/**
 * The text a base64 blob holds as the masker reads it (through gzip, UTF-16 by its mark, else UTF-8 or Latin-1);
 * undefined for binary. Throws MaskError past the masking limit, or for a gzip that does not inflate whole.
 */
export function blobText(blob: string): string | undefined {
  return decoded(blob)?.text
}

/**
 * The bytes a gzip member inflates to; undefined when they are no gzip; throws past the masking limit. gunzip
 * writes out what a truncated member holds, and ignores bytes after the last member (tar padding, garbage), where
 * Node throws: a blob that is gzip (magic and deflate) but does not inflate whole is withheld, not passed unread.
 */
function gunzipped(bytes: Buffer): Buffer | undefined {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_MASKED_BYTES })
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new MaskError(`a gzip blob inflates to more than ${MAX_MASKED_BYTES} bytes`, { cause: err })
    if (bytes[2] === 8) throw new MaskError('a gzip blob does not inflate whole (truncated, or followed by bytes that are no gzip member), and gunzip would still give its text: it is withheld; serve the file whole', { cause: err })
    return undefined
  }
}

function textOf(bytes: Buffer): { text: string; encoding: TextEncoding } | undefined {
  // A UTF-16 mark, read as UTF-16 (the mark is kept in the text, and so written back).
  const wide = bytes[0] === 0xff && bytes[1] === 0xfe ? 'utf-16le' : bytes[0] === 0xfe && bytes[1] === 0xff ? 'utf-16be' : undefined
  for (const encoding of wide ? [wide, 'utf-8'] as const : ['utf-8'] as const) {
    try {
      return { text: decoders[encoding].decode(bytes), encoding }
    } catch {
      // not this encoding
    }
  }
  return bytes.includes(0) ? undefined : { text: bytes.toString('latin1'), encoding: 'latin1' }
}

function encoded(text: string, encoding: TextEncoding): Buffer {
  if (encoding === 'utf-8') return Buffer.from(text, 'utf8')
  if (encoding === 'latin1') return Buffer.from(text, 'latin1')
  const le = Buffer.from(text, 'utf16le')
  return encoding === 'utf-16le' ? le : le.swap16()
}

function base64Field(node: Record<string, unknown>): 'blob' | 'data' | undefined {
  if (typeof node.blob === 'string') return 'blob'
  if ((node.type === 'image' || node.type === 'audio') && typeof node.data === 'string') return 'data'
  return undefined
}

/** A copy of `doc` with every base64 text decoded, and where each one was. The input is not modified. */
export function decodeBlobs(doc: unknown): { doc: unknown; paths: BlobPath[] } {
  const paths: BlobPath[] = []
  function walk(node: unknown, path: Array<string | number>): unknown {
    if (path.length > MAX_DEPTH) return node
    if (Array.isArray(node)) return node.map((v, i) => walk(v, [...path, i]))
    if (!isObject(node)) return node
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(node)) out[k] = walk(v, [...path, k])
    const field = base64Field(node)
    const open = field === undefined ? undefined : decoded(node[field] as string)
    if (field !== undefined && open !== undefined) {
      out[field] = open.text
      paths.push({ path: [...path, field], ...open, source: node[field] as string })
    }
    return out
  }
  return { doc: walk(doc, []), paths }
}

/** `doc` (a masked copy of decodeBlobs' output) with the decoded strings encoded again, in place. */
export function encodeBlobs(doc: unknown, paths: readonly BlobPath[]): unknown {
  for (const { path, encoding, alphabet, gzip, source, text } of paths) {
    let node: unknown = doc
    for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown> | undefined)?.[key]
    const last = path[path.length - 1]!
    if (node === null || typeof node !== 'object') continue
    const holder = node as Record<string | number, unknown>
    if (typeof holder[last] !== 'string') continue
    // A gzip blob is compressed again even when nothing in it was masked: bytes gunzip never inflates (after a
    // NUL past a member anything may follow; a header's comment) went out as they came.
    if (holder[last] === text && !gzip) holder[last] = source
    else {
      const bytes = encoded(holder[last] as string, encoding)
      holder[last] = (gzip ? gzipSync(bytes) : bytes).toString(alphabet)
    }
  }
  return doc
}
