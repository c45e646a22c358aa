// Batches writes to one socket: frames written while processing a burst go out together when flushed.
import type { Writable } from 'node:stream'

export class Outbox {
  private corked = false

  constructor(private readonly stream: Writable) {}

  write(buf: Buffer): void {
    if (this.stream.destroyed) return
    if (!this.corked) {
      this.stream.cork()
      this.corked = true
    }
    this.stream.write(buf)
  }

  flush(): void {
    if (!this.corked) return
    this.corked = false
    this.stream.uncork()
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
