// A cap on how long one Query or Execute may run on the server (a postgres target's
// upstream.max_statement_seconds). The client cannot lift it: it is the gateway's clock, not the server's
// statement_timeout, which a session may SET to 0. A statement that never ends (a recursive query without a
// bound, a lock wait) would otherwise hold a server process and a core that every other session shares.
// The server is asked to cancel it, as a client's CancelRequest would; its error reaches the client as usual.
import type { Entry } from './pending.ts'

/** Five minutes unless the target says otherwise; 0 turns the limit off. */
export const DEFAULT_MAX_STATEMENT_SECONDS = 300

/** How often a session looks at its oldest unanswered message. */
export const watchIntervalMs = (limitMs: number) => Math.max(100, Math.min(1_000, limitMs / 4))

/**
 * The Query or Execute the server is running: the first in the relay's queue of unanswered messages. The
 * Parse, Bind and Describe before it may still be unanswered only because the server has not flushed their
 * replies yet (it does at Sync, Flush or a full buffer).
 */
export const runningEntry = (queue: readonly Entry[]): Entry | undefined => queue.find((e) => e.kind === 'query' || e.kind === 'execute')

/**
 * Watches the running entry, sampled every watchIntervalMs: an entry is taken to have started
 * when it was first seen at the head, so a statement is cancelled between the limit and one interval past it.
 */
export class StatementWatch {
  private head: Entry | undefined
  private since = 0
  private cancelled: Entry | undefined

  constructor(private readonly limitMs: number, private readonly now: () => number = () => performance.now()) {}

  /** True, once per entry, when the running Query or Execute (runningEntry) has run past the limit. */
  overrun(head: Entry | undefined, waitingForClient: boolean): boolean {
    const running = head !== undefined && (head.kind === 'query' || head.kind === 'execute') && !waitingForClient
    if (!running) {
      this.head = undefined
      return false
    }
    if (head !== this.head) {
      this.head = head
      this.since = this.now()
      return false
    }
    if (this.cancelled === head || this.now() - this.since < this.limitMs) return false
    this.cancelled = head
    return true
  }
}
