// Pull-based reading of frames from a stream: `await source.next()` yields the next whole frame, or null at
// end of stream. Used for the startup conversations and the client's message loop; pauses the stream when
// the reader falls behind so a fast client cannot make the gateway buffer without bound.
import type { Duplex } from 'node:stream'
import { FrameReader, type Frame } from './framing.ts'

const HIGH_WATER = 1024 * 1024

export class FrameSource {
  readonly reader: FrameReader
  private waiter: { resolve(f: Frame | null): void; reject(e: unknown): void } | undefined
  private ended = false
  private failure: unknown
  private paused = false
  private readonly onData = (chunk: Buffer) => {
    this.reader.push(chunk)
    this.flow()
    this.wake()
  }
  private readonly onEnd = () => {
    this.ended = true
    this.wake()
  }
  private readonly onError = (err: unknown) => {
    this.failure ??= err
    this.ended = true
    this.wake()
  }

  constructor(private readonly stream: Duplex, opts: { typed: boolean; maxBytes?: number; initial?: Buffer }) {
    this.reader = new FrameReader(opts)
    if (opts.initial?.length) this.reader.push(opts.initial)
    stream.on('data', this.onData)
    stream.on('end', this.onEnd)
    stream.on('close', this.onEnd)
    stream.on('error', this.onError)
  }

  /**
   * Pauses the stream while the client is ahead of the loop (a whole frame waits and more than HIGH_WATER
   * bytes are buffered), and resumes it otherwise. A frame larger than HIGH_WATER must still be read whole:
   * pausing on the byte count alone stalled every message over 1 MiB forever.
   */
  private flow(): void {
    const pause = this.reader.buffered() > HIGH_WATER && this.reader.hasWholeFrame()
    if (pause === this.paused) return
    this.paused = pause
    if (pause) this.stream.pause()
    else this.stream.resume()
  }

  private wake(): void {
    const w = this.waiter
    if (!w) return
    let f: Frame | undefined
    try {
      f = this.reader.next()
    } catch (err) {
      this.waiter = undefined
      w.reject(err)
      return
    }
    if (f) {
      this.waiter = undefined
      this.flow()
      w.resolve(f)
    } else if (this.ended) {
      this.waiter = undefined
      if (this.failure !== undefined) w.reject(this.failure)
      else w.resolve(null)
    }
  }

  /** The next frame; null when the stream ended cleanly. Throws ProtocolError on bad framing. */
  next(): Promise<Frame | null> {
    if (this.waiter) return Promise.reject(new Error('FrameSource.next called while a read is pending'))
    let f: Frame | undefined
    try {
      f = this.reader.next()
    } catch (err) {
      return Promise.reject(err)
    }
    if (this.paused) this.flow()
    if (f) return Promise.resolve(f)
    if (this.ended) return this.failure !== undefined ? Promise.reject(this.failure) : Promise.resolve(null)
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }

  /** A frame is already buffered: processing it needs no wait. */
  hasFrame(): boolean {
    return this.reader.hasWholeFrame()
  }

  /** Type of the next frame when it is already whole in the buffer (the client sent it): nothing is consumed. */
  nextType(): string | undefined {
    return this.reader.peekType()
  }

  /** Stops listening, pauses the stream and returns the bytes read but not yet framed, for the next owner. */
  detach(): Buffer {
    this.stream.off('data', this.onData)
    this.stream.off('end', this.onEnd)
    this.stream.off('close', this.onEnd)
    this.stream.off('error', this.onError)
    // Paused for the next owner, which resumes once its listeners are attached.
    this.stream.pause()
    return this.reader.take()
  }
}
