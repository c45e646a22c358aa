// Byte-level readers and writers for PostgreSQL protocol payloads (big-endian integers, NUL-terminated strings).
// Decoders throw ProtocolError on any malformed payload, never a RangeError from the Buffer API.
import { pgErrors, ProtocolError } from './errors.ts'
import { MAX_NAME_BYTES } from './limits.ts'

// Fatal: lossy decoding would turn different invalid byte strings into one JavaScript string. ignoreBOM keeps
// a leading U+FEFF, which the server keeps too.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** Reads one message payload front to back. */
export class WireReader {
  private offset = 0
  constructor(private readonly buf: Buffer, private readonly what: string) {}

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.buf.length) throw new ProtocolError(`${this.what}: message is truncated`)
  }

  byte(): number {
    this.need(1)
    return this.buf[this.offset++]!
  }

  int16(): number {
    this.need(2)
    const v = this.buf.readInt16BE(this.offset)
    this.offset += 2
    return v
  }

  int32(): number {
    this.need(4)
    const v = this.buf.readInt32BE(this.offset)
    this.offset += 4
    return v
  }

  /** A NUL-terminated UTF-8 string. */
  cstring(): string {
    const end = this.buf.indexOf(0, this.offset)
    if (end < 0) throw new ProtocolError(`${this.what}: string is not NUL-terminated`)
    const s = this.buf.toString('utf8', this.offset, end)
    this.offset = end + 1
    return s
  }

  /**
   * A NUL-terminated string that must be valid UTF-8, as the server (client_encoding UTF8) requires of SQL text
   * and names. Throws a non-fatal PgError (22021) that the session reports like a server error.
   */
  text(what: string): string {
    const end = this.buf.indexOf(0, this.offset)
    if (end < 0) throw new ProtocolError(`${this.what}: string is not NUL-terminated`)
    const bytes = this.buf.subarray(this.offset, end)
    this.offset = end + 1
    try {
      return strictUtf8.decode(bytes)
    } catch {
      throw pgErrors.invalidUtf8(`${what} in the ${this.what} message`)
    }
  }

  /**
   * A prepared statement or portal name: the server keeps only its first MAX_NAME_BYTES bytes, so a longer
   * name could collide with another one; it is refused (42622).
   */
  name(what: 'prepared statement' | 'portal'): string {
    const start = this.offset
    const name = this.text(`${what} name`)
    const bytes = this.offset - 1 - start
    if (bytes > MAX_NAME_BYTES) throw pgErrors.nameTooLong(what, bytes)
    return name
  }

  bytes(n: number): Buffer {
    this.need(n)
    const b = this.buf.subarray(this.offset, this.offset + n)
    this.offset += n
    return b
  }

  /**
   * A count of items, unsigned 16 bits as PostgreSQL reads it (pq_getmsgint: a Bind may carry up to 65,535
   * parameters), plausible for the bytes left (each item at least `minSize` bytes).
   */
  count(minSize: number): number {
    this.need(2)
    const n = this.buf.readUInt16BE(this.offset)
    this.offset += 2
    if (n * minSize > this.remaining()) throw new ProtocolError(`${this.what}: invalid item count ${n}`)
    return n
  }

  rest(): Buffer {
    const b = this.buf.subarray(this.offset)
    this.offset = this.buf.length
    return b
  }

  remaining(): number {
    return this.buf.length - this.offset
  }

  /** Every decoder ends with this: trailing garbage is a protocol violation. */
  end(): void {
    if (this.offset !== this.buf.length) throw new ProtocolError(`${this.what}: ${this.buf.length - this.offset} unexpected trailing bytes`)
  }
}

/** Builds one message payload; `frame` adds the type byte and length. */
export class WireWriter {
  private chunks: Buffer[] = []
  private size = 0

  private push(b: Buffer): this {
    this.chunks.push(b)
    this.size += b.length
    return this
  }

  byte(v: number): this {
    return this.push(Buffer.from([v & 0xff]))
  }

  int16(v: number): this {
    const b = Buffer.allocUnsafe(2)
    b.writeInt16BE(v)
    return this.push(b)
  }

  int32(v: number): this {
    const b = Buffer.allocUnsafe(4)
    b.writeInt32BE(v | 0)
    return this.push(b)
  }

  cstring(s: string): this {
    if (s.includes('\0')) throw new ProtocolError('cannot encode a string containing NUL')
    return this.push(Buffer.from(s + '\0', 'utf8'))
  }

  bytes(b: Uint8Array): this {
    return this.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength))
  }

  payload(): Buffer {
    return Buffer.concat(this.chunks, this.size)
  }
}

/**
 * A typed message: type byte, int32 length (including itself), payload.
 * @see https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-MESSAGE-CONCEPTS
 */
export function frame(type: string, payload: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(5 + payload.length)
  out[0] = type.charCodeAt(0)
  out.writeInt32BE(4 + payload.length, 1)
  payload.copy(out, 5)
  return out
}

/** A startup-phase packet has no type byte: int32 length, then payload. */
export function untypedFrame(payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + payload.length)
  out.writeInt32BE(4 + payload.length, 0)
  payload.copy(out, 4)
  return out
}
