// Buffering only: splits a byte stream into length-prefixed frames. Knows nothing about what they mean.
// @see https://www.postgresql.org/docs/current/protocol-overview.html#PROTOCOL-MESSAGE-CONCEPTS
import { pgErrors, ProtocolError } from './errors.ts'

/**
 * Largest typed message accepted. PostgreSQL's own limit is 1 GiB for Query, Parse, Bind, CopyData and
 * FunctionCall; the gateway holds a whole message in memory before it forwards it, so it stops at 64 MiB.
 * COPY clients send data in many small CopyData messages (psql: one per line, libpq: as given), so the
 * limit binds only on a single value or row of more than 64 MiB. Larger messages end the session with
 * SQLSTATE 54000 (program_limit_exceeded), before their bytes are read.
 */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024
/** PostgreSQL's MAX_STARTUP_PACKET_LENGTH. */
export const MAX_STARTUP_BYTES = 10_000

const EMPTY = Buffer.alloc(0)

/**
 * Chunks smaller than this are copied together into one buffer of STAGE_BYTES instead of kept one by one. Measured, a
 * chunk kept costs about 500 bytes of memory (RSS) however small: 300,000 one-byte chunks of a message held 145 MB,
 * unseen by the message budget, and 9 MB once staged. Larger chunks cost under 7% more than their size.
 */
const STAGE_CHUNK_BYTES = 8 * 1024
const STAGE_BYTES = 64 * 1024

export interface Frame {
  /** Type character of a typed message; '' for a startup-phase packet, which has none. */
  type: string
  /** The payload after the length word. */
  payload: Buffer
  /** The whole frame as received (type, length, payload), for forwarding unchanged. */
  raw: Buffer
}

export class FrameReader {
  /** Bytes received, from `offset` on in `buf`, then the chunks in `more` (not yet joined). */
  private buf: Buffer = Buffer.alloc(0)
  private offset = 0
  private more: Buffer[] = []
  /** Bytes in `more` and in `stage`. */
  private moreBytes = 0
  /** Small chunks received after those in `more`, copied together; `staged` bytes of it are used. */
  private stage: Buffer | undefined
  private staged = 0
  /** Startup packets come first and have no type byte; the owner switches to typed once startup is done. */
  typed: boolean
  /** Largest typed message; the owner may lower it for a phase (authentication reads one small message). */
  maxBytes: number

  constructor(opts: { typed: boolean; maxBytes?: number }) {
    this.typed = opts.typed
    this.maxBytes = opts.maxBytes ?? MAX_FRAME_BYTES
  }

  /**
   * Chunks of a large frame are kept in a list and joined once, when the frame is whole: joining on every
   * chunk copied a 64 MiB message about a thousand times.
   */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return
    if (this.offset >= this.buf.length && this.moreBytes === 0) {
      this.buf = chunk
      this.offset = 0
      return
    }
    this.moreBytes += chunk.length
    if (chunk.length >= STAGE_CHUNK_BYTES) {
      this.unstage()
      this.more.push(chunk)
      return
    }
    if (this.stage && this.staged + chunk.length > this.stage.length) this.unstage()
    this.stage ??= Buffer.allocUnsafe(STAGE_BYTES)
    chunk.copy(this.stage, this.staged)
    this.staged += chunk.length
  }

  /** Moves the staged small chunks to the end of `more`, as one. */
  private unstage(): void {
    if (!this.stage) return
    this.more.push(this.stage.subarray(0, this.staged))
    this.stage = undefined
    this.staged = 0
  }

  /** Bytes received but not yet returned as frames. */
  buffered(): number {
    return this.buf.length - this.offset + this.moreBytes
  }

  /** Takes every byte not yet returned as a frame, leaving the reader empty. */
  take(): Buffer {
    this.join(this.buffered())
    const rest = this.buf.subarray(this.offset)
    this.buf = Buffer.alloc(0)
    this.offset = 0
    return rest
  }

  /** Makes at least `n` bytes (all of them when fewer are buffered) contiguous from `offset`. */
  private join(n: number): void {
    if (this.buf.length - this.offset >= n) return
    this.unstage()
    if (this.more.length === 0) return
    const parts = [this.buf.subarray(this.offset)]
    let have = parts[0]!.length
    while (have < n && this.more.length) {
      const c = this.more.shift()!
      parts.push(c)
      have += c.length
      this.moreBytes -= c.length
    }
    this.buf = Buffer.concat(parts, have)
    this.offset = 0
  }

  /** Total length of the next frame (type byte included) once its header is buffered; throws on a bad or too large length. */
  nextFrameLength(): number | undefined {
    const head = this.typed ? 5 : 4
    if (this.buffered() < head) return undefined
    this.join(head)
    const len = this.buf.readInt32BE(this.typed ? this.offset + 1 : this.offset)
    if (len < 4 || (!this.typed && len < 8)) throw new ProtocolError(`invalid message length ${len}`)
    if (!this.typed && len > MAX_STARTUP_BYTES) throw new ProtocolError(`startup packet length ${len} exceeds the limit of ${MAX_STARTUP_BYTES} bytes`)
    if (this.typed && len > this.maxBytes) {
      const type = String.fromCharCode(this.buf[this.offset]!)
      throw pgErrors.messageTooLarge(type, len, this.maxBytes)
    }
    return len + (this.typed ? 1 : 0)
  }

  /** The next frame is whole in the buffer (false when it is not, or its header is invalid). */
  hasWholeFrame(): boolean {
    try {
      const total = this.nextFrameLength()
      return total !== undefined && this.buffered() >= total
    } catch {
      return false
    }
  }

  /** Type of the next typed frame when all of it is buffered (nothing is consumed); undefined otherwise. */
  peekType(): string | undefined {
    if (!this.typed || !this.hasWholeFrame()) return undefined
    return String.fromCharCode(this.buf[this.offset]!)
  }

  /** The next complete frame, or undefined when more bytes are needed. Throws on a bad or too large length. */
  next(): Frame | undefined {
    const total = this.nextFrameLength()
    if (total === undefined || this.buffered() < total) return undefined
    this.join(total)
    const at = this.offset
    const raw = this.buf.subarray(at, at + total)
    this.offset += total
    // The frame keeps its own bytes alive; the reader must not keep a large joined buffer alive behind a few bytes
    // of the next message (an idle session would hold it unaccounted). Copying a rest smaller than the frame just
    // read costs less than reading it did.
    const rest = this.buf.length - this.offset
    if (rest === 0 || (total >= 64 * 1024 && rest < total)) {
      this.buf = rest === 0 ? EMPTY : Buffer.from(this.buf.subarray(this.offset))
      this.offset = 0
    }
    return {
      type: this.typed ? String.fromCharCode(raw[0]!) : '',
      payload: raw.subarray(this.typed ? 5 : 4),
      raw,
    }
  }
}
