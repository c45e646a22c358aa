// Buffering only: splits a byte stream into length-prefixed frames. Knows nothing about what they mean.
// @see https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-MESSAGE-CONCEPTS
import { ProtocolError } from './errors.ts'

/** Largest typed message accepted (PostgreSQL's own limit for most messages is 1 GiB; a gateway needs less). */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024
/** PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
export const MAX_STARTUP_BYTES = 10_000

export interface Frame {
  /** Type character of a typed message; '' for a startup-phase packet, which has none. */
  type: string
  /** The payload after the length word. */
  payload: Buffer
  /** The whole frame as received (type, length, payload), for forwarding unchanged. */
  raw: Buffer
}

export class FrameReader {
  private buf: Buffer = Buffer.alloc(0)
  private offset = 0
  /** Startup packets come first and have no type byte; the owner switches to typed once startup is done. */
  typed: boolean

  constructor(opts: { typed: boolean; maxBytes?: number }) {
    this.typed = opts.typed
    this.maxBytes = opts.maxBytes ?? MAX_FRAME_BYTES
  }
  private readonly maxBytes: number

  // Chunks received after `buf`, joined only once the frame they complete is whole: a 20 MB DataRow arriving in
  // 64 KB chunks used to be re-concatenated on every chunk (quadratic, ~5 s of copying on the socket thread that
  // serves every session); now each byte is copied at most once.
  private chunks: Buffer[] = []
  private pending = 0

  push(chunk: Buffer): void {
    if (this.offset >= this.buf.length && this.chunks.length === 0) {
      this.buf = chunk
      this.offset = 0
    } else {
      this.chunks.push(chunk)
      this.pending += chunk.length
    }
  }

  /** Moves every pending chunk into `buf`. */
  private join(): void {
    if (!this.chunks.length) return
    this.buf = Buffer.concat([this.buf.subarray(this.offset), ...this.chunks])
    this.offset = 0
    this.chunks = []
    this.pending = 0
  }

  /** Bytes received but not yet returned as frames. */
  buffered(): number {
    return this.buf.length - this.offset + this.pending
  }

  /** Takes every byte not yet returned as a frame, leaving the reader empty. */
  take(): Buffer {
    this.join()
    const rest = this.buf.subarray(this.offset)
    this.buf = Buffer.alloc(0)
    this.offset = 0
    return rest
  }

  /** The length word of the next frame when its header is buffered (joining pending chunks for it if needed). */
  private header(head: number): number | undefined {
    if (this.buffered() < head) return undefined
    if (this.buf.length - this.offset < head) this.join()
    return this.buf.readInt32BE(this.typed ? this.offset + 1 : this.offset)
  }

  /** Type of the next typed frame when all of it is buffered (nothing is consumed); undefined otherwise. */
  peekType(): string | undefined {
    if (!this.typed) return undefined
    const len = this.header(5)
    if (len === undefined || len < 4 || this.buffered() < len + 1) return undefined
    return String.fromCharCode(this.buf[this.offset]!)
  }

  /** The next complete frame, or undefined when more bytes are needed. Throws ProtocolError on a bad length. */
  next(): Frame | undefined {
    const head = this.typed ? 5 : 4
    const len = this.header(head)
    if (len === undefined) return undefined
    const limit = this.typed ? this.maxBytes : MAX_STARTUP_BYTES
    if (len < 4 || (!this.typed && len < 8)) throw new ProtocolError(`invalid message length ${len}`)
    if (len > limit) throw new ProtocolError(`message length ${len} exceeds the limit of ${limit} bytes`)
    const total = len + (this.typed ? 1 : 0)
    if (this.buffered() < total) return undefined
    if (this.buf.length - this.offset < total) this.join()
    const at = this.offset
    const raw = this.buf.subarray(at, at + total)
    this.offset += total
    return {
      type: this.typed ? String.fromCharCode(raw[0]!) : '',
      payload: raw.subarray(head),
      raw,
    }
  }
}
