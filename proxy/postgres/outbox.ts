// Batches writes to one socket: frames written while processing a burst go out together, as one write, when
// flushed. Frames forwarded unchanged from one received chunk sit side by side in memory and are merged into
// one view without copying.
import type { Writable } from 'node:stream'

/**
 * Up to this many bytes a batch is copied into one buffer and written once; above it the frames go out
 * corked (one writev, no copy). Measured: a typical answer (RowDescription, DataRow, CommandComplete,
 * ReadyForQuery, ~150 bytes) costs less as one copied write than through cork/uncork, which queues a request
 * object per frame and builds a writev list.
 */
const COPY_LIMIT = 16 * 1024

export class Outbox {
  private pending: Buffer[] = []
  private bytes = 0
  private held = false

  constructor(private readonly stream: Writable) {}

  write(buf: Buffer): void {
    if (this.stream.destroyed || buf.length === 0) return
    const n = this.pending.length
    const last = n > 0 ? this.pending[n - 1]! : undefined
    if (last && last.buffer === buf.buffer && last.byteOffset + last.length === buf.byteOffset) {
      this.pending[n - 1] = Buffer.from(last.buffer, last.byteOffset, last.length + buf.length)
    } else {
      this.pending.push(buf)
    }
    this.bytes += buf.length
  }

  /**
   * Defers flushes until release(): for an answer the peer cannot act on before a later one arrives (it
   * already sent the Sync whose ReadyForQuery ends it), so both go out as one write. Past COPY_LIMIT bytes
   * flushes go ahead anyway: large results still stream.
   */
  hold(): void {
    this.held = true
  }

  /** Ends a hold; what is pending goes out with the next flush(). */
  release(): void {
    this.held = false
  }

  flush(): void {
    const list = this.pending
    if (list.length === 0 || (this.held && this.bytes <= COPY_LIMIT)) return
    const bytes = this.bytes
    this.pending = []
    this.bytes = 0
    if (this.stream.destroyed) return
    if (list.length === 1) {
      this.stream.write(list[0])
    } else if (bytes <= COPY_LIMIT) {
      this.stream.write(Buffer.concat(list, bytes))
    } else {
      this.stream.cork()
      for (const b of list) this.stream.write(b)
      this.stream.uncork()
    }
  }

  /** The peer reads slower than we write: stop producing until drained(). */
  get congested(): boolean {
    return this.stream.writableNeedDrain
  }

  drained(): Promise<void> {
    if (!this.stream.writableNeedDrain || this.stream.destroyed) return Promise.resolve()
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done)
        this.stream.off('close', done)
        resolve()
      }
      this.stream.on('drain', done)
      this.stream.on('close', done)
    })
  }
}
