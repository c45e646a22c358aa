// Strict UTF-8 reading of response bodies, as `new TextDecoder('utf-8', { fatal: true })` reads them, on node's
// validator (buffer.isUtf8) and Buffer's decoder: the same text for valid UTF-8 (one leading byte-order mark
// dropped, as TextDecoder does), undefined where TextDecoder throws. A fatal TextDecoder made and run per
// response cost ~5 µs of a small masked answer; utf8.test.ts holds the two together on adversarial bytes.
import { isUtf8 } from 'node:buffer'

const BOM = 0xfeff

/** The text of `bytes` if they are valid UTF-8; undefined if not. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  if (!isUtf8(bytes)) return undefined
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')
  return text.charCodeAt(0) === BOM ? text.slice(1) : text
}

/** Whether `chunk` can begin a UTF-8 text: valid, except for a sequence cut at its end (more bytes to come). */
export function utf8Start(chunk: Uint8Array): boolean {
  if (isUtf8(chunk)) return true
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(chunk, { stream: true })
    return true
  } catch {
    return false
  }
}
