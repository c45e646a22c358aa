// The audit sink over a tamper-evident store. record() stays synchronous for the data path: it redacts the
// event and queues it. Queued events are appended in batches, one transaction per batch (everything queued
// while the previous batch was committing), so a busy gateway does not pay one fsync per statement. A commit
// starts at once when someone waits (durable()); events nobody waits for are committed with the next one
// that is waited for, or after commitDelayMs: a statement's outcome record then shares the fsync of the next
// statement's release record instead of making that release wait behind a commit of its own (measured at one
// client: one fsync a statement instead of two).
// durable() resolves once everything recorded before the call is committed, and rejects when the store
// cannot take it (fail closed), unless on_failure is `continue` (an explicit, logged opt-out).
// Events that failed stay queued, in order, and are retried with backoff: nothing recorded is dropped while
// the queue has room.
import type { ChainRecord } from './chain/record.ts'
import { AuditError } from './errors.ts'
import { censorSecretPaths, extraPathsOf } from './pino-sink.ts'
import { redactEvent } from './redact.ts'
import { storableJson } from './storable-json.ts'
import type { AuditStore } from './store/types.ts'
import type { AuditEvent, AuditSink } from './types.ts'

export interface DurableAuditSink extends AuditSink {
  /**
   * Resolves once every event recorded before this call is committed to the store. Rejects with
   * `audit.store_unavailable` (or `audit.overloaded`) when they are not, so a frontend can refuse to release
   * the statement. With on_failure `continue` it resolves anyway (the failure goes to onError).
   */
  durable(): Promise<void>
  /** record(event) then durable(). */
  recordDurable(event: AuditEvent): Promise<void>
  /** Events lost because the queue was full. */
  readonly dropped: number
  /** Events recorded but not committed yet. */
  readonly pending: number
  /** Stops taking events, makes a last attempt to commit the queue, and reports what could not be. */
  close(): Promise<void>
}

export interface DurableSinkOptions {
  store: AuditStore
  onFailure?: 'fail' | 'continue'
  /** Called with every append failure and every dropped event (the caller logs it). */
  onError?: (err: AuditError) => void
  /** Called after each committed batch (the checkpointer counts records here). */
  onCommit?: (records: ChainRecord[]) => void
  /** Also write every event here (the pino JSON-lines output), e.g. to stdout; given the redacted event when it takes one. */
  mirror?: AuditSink & { recordRedacted?(event: Record<string, unknown>): void }
  maxBatch?: number
  maxQueue?: number
  /** Longest an event nobody waits for stays uncommitted (default 10 ms). */
  commitDelayMs?: number
  /** Backoff between retries after a failed append, in ms: doubles from min up to max. */
  retryMs?: { min: number; max: number }
  now?: () => string
}

interface Queued { event: Record<string, unknown>; text: string; time: string; ticket: number }
interface Waiter { ticket: number; resolve(): void; reject(err: AuditError): void }

/** A redacted event in the form that is hashed and stored, with its canonical text (made once, here). */
export interface StorableEvent {
  event: Record<string, unknown>
  text: string
}

/**
 * Redacts and turns the event into plain, canonicalizable JSON (undefined dropped, NaN → null, lone
 * surrogates replaced): the form that is hashed and stored. Done at record() time, so one bad event can never
 * fail the transaction of a whole batch.
 */
export function storableEvent(event: AuditEvent): StorableEvent {
  try {
    const redacted = redactEvent(event, extraPathsOf(event))
    censorSecretPaths(redacted)
    const { plain, text } = storableJson(redacted)
    return { event: plain as Record<string, unknown>, text }
  } catch {
    // Keep the fact that something happened, never content that could not be redacted.
    const { plain, text } = storableJson({ type: String(event?.type ?? 'error'), time: String(event?.time ?? ''), session_id: typeof event?.session_id === 'string' ? event.session_id : undefined, redaction_failed: true })
    return { event: plain as Record<string, unknown>, text }
  }
}

export function createDurableAuditSink(opts: DurableSinkOptions): DurableAuditSink {
  const { store } = opts
  const failClosed = (opts.onFailure ?? 'fail') === 'fail'
  const maxBatch = opts.maxBatch ?? 500
  const maxQueue = opts.maxQueue ?? 20_000
  const commitDelayMs = opts.commitDelayMs ?? 10
  const retry = opts.retryMs ?? { min: 100, max: 5_000 }
  const now = opts.now ?? (() => new Date().toISOString())
  const report = opts.onError ?? (() => undefined)

  const queue: Queued[] = []
  let waiters: Waiter[] = []
  let nextTicket = 1
  let committedThrough = 0
  let failing: AuditError | undefined
  let dropped = 0
  let pumping: Promise<void> | undefined
  let scheduled = false
  let delayTimer: NodeJS.Timeout | undefined
  let retryTimer: NodeJS.Timeout | undefined
  let backoff = retry.min
  let closed = false

  const settle = () => {
    const still: Waiter[] = []
    for (const w of waiters) {
      if (w.ticket <= committedThrough) w.resolve()
      else if (failing) failClosed ? w.reject(failing) : w.resolve()
      else still.push(w)
    }
    waiters = still
  }

  async function pump(): Promise<void> {
    while (queue.length) {
      const batch = queue.slice(0, maxBatch)
      try {
        const records = await store.append(batch.map(({ event, text, time }) => ({ event, text, time })))
        queue.splice(0, batch.length)
        committedThrough = batch.at(-1)!.ticket
        failing = undefined
        backoff = retry.min
        settle()
        opts.onCommit?.(records)
      } catch (err) {
        failing = err instanceof AuditError && err.code === 'audit.store_unavailable' ? err
          : new AuditError('audit.store_unavailable', `append to the audit store: ${(err as Error).message}`, { cause: err })
        report(failing)
        settle()
        if (!closed) {
          retryTimer = setTimeout(() => { retryTimer = undefined; kick() }, backoff)
          retryTimer.unref?.()
          backoff = Math.min(backoff * 2, retry.max)
        }
        return
      }
    }
  }

  function kick(): void {
    scheduled = false
    if (delayTimer) { clearTimeout(delayTimer); delayTimer = undefined }
    if (pumping || retryTimer) return
    pumping = pump().finally(() => {
      pumping = undefined
      // Events recorded while the last batch committed.
      if (queue.length && !failing) schedule(waiters.length > 0)
    })
  }

  /** `now`: someone waits, commit at the end of this turn; otherwise within commitDelayMs. */
  function schedule(now: boolean): void {
    if (scheduled || pumping || retryTimer) return
    if (now || queue.length >= maxBatch) {
      scheduled = true
      // setImmediate, not queueMicrotask: everything recorded in this turn of the event loop joins the batch.
      setImmediate(kick)
    } else if (!delayTimer) {
      delayTimer = setTimeout(kick, commitDelayMs)
    }
  }

  /** Queues the event; returns its ticket, or the error that kept it out of the queue. */
  function enqueue(event: AuditEvent): number | AuditError {
    if (closed) {
      dropped++
      const err = new AuditError('audit.closed', `audit event ${event?.type} recorded after the audit sink was closed; it was not stored`)
      report(err)
      return err
    }
    const { event: stored, text } = storableEvent(event)
    try {
      if (opts.mirror?.recordRedacted) opts.mirror.recordRedacted(stored)
      else opts.mirror?.record(event)
    } catch {
      // the mirror never throws by contract; the store is what counts
    }
    if (queue.length >= maxQueue) {
      dropped++
      const err = new AuditError('audit.overloaded', `the audit queue is full (${maxQueue} events not yet committed): the store is down or too slow; event ${stored.type} was not stored`)
      report(err)
      return err
    }
    queue.push({ event: stored, text, time: now(), ticket: nextTicket })
    schedule(waiters.length > 0)
    return nextTicket++
  }

  function waitFor(ticket: number): Promise<void> {
    if (ticket <= committedThrough) return Promise.resolve()
    if (failing) return failClosed ? Promise.reject(failing) : Promise.resolve()
    return new Promise((resolve, reject) => {
      waiters.push({ ticket, resolve, reject })
      schedule(true)
    })
  }

  return {
    record: (event) => void enqueue(event),
    durable: () => waitFor(nextTicket - 1),
    recordDurable(event) {
      const ticket = enqueue(event)
      if (typeof ticket === 'number') return waitFor(ticket)
      return failClosed ? Promise.reject(ticket) : Promise.resolve()
    },
    flush,
    get dropped() { return dropped },
    get pending() { return queue.length },
    async close() {
      closed = true
      try {
        await flush()
      } finally {
        if (retryTimer) clearTimeout(retryTimer)
        if (delayTimer) clearTimeout(delayTimer)
        failing ??= new AuditError('audit.closed', 'the audit sink is closed')
        settle()
      }
    },
  }

  /** Commits what is queued now (one more attempt, even while backing off); rejects if some is left. */
  async function flush(): Promise<void> {
    if (retryTimer) { clearTimeout(retryTimer); retryTimer = undefined }
    if (delayTimer) { clearTimeout(delayTimer); delayTimer = undefined }
    if (pumping) await pumping
    if (queue.length) await (pumping = pump().finally(() => { pumping = undefined }))
    await opts.mirror?.flush().catch(() => undefined)
    if (queue.length) throw failing ?? new AuditError('audit.store_unavailable', `${queue.length} audit events could not be committed`)
  }
}
