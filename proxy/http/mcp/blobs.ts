// Base64 content in MCP messages, opened for the masker: a resource's `blob` (a text file served as binary, an
// embedded resource in a tool result) and the `data` of image and audio content. Text detectors cannot see a
// secret through base64, so each such string that decodes to UTF-8 text is replaced by that text before
// masking, and encoded again after. Binary content (an image, a PDF) is left as it is: it is not text.
// @see https://modelcontextprotocol.io/specification/2025-06-18/server/resources#binary-content
import { isExactNumber } from '../../../engine/obligations/mask/json-numbers.ts'

// A number kept as its text (json-numbers.ts) is a number, not an object to walk into.
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v) && !isExactNumber(v)

const MAX_DEPTH = 64
const utf8 = new TextDecoder('utf-8', { fatal: true })

/** Where a decoded string sits: the keys and indexes from the root. */
export type BlobPath = Array<string | number>

function decoded(text: string): string | undefined {
  const compact = text.replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) return undefined
  try {
    return utf8.decode(Buffer.from(compact, 'base64'))
  } catch {
    return undefined
  }
}

function base64Field(node: Record<string, unknown>): 'blob' | 'data' | undefined {
  if (typeof node.blob === 'string') return 'blob'
  if ((node.type === 'image' || node.type === 'audio') && typeof node.data === 'string') return 'data'
  return undefined
}

/** A copy of `doc` with every base64 text decoded, and where each one was. The input is not modified. */
export function decodeBlobs(doc: unknown): { doc: unknown; paths: BlobPath[] } {
  const paths: BlobPath[] = []
  function walk(node: unknown, path: BlobPath): unknown {
    if (path.length > MAX_DEPTH) return node
    if (Array.isArray(node)) return node.map((v, i) => walk(v, [...path, i]))
    if (!isObject(node)) return node
    const out: Record<string, unknown> = {}
    for (const [k, v] of Object.entries(node)) out[k] = walk(v, [...path, k])
    const field = base64Field(node)
    const text = field === undefined ? undefined : decoded(node[field] as string)
    if (field !== undefined && text !== undefined) {
      out[field] = text
      paths.push([...path, field])
    }
    return out
  }
  return { doc: walk(doc, []), paths }
}

/** `doc` (a masked copy of decodeBlobs' output) with the decoded strings encoded again, in place. */
export function encodeBlobs(doc: unknown, paths: readonly BlobPath[]): unknown {
  for (const path of paths) {
    let node: unknown = doc
    for (const key of path.slice(0, -1)) node = (node as Record<string | number, unknown> | undefined)?.[key]
    const last = path[path.length - 1]!
    if (node === null || typeof node !== 'object') continue
    const holder = node as Record<string | number, unknown>
    if (typeof holder[last] === 'string') holder[last] = Buffer.from(holder[last] as string, 'utf8').toString('base64')
  }
  return doc
}
