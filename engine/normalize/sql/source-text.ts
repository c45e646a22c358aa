// The parser reports offsets in UTF-8 bytes; JavaScript strings index UTF-16 units. A SourceText keeps the
// encoded bytes once so statement and token offsets cut the right characters.

/**
 * Lone surrogates (from invalid input) become U+FFFD, as they would on the wire when the text is encoded
 * to UTF-8, so the parser and the byte offsets see the same characters.
 */
export { wellFormed } from '../../well-formed.ts'

export class SourceText {
  readonly text: string
  readonly bytes: Buffer

  constructor(text: string) {
    this.text = text
    this.bytes = Buffer.from(text, 'utf8')
  }

  get byteLength(): number {
    return this.bytes.length
  }

  /** Text between two byte offsets, trimmed of surrounding whitespace. */
  slice(startByte: number, endByte = this.bytes.length): string {
    const start = Math.max(0, Math.min(startByte, this.bytes.length))
    const end = Math.max(start, Math.min(endByte, this.bytes.length))
    return this.bytes.subarray(start, end).toString('utf8').trim()
  }
}
