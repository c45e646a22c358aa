// Time limits one session cannot lift, because they run on the gateway's clock (the server's statement_timeout
// and idle_in_transaction_session_timeout are settings a session may SET to 0):
// - upstream.max_statement_seconds: a Query or Execute still running is cancelled on the server, as a client's
//   CancelRequest would; its error reaches the client as usual. An endless recursive query or a lock wait would
//   otherwise hold a server process and a core every session shares.
// - upstream.max_idle_in_transaction_seconds: a session idle inside a transaction is ended (FATAL 25P03, as
//   PostgreSQL's own timeout). Its locks (even a plain SELECT's) would otherwise block DDL, and every session
//   queued behind that DDL, for as long as the agent leaves the transaction open. Extended-protocol messages
//   sent without a Sync count: the server holds their implicit transaction open until it comes. So does a client
//   that reads none of the results waiting for it (the server blocks sending them, where no cancel is taken).
// - upstream.max_transaction_seconds: a transaction open that long is ended (FATAL 25P04, as PostgreSQL 17's
//   transaction_timeout), however busy: a statement now and then keeps a session from being idle, not its
//   locks from being held.
import type { Entry } from './pending.ts'

/** Five minutes unless the target says otherwise; 0 turns the limit off. */
export const DEFAULT_MAX_STATEMENT_SECONDS = 300
/** Ten minutes unless the target says otherwise; 0 turns the limit off. */
export const DEFAULT_MAX_IDLE_IN_TRANSACTION_SECONDS = 600
/** An hour unless the target says otherwise; 0 turns the limit off. */
export const DEFAULT_MAX_TRANSACTION_SECONDS = 3600

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

  /** How long `head` may still run (the whole limit when it is not the entry being watched). */
  leftMs(head: Entry): number {
    return Math.max(0, this.limitMs - (head === this.head ? this.now() - this.since : 0))
  }
}

/**
 * Watches, by sampling, how long a state has held without interruption. `epoch` is a counter that moves whenever
 * the state may have ended and begun again between two samples, so a moved counter starts the span anew:
 * - idle in a transaction: the messages sent upstream (a statement run between samples is activity);
 * - a transaction open: the ReadyForQuery messages that said idle (one that ended between samples, and any
 *   that began after it, is another transaction).
 */
export class SpanWatch {
  private since: number | undefined
  private epoch = -1

  constructor(private readonly limitMs: number, private readonly now: () => number = () => performance.now()) {}

  /** True when `holding` has been true, with the same epoch, for the limit or longer. */
  overrun(holding: boolean, epoch: number): boolean {
    if (!holding || epoch !== this.epoch) {
      this.epoch = epoch
      this.since = holding ? this.now() : undefined
      return false
    }
    this.since ??= this.now()
    return this.now() - this.since >= this.limitMs
  }
}
