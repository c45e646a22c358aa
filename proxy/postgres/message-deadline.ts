// A deadline for one client message: once its first byte is read, the rest must follow within a time that grows
// with its length. Without it, a client that sent a message a byte at a time held its buffer (and its share of
// the message budget) for as long as it liked. A session idle between messages has no message begun and is not
// watched (an idle session is legitimate).

/** Default base (listeners.postgres.message_timeout_seconds): what any message may take beyond its transfer time. */
export const MESSAGE_TIMEOUT_SECONDS = 30

/**
 * The slowest rate a message may arrive at: 64 KiB/s (512 kbit/s), well under any link an agent works over. A message
 * of the largest size (64 MiB) gets 30 s + 1024 s; a Query of a few KiB, 30 s.
 */
export const MIN_MESSAGE_BYTES_PER_SECOND = 64 * 1024

/** How long a message of `length` bytes (undefined before its length word arrived) may take from its first byte. */
export const messageAllowanceMs = (baseMs: number, length: number | undefined): number =>
  baseMs + ((length ?? 0) * 1000) / MIN_MESSAGE_BYTES_PER_SECOND

/**
 * Watches the message being read. One timer at most, re-armed lazily: a message that completes leaves it armed, and
 * when it fires it finds nothing late (or a later message, whose own deadline it then waits for).
 */
export class MessageDeadline {
  private since: number | undefined
  private length: number | undefined
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly baseMs: number,
    private readonly expired: (length: number | undefined, allowedMs: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** After every read: is a message begun but not yet whole, and its length when known. */
  update(begun: boolean, length: number | undefined): void {
    if (!begun) {
      this.since = undefined
      return
    }
    this.since ??= this.now()
    this.length = length
    if (!this.timer) this.arm()
  }

  stop(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.since = undefined
  }

  private arm(): void {
    const left = this.since! + messageAllowanceMs(this.baseMs, this.length) - this.now()
    this.timer = setTimeout(this.check, Math.max(0, left))
    this.timer.unref()
  }

  private readonly check = (): void => {
    this.timer = undefined
    if (this.since === undefined) return
    const allowed = messageAllowanceMs(this.baseMs, this.length)
    if (this.now() - this.since < allowed) return this.arm()
    const length = this.length
    this.stop()
    this.expired(length, allowed)
  }
}
