// The bytes of client messages buffered before they are read (unfinished, or whole but waiting), across every
// session of one listener. Each session may read one message of up to MAX_FRAME_BYTES (64 MiB): without a shared
// bound, a few clients that each start a large message and send it slowly made the gateway hold gigabytes.

/**
 * Default budget (listeners.postgres.max_buffered_message_bytes). Measured: a message buffered as socket chunks holds its own size, and joining it when whole
 * briefly holds twice that (64 MiB held 64 MiB, then 128 MiB while joined). 256 MiB lets four messages of the
 * largest size (or forty of 6 MiB) arrive at once and keeps the peak near 512 MiB.
 */
export const MAX_BUFFERED_MESSAGE_BYTES = 256 * 1024 * 1024

/**
 * A session whose next message is at most this long is never refused (its bytes still count): FrameSource stops
 * reading a session once it holds this much in whole messages (frame-source.ts, HIGH_WATER), so ordinary traffic
 * never needs more than this per session.
 */
export const SMALL_MESSAGE_BYTES = 1024 * 1024

export class MessageBudget {
  private used = 0

  constructor(readonly limit: number = MAX_BUFFERED_MESSAGE_BYTES) {}

  /** Bytes held now, over every session. */
  get bytes(): number {
    return this.used
  }

  /**
   * Takes `bytes` more for a session whose next message is `messageBytes` long (undefined while its length is not
   * known). False, and nothing taken, when a large message would pass the limit.
   */
  take(bytes: number, messageBytes: number | undefined): boolean {
    const small = messageBytes === undefined || messageBytes <= SMALL_MESSAGE_BYTES
    if (!small && this.used + bytes > this.limit) return false
    this.used += bytes
    return true
  }

  give(bytes: number): void {
    this.used -= bytes
  }
}
