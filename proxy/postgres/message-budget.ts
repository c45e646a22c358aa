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

/**
 * The most one caller (issuer and subject, once authenticated) holds of the budget: a quarter, so one agent token
 * whose sessions start large messages and stall (a 64 MiB message may take 17 minutes) cannot take the pool and
 * get every other caller's large message refused. At the default, one message of the largest size at a time.
 */
export const CALLER_SHARE = 1 / 4

const isSmall = (messageBytes: number | undefined) => messageBytes === undefined || messageBytes <= SMALL_MESSAGE_BYTES

export class MessageBudget {
  private used = 0
  private readonly byCaller = new Map<string, number>()
  readonly callerLimit: number

  constructor(readonly limit: number = MAX_BUFFERED_MESSAGE_BYTES) {
    this.callerLimit = Math.floor(limit * CALLER_SHARE)
  }

  /** Bytes held now, over every session. */
  get bytes(): number {
    return this.used
  }

  /** Bytes held now by one caller's sessions. */
  heldBy(caller: string): number {
    return this.byCaller.get(caller) ?? 0
  }

  /**
   * Takes `bytes` more for a session whose next message is `messageBytes` long (undefined while its length is not
   * known), of `caller` once authenticated. Nothing is taken when a large message would pass the listener's limit
   * ('listener') or the caller's share ('caller').
   */
  take(bytes: number, messageBytes: number | undefined, caller?: string): true | 'listener' | 'caller' {
    if (!isSmall(messageBytes) && this.used + bytes > this.limit) return 'listener'
    if (caller !== undefined && this.passesShare(bytes, messageBytes, caller)) return 'caller'
    this.used += bytes
    if (caller !== undefined) this.byCaller.set(caller, this.heldBy(caller) + bytes)
    return true
  }

  give(bytes: number, caller?: string): void {
    this.used -= bytes
    if (caller === undefined) return
    const rest = this.heldBy(caller) - bytes
    if (rest > 0) this.byCaller.set(caller, rest)
    else this.byCaller.delete(caller)
  }

  /**
   * Counts `bytes` a session already holds as `caller`'s, now that it is known: bytes sent before authentication (a
   * large message pipelined behind the password) were taken against the listener alone. False, and nothing counted,
   * when the large message they begin would pass the caller's share, as a later take would refuse it.
   */
  assign(bytes: number, messageBytes: number | undefined, caller: string): boolean {
    if (this.passesShare(bytes, messageBytes, caller)) return false
    if (bytes > 0) this.byCaller.set(caller, this.heldBy(caller) + bytes)
    return true
  }

  private passesShare(bytes: number, messageBytes: number | undefined, caller: string): boolean {
    return !isSmall(messageBytes) && this.heldBy(caller) + bytes > this.callerLimit
  }
}
