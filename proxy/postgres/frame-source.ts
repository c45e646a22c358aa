// Pull-based reading of frames from a stream: `await source.next()` yields the next whole frame, or null at
// end of stream. Used for the startup conversations and the client's message loop; pauses the stream when
// the reader falls behind so a fast client cannot make the gateway buffer without bound. A client's source charges
// what it buffers to the listener's message budget and may put a deadline on each message (message-*.ts).
import type { Duplex } from 'node:stream'
import { pgErrors } from './errors.ts'
import { FrameReader, type Frame } from './framing.ts'
import type { MessageBudget } from './message-budget.ts'
import { MessageDeadline } from './message-deadline.ts'

const HIGH_WATER = 1024 * 1024

export class FrameSource {
  readonly reader: FrameReader
  private waiter: { resolve(f: Frame | null): void; reject(e: unknown): void } | undefined
  private ended = false
  private failure: unknown
  private paused = false
  private readonly budget: MessageBudget | undefined
  /** Bytes this source holds charged to the budget. */
  private charged = 0
  /** Whose share of the budget the charge counts in, once the session is authenticated. */
  private caller: string | undefined
  private deadline: MessageDeadline | undefined
  /** Told when the source refuses the client (budget, deadline) while no read is pending to carry the error. */
  onRefused: ((err: Error) => void) | undefined
  private readonly onData = (chunk: Buffer) => {
    this.reader.push(chunk)
    // A bad or too large length ends reading now, not when the loop next reads: until then its bytes kept coming.
    // (Startup packets are always awaited, and the reader turns typed only once the StartupMessage is read.)
    if (this.reader.typed) {
      try {
        this.reader.nextFrameLength()
      } catch (err) {
        return this.refuse(err as Error)
      }
    }
    if (!this.account()) return
    this.flow()
    this.wake()
    this.watch()
  }
  private readonly onEnd = () => {
    this.ended = true
    this.wake()
  }
  /**
   * A client's stream is gone: the connection reads nothing more (it closes its loop), so what is left is given
   * back now. A server's source keeps its frames: the last of them (an ErrorResponse) is still read.
   */
  private readonly onClose = () => {
    this.onEnd()
    if (this.budget) this.release()
  }
  private readonly onError = (err: unknown) => {
    this.failure ??= err
    this.ended = true
    this.wake()
  }

  constructor(private readonly stream: Duplex, opts: { typed: boolean; maxBytes?: number; initial?: Buffer; budget?: MessageBudget }) {
    this.reader = new FrameReader(opts)
    this.budget = opts.budget
    if (opts.initial?.length) {
      this.reader.push(opts.initial)
      this.account()
    }
    stream.on('data', this.onData)
    stream.on('end', this.onEnd)
    stream.on('close', this.onClose)
    stream.on('error', this.onError)
  }

  /** From now on each message must arrive whole within its allowance from its first byte (message-deadline.ts). */
  limitMessageTime(baseMs: number): void {
    this.deadline = new MessageDeadline(baseMs, (length, allowedMs) => this.refuse(pgErrors.messageTimeout(length, allowedMs, baseMs)))
    this.watch()
  }

  /** From now on what this source holds counts in `caller`'s share of the budget (message-budget.ts). */
  chargeTo(caller: string): void {
    if (!this.budget || this.caller !== undefined) return
    const length = this.headLength()
    if (!this.budget.assign(this.charged, length, caller)) return this.refuse(pgErrors.messageBudgetShareExhausted(length!, this.budget.callerLimit))
    this.caller = caller
  }

  /** Bytes this source holds against the budget. */
  get bufferedBytes(): number {
    return this.charged
  }

  /**
   * Charges the bytes now buffered to the budget, or gives back those read. A large message that would pass it
   * refuses the client: false.
   */
  private account(): boolean {
    if (!this.budget) return true
    const held = this.reader.buffered()
    const taken = held > this.charged ? this.budget.take(held - this.charged, this.headLength(), this.caller) : true
    if (taken !== true) {
      const bytes = this.headLength() ?? held
      this.refuse(taken === 'caller' ? pgErrors.messageBudgetShareExhausted(bytes, this.budget.callerLimit) : pgErrors.messageBudgetExhausted(bytes, this.budget.limit))
      return false
    }
    if (held < this.charged) this.budget.give(this.charged - held, this.caller)
    this.charged = held
    return true
  }

  /** Starts or stops the deadline of the message being read: one is begun when bytes wait that are not yet a whole frame. */
  private watch(): void {
    if (!this.deadline) return
    const begun = this.reader.buffered() > 0 && !this.reader.hasWholeFrame()
    this.deadline.update(begun, begun ? this.headLength() : undefined)
  }

  /** Length of the message being read, when its header is buffered and valid (a bad one is refused as it arrives). */
  private headLength(): number | undefined {
    try {
      return this.reader.nextFrameLength()
    } catch {
      return undefined
    }
  }

  /** Ends reading with `err`: drops what is buffered, stops listening, and fails the pending (or next) read. */
  private refuse(err: Error): void {
    this.failure ??= err
    this.ended = true
    this.release()
    this.stream.pause()
    this.wake()
    this.onRefused?.(err)
  }

  /** Drops every byte held, gives its charge back and stops the deadline; nothing more is read. Safe to call again. */
  release(): void {
    this.stream.off('data', this.onData)
    this.reader.take()
    this.budget?.give(this.charged, this.caller)
    this.charged = 0
    this.deadline?.stop()
    this.deadline = undefined
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
      this.account()
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
    if (f) {
      this.account()
      this.watch()
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
    this.stream.off('close', this.onClose)
    this.stream.off('error', this.onError)
    // Paused for the next owner, which resumes once its listeners are attached.
    this.stream.pause()
    const rest = this.reader.take()
    this.release()
    return rest
  }
}
