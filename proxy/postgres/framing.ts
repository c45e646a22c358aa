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

  push(chunk: Buffer): void {
    if (this.offset >= this.buf.length) {
      this.buf = chunk
      this.offset = 0
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.offset), chunk])
      this.offset = 0
    }
  }

  /** Bytes received but not yet returned as frames. */
  buffered(): number {
    return this.buf.length - this.offset
  }

  /** Takes every byte not yet returned as a frame, leaving the reader empty. */
  take(): Buffer {
    const rest = this.buf.subarray(this.offset)
    this.buf = Buffer.alloc(0)
    this.offset = 0
    return rest
  }

  /** Type of the next typed frame when all of it is buffered (nothing is consumed); undefined otherwise. */
  peekType(): string | undefined {
    if (!this.typed) return undefined
    const at = this.offset
    if (this.buf.length - at < 5) return undefined
    const len = this.buf.readInt32BE(at + 1)
    if (len < 4 || this.buf.length - at < len + 1) return undefined
    return String.fromCharCode(this.buf[at]!)
  }

  /** The next complete frame, or undefined when more bytes are needed. Throws ProtocolError on a bad length. */
  next(): Frame | undefined {
    const avail = this.buf.length - this.offset
    const head = this.typed ? 5 : 4
    if (avail < head) return undefined
    const at = this.offset
    const len = this.buf.readInt32BE(this.typed ? at + 1 : at)
    const limit = this.typed ? this.maxBytes : MAX_STARTUP_BYTES
    if (len < 4 || (!this.typed && len < 8)) throw new ProtocolError(`invalid message length ${len}`)
    if (len > limit) throw new ProtocolError(`message length ${len} exceeds the limit of ${limit} bytes`)
    const total = len + (this.typed ? 1 : 0)
    if (avail < total) return undefined
    const raw = this.buf.subarray(at, at + total)
    this.offset += total
    return {
      type: this.typed ? String.fromCharCode(raw[0]!) : '',
      payload: raw.subarray(head),
      raw,
    }
  }
}
